"""Find the passages most similar to a query."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from assistant.embeddings import Embedder
from assistant.store import ChromaStore
from assistant.types import Hit


def source_filter(sources: Sequence[str] | None) -> dict[str, Any] | None:
    """A Chroma `where` clause restricting retrieval to the named documents."""
    if not sources:
        return None
    names = list(dict.fromkeys(sources))
    return {"source": names[0]} if len(names) == 1 else {"source": {"$in": names}}


class DenseRetriever:
    """Nearest chunks by cosine similarity of sentence embeddings."""

    def __init__(self, store: ChromaStore, embedder: Embedder) -> None:
        self.store = store
        self.embedder = embedder

    def retrieve(self, query: str, k: int, sources: Sequence[str] | None = None) -> list[Hit]:
        vector = self.embedder.embed([query])[0]
        return self.store.query(vector, k, where=source_filter(sources))
