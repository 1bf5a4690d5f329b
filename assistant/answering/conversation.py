"""Conversation history: accepted shapes, and follow-up questions made standalone without an LLM."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from assistant.core.text import content_words

_REFERRING_WORDS = frozenset("he she it they them his her its their this these those there he's she's it's".split())
_FOLLOWUP_OPENINGS = ("and ", "what about", "how about")
# A question with at most this many content words, or with a referring word, is read as a follow-up.
SHORT_FOLLOWUP_WORDS = 2

Message = dict[str, str]
_LANGCHAIN_ROLES = {"human": "user", "ai": "assistant"}


def normalize_history(history: Sequence[Any] | None) -> list[Message]:
    """The one reader of conversation history: `{"role", "content"}` dicts of user and assistant turns.

    Accepts `{"role", "content"}` dicts, `(user, assistant)` pairs, and message objects with `role` (or a
    LangChain `type` of human/ai) and `content` (pydantic request bodies, LangChain messages). System messages
    and other roles are left out.
    """
    messages: list[Message] = []
    for item in history or []:
        if isinstance(item, list | tuple) and len(item) == 2:
            user, reply = item
            if user:
                messages.append({"role": "user", "content": str(user)})
            if reply:
                messages.append({"role": "assistant", "content": str(reply)})
            continue
        role, content = _role_and_content(item)
        if role in ("user", "assistant") and isinstance(content, str):
            messages.append({"role": role, "content": content})
    return messages


def _role_and_content(item: Any) -> tuple[Any, Any]:
    if isinstance(item, dict):
        return item.get("role"), item.get("content")
    if hasattr(item, "content") and (hasattr(item, "role") or hasattr(item, "type")):
        role = getattr(item, "role", None) or _LANGCHAIN_ROLES.get(getattr(item, "type", ""))
        content = item.content
        if isinstance(content, list):  # LangChain content blocks: the text parts
            content = "".join(part if isinstance(part, str) else str(part.get("text", "")) for part in content)
        return role, content
    raise TypeError(
        f"history items must be {{'role','content'}} dicts, (user, assistant) pairs or messages; got {item!r}"
    )


def expand_followup(question: str, history: Sequence[Any] | None) -> str:
    """Prefix a short or referring follow-up with the previous user question, so retrieval has context."""
    previous = [message["content"] for message in normalize_history(history) if message["role"] == "user"]
    if not previous:
        return question
    lowered = question.lower().strip()
    is_followup = (
        len(content_words(question)) <= SHORT_FOLLOWUP_WORDS
        or bool(_REFERRING_WORDS & set(lowered.replace("?", " ").split()))
        or lowered.startswith(_FOLLOWUP_OPENINGS)
    )
    return f"{previous[-1]} {question}" if is_followup else question
