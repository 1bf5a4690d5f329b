"""The OpenAI-compatible routes: `POST /v1/chat/completions` (plain or streamed) and `GET /v1/models`."""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from assistant.accounts.users import User
from assistant.api.answers import AnswerSlots
from assistant.api.errors import ApiError, error_detail
from assistant.api.identity import CurrentUser
from assistant.api.schemas import ChatCompletionRequest, ChatMessage
from assistant.core.errors import CollectionNotFoundError, InvalidNameError
from assistant.core.types import Answer

logger = logging.getLogger(__name__)


def openai_router(answers: AnswerSlots) -> APIRouter:
    """The `/v1` routes over `answers`, each acting for `current_user` (the API key's owner).

    `model` names the collection to ask: its label from GET /v1/models, optionally `label:generator`; a bare
    generator name (`extractive`, as before collections) asks the collection 'default' with that generator.
    """
    router = APIRouter(tags=["openai"])
    workspace = answers.workspace

    def model_options(user: User, model: str) -> dict:
        """The `ask` options `model` stands for; an unknown model is a 404 naming the field."""
        generators = answers.generators
        candidates = [(model, None)]
        collection, colon, generator = model.rpartition(":")
        if colon and generator in generators:
            candidates.append((collection, generator))
        for reference, chosen in candidates:
            try:
                return answers.options(chosen, "model", collection=workspace.collection(user, reference).id)
            except (CollectionNotFoundError, InvalidNameError):  # not a collection of theirs: try the next reading
                continue
        if model in generators:
            return answers.options(model, "model")
        raise ApiError(
            404,
            f"Unknown model {model!r}: name one of your collections (GET /v1/models lists them), optionally "
            f"followed by ':' and a generator ({', '.join(generators)}).",
            "model",
            "model_not_found",
        )

    @router.post("/v1/chat/completions")
    async def chat_completions(body: ChatCompletionRequest, user: CurrentUser) -> Any:
        """OpenAI-compatible chat: `[n]` markers in the content, `citations` and `refused` as extra fields."""
        question, history = _question_and_history(body.messages)
        options = model_options(user, body.model)
        completion_id, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
        head = {"id": completion_id, "created": created, "model": body.model}
        if not body.stream:
            answer = (await answers.answer(user, question, history, options)).answer
            return {
                **head,
                "object": "chat.completion",
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": answer.text},
                        "finish_reason": "stop",
                        "logprobs": None,
                    }
                ],
                "usage": _usage(question, answer.text),
                **_evidence(answer),
            }
        chunks = await answers.stream(user, question, history, options)
        include_usage = bool(body.stream_options and body.stream_options.include_usage)

        def chunk(delta: dict, finish: str | None = None, **extra: Any) -> str:
            choice = {"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}
            return _data({**head, "object": "chat.completion.chunk", "choices": [choice], **extra})

        async def events() -> AsyncIterator[str]:
            yield chunk({"role": "assistant", "content": ""})
            text = ""
            try:
                async for item in chunks:
                    if not isinstance(item, str):  # the Reply: the answer with its citations
                        yield chunk({}, "stop", **_evidence(item.answer))
                    elif item:
                        text += item
                        yield chunk({"content": item})
            except Exception as error:  # noqa: BLE001 - the status line is sent; report in-band
                logger.exception("stream failed")
                yield _data(error_detail(error))
            if include_usage:
                yield _data({**head, "object": "chat.completion.chunk", "choices": [], "usage": _usage(question, text)})
            yield "data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})

    @router.get("/v1/models")
    def models(user: CurrentUser) -> dict:
        """Your collections as OpenAI models; with more than one generator, also `collection:generator` for each."""
        others = answers.generators[1:]  # the first is the configured default
        data = []
        for collection in workspace.collections.list_for(user):
            label = workspace.collections.label(user, collection)
            for name in [label, *(f"{label}:{generator}" for generator in others)]:
                created, owner = int(collection.created), collection.owner
                data.append({"id": name, "object": "model", "created": created, "owned_by": owner})
        return {"object": "list", "data": data}

    return router


def _text(message: ChatMessage) -> str:
    if isinstance(message.content, list):
        return "".join(part.text for part in message.content)
    return message.content or ""


def _question_and_history(messages: list[ChatMessage]) -> tuple[str, list[dict[str, str]]]:
    """The last message is the question (it must be the user's); earlier user and assistant turns are history."""
    last = messages[-1]
    if last.role != "user":
        message = f"The last message must have role 'user'; got {last.role!r}."
        raise ApiError(422, message, f"messages.{len(messages) - 1}")
    history = [
        {"role": message.role, "content": _text(message)}
        for message in messages[:-1]
        if message.role in ("user", "assistant")
    ]
    return _text(last), history


def _evidence(answer: Answer) -> dict[str, Any]:
    body = answer.to_dict()
    return {"citations": body["citations"], "refused": body["refused"]}


def _usage(question: str, answer: str) -> dict[str, int]:
    # Counts words, not model tokens: the extractive answerer has no tokenizer.
    prompt, completion = len(question.split()), len(answer.split())
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def _data(data: dict) -> str:
    return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"
