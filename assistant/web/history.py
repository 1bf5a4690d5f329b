"""The page's conversation panel: each user's stored conversations, reopened, renamed, deleted; answers stored."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import gradio as gr

from assistant.accounts.users import User
from assistant.core.errors import AssistantError
from assistant.web.chat import add_question
from assistant.web.library import LibraryPanel
from assistant.web.presentation import Turn, answer_html, inert, sources_html, sources_title
from assistant.web.sessions import Sessions

# Conversations listed in the panel: the most recently updated.
LISTED = 100


def chat_messages(turns: list[Turn]) -> list[dict[str, Any]]:
    """The chat's messages for stored turns: each question, its answer and its sources panel, as when asked."""
    messages: list[dict[str, Any]] = []
    for turn in turns:
        messages = add_question(turn.question, messages)[1]
        panel = {"title": sources_title(turn.answer)}
        if "total" in turn.answer.timings:
            panel["duration"] = round(turn.answer.timings["total"], 2)
        messages += [
            {"role": "assistant", "content": answer_html(turn.answer)},
            {"role": "assistant", "content": sources_html(turn.answer), "metadata": panel},
        ]
    return messages


class HistoryPanel:
    """The list of the user's conversations (titled from their first question) and what can be done with one."""

    def __init__(self, sessions: Sessions) -> None:
        self.sessions = sessions
        self.workspace = sessions.workspace
        self.exports = sessions.default_chat()  # writes the Markdown exports (any ChatApp would)
        self.conversation = gr.State(None)  # the id of the conversation on screen; None until its first answer
        with gr.Accordion("Conversations", open=True, elem_id="conversations-panel"):
            self.signed_in = gr.HTML(elem_id="signed-in")
            self.listing = gr.Radio(
                [], label="Your conversations", elem_id="conversations", info="Reopen one to see it and continue it."
            )
            self.title = gr.Textbox(
                placeholder="A new title for the open conversation",
                show_label=False,
                elem_id="conversation-title",
                max_lines=1,
                max_length=200,
            )
            with gr.Row():
                self.rename_button = gr.Button("Rename", elem_id="conversation-rename", size="sm")
                self.delete_button = gr.Button("Delete", elem_id="conversation-delete", size="sm", variant="stop")
            self.status = gr.HTML(elem_id="conversation-status")

    def wire(self, chat: list[Any], library: LibraryPanel, follow: Callable[[Any], Any]) -> None:
        """Hook the panel's events; `chat` is [chatbot, turns, download]; `follow(event)` follows each new chat."""
        reset_outputs = [*chat, self.conversation, self.listing]
        opened = self.listing.input(
            self.open, [self.listing], [*chat, self.conversation, library.selector, self.title, self.listing]
        )
        follow(opened.then(library.show, [library.selector], library.view_outputs))
        self.rename_button.click(self.rename, [self.conversation, self.title], [self.listing, self.status, self.title])
        deleted = self.delete_button.click(self.delete, [self.conversation], [self.listing, self.status])
        follow(deleted.then(self.reset, None, reset_outputs))

    def listed(self, user: User, selected: str | None) -> Any:
        """The conversation list of `user`, with `selected` chosen."""
        conversations = self.workspace.conversations_of(user, LISTED)
        choices = [(conversation.title or "Untitled conversation", conversation.id) for conversation in conversations]
        return gr.Radio(choices=choices, value=selected if any(c.id == selected for c in conversations) else None)

    def load(self, request: gr.Request) -> tuple[Any, Any]:
        """On opening the page: who is signed in and their conversations (a reload shows them again)."""
        user = self.sessions.user(request)
        signed_in = ""
        if getattr(request, "username", None):
            signed_in = f'Signed in as <b>{inert(user.name)}</b> · <a href="logout" id="logout">Log out</a>'
        return signed_in, self.listed(user, None)

    # -- questions --------------------------------------------------------------------------------
    def respond(
        self,
        question: str,
        chat: list,
        turns: list[Turn],
        mode: str,
        k: float,
        scope: list[str] | None,
        collection_id: str | None,
        conversation_id: str | None,
        request: gr.Request,
    ) -> Iterator[tuple[Any, ...]]:
        """Stream the answer from the chosen collection; once complete, store it in the conversation (made if new)."""
        user = self.sessions.user(request)
        try:
            collection = self.workspace.collection(user, collection_id)
            if conversation_id is not None:
                self.workspace.conversation(user, conversation_id)
        except AssistantError as error:
            yield [*chat, _error(error)], turns, gr.skip(), gr.skip(), gr.skip()
            return
        last = None
        for last in self.sessions.chat(user, collection).respond(question, chat, turns, mode, k, scope):
            yield (*last, gr.skip(), gr.skip())
        if last is None or len(last[1]) == len(turns):  # no answer: nothing to store
            return
        turn = last[1][-1]
        try:
            stored = self.workspace.record(user, conversation_id, collection, turn.question, turn.answer)
        except AssistantError as error:
            yield [*last[0], _error(error)], last[1], gr.skip(), gr.skip(), gr.skip()
            return
        yield gr.skip(), gr.skip(), gr.skip(), stored.conversation, self.listed(user, stored.conversation)

    # -- the list ---------------------------------------------------------------------------------
    def open(self, conversation_id: str | None, request: gr.Request) -> tuple[Any, ...]:
        """Show a stored conversation with every answer's sources, ready for follow-ups; choose its collection."""
        user = self.sessions.user(request)
        try:
            transcript = self.workspace.transcript(user, conversation_id or "")
        except AssistantError as error:
            return gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip(), _failed(error), self.listed(user, None)
        turns = [Turn(turn.question, turn.answer) for turn in transcript.turns]
        download = gr.DownloadButton(value=self.exports.export(turns) if turns else None, interactive=bool(turns))
        collection = transcript.conversation.collection
        readable = any(c.id == collection for c in self.workspace.collections.list_for(user))
        chosen = collection if readable else gr.skip()  # a deleted collection's conversations still show
        return chat_messages(turns), turns, download, transcript.conversation.id, chosen, "", gr.skip()

    def rename(self, conversation_id: str | None, title: str, request: gr.Request) -> tuple[Any, ...]:
        user = self.sessions.user(request)
        try:
            renamed = self.workspace.rename_conversation(user, _chosen(conversation_id), title)
        except AssistantError as error:
            return self.listed(user, conversation_id), _failed(error), gr.skip()
        return self.listed(user, renamed.id), f"&#10003; Renamed to {inert(repr(renamed.title))}.", ""

    def delete(self, conversation_id: str | None, request: gr.Request) -> tuple[Any, ...]:
        user = self.sessions.user(request)
        try:
            self.workspace.delete_conversation(user, _chosen(conversation_id))
        except AssistantError as error:
            return self.listed(user, conversation_id), _failed(error)
        return self.listed(user, None), "&#10003; Deleted the conversation."

    def reset(self) -> tuple[Any, ...]:
        """A new conversation: an empty chat, nothing to export, none chosen in the list."""
        return [], [], gr.DownloadButton(value=None, interactive=False), None, gr.Radio(value=None)


def _chosen(conversation_id: str | None) -> str:
    if not conversation_id:
        raise AssistantError("Open a conversation first (it is stored once its first question is answered).")
    return conversation_id


def _error(error: Exception) -> dict[str, str]:
    return {"role": "assistant", "content": f'<div class="error">&#9888; {inert(str(error))}</div>'}


def _failed(error: Exception) -> str:
    return f'<span class="error">&#10007; {inert(str(error))}</span>'
