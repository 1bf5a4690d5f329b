"""Conversation history: accepted shapes, and follow-up questions made standalone without an LLM."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from assistant.citations import content_words

_REFERRING_WORDS = frozenset(
    "he she it they them his her its their this these those there he's she's it's".split()
)
_FOLLOWUP_OPENINGS = ("and ", "what about", "how about")
# A question with at most this many content words, or with a referring word, is read as a follow-up.
SHORT_FOLLOWUP_WORDS = 2

Message = dict[str, str]


def normalize_history(history: Sequence[Any] | None) -> list[Message]:
    """Messages as `{"role", "content"}` dicts, from dicts or (user, assistant) pairs."""
    messages: list[Message] = []
    for item in history or []:
        if isinstance(item, dict):
            role, content = item.get("role"), item.get("content")
            if role in ("user", "assistant") and isinstance(content, str):
                messages.append({"role": role, "content": content})
        elif isinstance(item, list | tuple) and len(item) == 2:
            user, reply = item
            if user:
                messages.append({"role": "user", "content": str(user)})
            if reply:
                messages.append({"role": "assistant", "content": str(reply)})
        else:
            raise TypeError(
                f"history items must be {{'role','content'}} dicts or (user, assistant) pairs; got {item!r}"
            )
    return messages


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
