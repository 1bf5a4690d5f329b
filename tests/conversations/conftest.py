"""A conversation store in tmp_path, and answers with citations, passages and sentence checks to store in it."""

from __future__ import annotations

import pytest

from assistant.conversations.store import ConversationStore
from assistant.core.types import Answer, Chunk, Citation, Hit, SentenceSupport


def sample_answer(label: str, generated: bool = False, refused: bool = False) -> Answer:
    """An answer whose every field depends on `label`, so a misattributed answer is told apart."""
    text = f"The keeper of {label} lit the lamp [1]. It burned all night [2]."
    chunks = [
        Chunk(f"{label}-c1", f"Keeper {label} lit the lamp at dusk.", f"{label}.txt", 0, 32, {"kind": "text"}),
        Chunk(f"{label}-c2", f"The lamp of {label} burned all night.", f"{label}.pdf", 100, 136, {"page": 3}),
        Chunk(f"{label}-c3", f"Unrelated words about {label}.", f"{label}.md", 7, 35, {}),
    ]
    passages = [Hit(chunk, round(0.9 - rank / 10, 6) + 1e-9 * len(label), rank) for rank, chunk in enumerate(chunks, 1)]
    citations = [
        Citation(1, f"{label}.txt", f"{label}-c1", f"Keeper {label} lit the lamp", 0, 17 + len(label), 0.8123456789),
        Citation(2, f"{label}.pdf", f"{label}-c2", "burned all night", 119, 135, 0.7, page=3),
    ]
    sentences = None
    if generated:
        sentences = [
            SentenceSupport(f"The keeper of {label} lit the lamp.", "supported", (1,), 0.91, 0, 30),
            SentenceSupport("Visit http://evil.example", "removed", (), 0.0, None, None, "a link"),
        ]
    return Answer(
        text="" if refused else text,
        citations=[] if refused else citations,
        refused=refused,
        timings={"retrieve": 0.0123, "answer": 1.5, "total": 1.5123},
        passages=passages,
        sentences=sentences,
        supported_fraction=0.5 if generated else None,
    )


@pytest.fixture
def answer_for():
    return sample_answer


@pytest.fixture
def store(tmp_path):
    opened = ConversationStore(tmp_path / "data" / "conversations.sqlite3")
    yield opened
    opened.close()
