"""Conversations and turns as stored, and an answer turned into the columns of its row and back."""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, fields
from typing import Any

from assistant.core.errors import InvalidNameError
from assistant.core.types import Answer, Chunk, Citation, Hit, SentenceSupport

# A title made from the first question is cut to this many characters; one a user gives may have MAX_TITLE_CHARS.
TITLE_CHARS = 60
MAX_TITLE_CHARS = 200
_SHOWN_CHARS = 40
# The fields of an answer stored in a column of their own; the others are kept in the `extras` JSON column.
_COLUMNS = frozenset({"text", "citations", "refused", "timings", "passages", "sentences"})
_EXTRA_FIELDS = frozenset(field.name for field in fields(Answer)) - _COLUMNS


@dataclass(frozen=True)
class Conversation:
    """A conversation of one user about one collection; `turns` counts its questions."""

    id: str
    owner: str
    collection: str
    title: str
    created: float
    updated: float
    turns: int = 0

    def to_dict(self) -> dict[str, Any]:
        """The listing object of a conversation."""
        return {
            "id": self.id,
            "title": self.title,
            "collection": self.collection,
            "created": self.created,
            "updated": self.updated,
            "turns": self.turns,
        }


@dataclass(frozen=True)
class Turn:
    """One question and its answer, with the citations and passages that show its sources again."""

    conversation: str
    position: int
    question: str
    answer: Answer
    collection: str
    created: float

    def to_dict(self) -> dict[str, Any]:
        """The answer object of DESIGN.md with the question, the collection and the passages it was drawn from."""
        return {
            "position": self.position,
            "question": self.question,
            **self.answer.to_dict(),
            "passages": [passage_dict(hit) for hit in self.answer.passages],
            "collection": self.collection,
            "created": self.created,
        }


@dataclass(frozen=True)
class Transcript:
    """A whole conversation, for an export: the lead's renderers (Markdown, JSON) read it."""

    conversation: Conversation
    turns: list[Turn]

    def to_dict(self) -> dict[str, Any]:
        return {"conversation": self.conversation.to_dict(), "turns": [turn.to_dict() for turn in self.turns]}


def passage_dict(hit: Hit) -> dict[str, Any]:
    """A retrieved passage as stored: the chunk (id, text, source, offsets, metadata), its score and rank."""
    chunk = hit.chunk
    return {
        "chunk_id": chunk.id,
        "text": chunk.text,
        "source": chunk.source,
        "start": chunk.start,
        "end": chunk.end,
        "metadata": chunk.metadata,
        "score": hit.score,
        "rank": hit.rank,
    }


def answer_columns(answer: Answer) -> dict[str, Any]:
    """The columns of a turn's row that hold `answer` (JSON text for the lists).

    The fields of `Answer` without a column of their own (`supported_fraction`, and any plain field it gains
    later) go into `extras`, so an answer keeps all it said without a new schema version.
    """
    extras = {field.name: getattr(answer, field.name) for field in fields(Answer) if field.name not in _COLUMNS}
    return {
        "answer": answer.text,
        "refused": int(bool(answer.refused)),
        "citations": _json([citation.to_dict() for citation in answer.citations]),
        "passages": _json([passage_dict(hit) for hit in answer.passages]),
        "sentences": None if answer.sentences is None else _json([s.to_dict() for s in answer.sentences]),
        "extras": _json(extras),
        "timings": _json(answer.timings),
    }


def answer_from_columns(row: Any) -> Answer:
    """The answer a row holds, equal to the one stored (citations, passages and sentence checks included)."""
    sentences = None
    if row["sentences"] is not None:
        sentences = [
            SentenceSupport(**{**values, "citations": tuple(values["citations"])})
            for values in json.loads(row["sentences"])
        ]
    return Answer(
        text=row["answer"],
        citations=[Citation(**values) for values in json.loads(row["citations"])],
        refused=bool(row["refused"]),
        timings=json.loads(row["timings"]),
        passages=[_hit(values) for values in json.loads(row["passages"])],
        sentences=sentences,
        **{name: value for name, value in json.loads(row["extras"]).items() if name in _EXTRA_FIELDS},
    )


def title_from(question: str, limit: int = TITLE_CHARS) -> str:
    """A conversation's title from its first question: one line, at most `limit` characters, cut at a word."""
    visible = "".join(" " if unicodedata.category(char)[0] in "CZ" else char for char in question)
    line = " ".join(visible.split())
    if len(line) <= limit:
        return line or "Untitled conversation"
    cut = line[: limit - 1]
    if line[limit - 1] != " " and " " in cut[limit // 2 :]:  # the cut is inside a word: end at the one before
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:-") + "…"


def check_title(title: object) -> str:
    """`title` without surrounding spaces, when it can title a conversation: 1-200 characters, one line."""
    if not isinstance(title, str):
        raise InvalidNameError(f"A title must be text; got {shown(title)}.", "title")
    clean = title.strip()
    if any(unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") for char in title):
        problem = "cannot hold control characters (NUL, line breaks, tabs, invisible formatting)"
    elif not clean:
        problem = "cannot be empty"
    elif len(clean) > MAX_TITLE_CHARS:
        problem = f"may have at most {MAX_TITLE_CHARS} characters; this one has {len(clean)}"
    else:
        return clean
    raise InvalidNameError(f"A title {problem}; got {shown(title)}. Choose a short one-line title.", "title")


def shown(value: object) -> str:
    """`value` as a message shows it: its repr, cut short when long."""
    text = repr(value)
    return text if len(text) <= _SHOWN_CHARS else f"{text[:_SHOWN_CHARS]}... ({len(str(value))} characters)"


def _hit(values: dict[str, Any]) -> Hit:
    chunk = Chunk(
        values["chunk_id"], values["text"], values["source"], values["start"], values["end"], values["metadata"]
    )
    return Hit(chunk, values["score"], values["rank"])


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
