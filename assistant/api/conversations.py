"""The conversation routes: the API key's user's stored conversations, listed, read, renamed, deleted and exported."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Annotated, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import PlainTextResponse

from assistant.api.identity import CurrentUser
from assistant.api.schemas import ConversationBody, ConversationTitle, NewConversation, TranscriptBody

if TYPE_CHECKING:
    from assistant.workspace import Workspace

ConversationId = Annotated[str, Path(description="A conversation's id (GET /api/conversations).")]
MAX_LISTED = 1000
_FILE_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")  # a header holds latin-1 only: the title's ASCII words


def conversations_router(workspace: Workspace) -> APIRouter:
    """The `/api/conversations` routes; another user's conversation id is a 404 exactly like a missing one."""
    router = APIRouter(tags=["conversations"])

    @router.get("/api/conversations", response_model=list[ConversationBody])
    def list_conversations(
        user: CurrentUser, limit: Annotated[int, Query(ge=1, le=MAX_LISTED)] = MAX_LISTED
    ) -> list[dict]:
        """Your conversations, the most recent first."""
        return [conversation.to_dict() for conversation in workspace.conversations_of(user, limit)]

    @router.post("/api/conversations", response_model=ConversationBody, status_code=201)
    def create(request: NewConversation, user: CurrentUser) -> dict:
        """Start a conversation about a collection; ask in it with `conversation` on POST /api/ask."""
        return workspace.start_conversation(user, request.collection, request.title).to_dict()

    @router.get(
        "/api/conversations/{conversation_id}", response_model=TranscriptBody, response_model_exclude_unset=True
    )
    def get(conversation_id: ConversationId, user: CurrentUser) -> dict:
        """The conversation with every turn: each answer with its citations and the passages it came from."""
        return workspace.transcript(user, conversation_id).to_dict()

    @router.patch("/api/conversations/{conversation_id}", response_model=ConversationBody)
    def rename(conversation_id: ConversationId, request: ConversationTitle, user: CurrentUser) -> dict:
        return workspace.rename_conversation(user, conversation_id, request.title).to_dict()

    @router.delete("/api/conversations/{conversation_id}")
    def delete(conversation_id: ConversationId, user: CurrentUser) -> dict:
        """Delete the conversation and its turns."""
        workspace.delete_conversation(user, conversation_id)
        return {"id": conversation_id, "deleted": True}

    @router.get(
        "/api/conversations/{conversation_id}/export",
        responses={200: {"content": {"text/markdown": {}, "application/json": {}}}},
    )
    def export(
        conversation_id: ConversationId,
        user: CurrentUser,
        format: Annotated[Literal["markdown", "json"], Query(description="markdown (as the page exports) or json.")] = (
            "markdown"
        ),
    ) -> PlainTextResponse:
        """The conversation as a file to download: Markdown with every citation, or the JSON of GET above."""
        from assistant.web.presentation import Turn, conversation_markdown  # plain text helpers: no gradio import

        transcript = workspace.transcript(user, conversation_id)
        stem = _FILE_NAME_UNSAFE.sub("-", transcript.conversation.title)[:60].strip("-.") or "conversation"
        if format == "json":
            text = json.dumps(transcript.to_dict(), ensure_ascii=False, indent=2)
            media, suffix = "application/json", "json"
        else:
            turns = [Turn(turn.question, turn.answer) for turn in transcript.turns]
            text, media, suffix = conversation_markdown(turns), "text/markdown; charset=utf-8", "md"
        headers = {"Content-Disposition": f'attachment; filename="{stem}.{suffix}"'}
        return PlainTextResponse(text, media_type=media, headers=headers)

    return router
