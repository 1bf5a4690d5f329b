"""Find the passages that best match a query: by meaning (dense), by words (BM25), or by both (hybrid)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

from assistant.core.errors import ConfigurationError
from assistant.core.types import Hit
from assistant.embedding.base import Embedder
from assistant.retrieval.lexical import LexicalIndex
from assistant.retrieval.store import ChromaStore

# Candidates taken from each side before fusing; more than k so that a chunk ranked low by one side but high
# by the other can still win. On SciFact (nDCG@10), 40 scores as 100 does (0.7376) and 20 a little less (0.7359).
HYBRID_CANDIDATES = 40


class Retriever(Protocol):
    """Returns the k best chunks for a query, best first, optionally only from some documents."""

    def retrieve(self, query: str, k: int, sources: Sequence[str] | None = None) -> list[Hit]: ...


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


class LexicalRetriever:
    """Chunks ranked by BM25 over their words: finds exact names, numbers and identifiers.

    A hit's score is the fraction of the query's BM25 ceiling that the chunk reaches (0 to 1).
    """

    def __init__(self, store: ChromaStore, lexical: LexicalIndex) -> None:
        self.store = store
        self.lexical = lexical

    def retrieve(self, query: str, k: int, sources: Sequence[str] | None = None) -> list[Hit]:
        self.lexical.follow(self.store)
        scores = self.lexical.query(query)
        ranked = scores.top(k, sources)
        chunks = {chunk.id: chunk for chunk in self.store.get([chunk_id for chunk_id, _ in ranked])}
        found = [(chunks[chunk_id], score / scores.ceiling) for chunk_id, score in ranked if chunk_id in chunks]
        return [Hit(chunk, score, rank) for rank, (chunk, score) in enumerate(found, start=1)]


class HybridRetriever:
    """Dense and BM25 candidates, each scored by both, ranked by a weighted sum of the two scores.

    The dense score is the cosine similarity; the BM25 score is divided by the query's ceiling (the score of a
    chunk holding every query term), so both lie in 0..1 whatever the query, and a hit's score stays comparable
    across questions (the extractive answerer's refusal threshold relies on that).
    """

    def __init__(
        self,
        store: ChromaStore,
        embedder: Embedder,
        lexical: LexicalIndex,
        dense_weight: float = 0.5,
        candidates: int = HYBRID_CANDIDATES,
    ) -> None:
        if not 0.0 <= dense_weight <= 1.0:
            raise ConfigurationError(f"dense_weight must be between 0 and 1; got {dense_weight}.")
        if candidates < 1:
            raise ConfigurationError(f"candidates must be at least 1; got {candidates}.")
        self.store = store
        self.embedder = embedder
        self.lexical = lexical
        self.dense_weight = dense_weight
        self.candidates = candidates

    def retrieve(self, query: str, k: int, sources: Sequence[str] | None = None) -> list[Hit]:
        self.lexical.follow(self.store)
        depth = max(k, self.candidates)
        vector = self.embedder.embed([query])[0]
        cosine = dict(self.store.nearest(vector, depth, where=source_filter(sources)))  # ids only: texts come last
        scores = self.lexical.query(query)
        lexical = dict(scores.top(depth, sources))
        chunks = {}
        only_lexical = [chunk_id for chunk_id in lexical if chunk_id not in cosine]
        for chunk, stored in self.store.get_with_vectors(only_lexical):  # their cosine, from their stored vectors
            chunks[chunk.id] = chunk
            cosine[chunk.id] = float(np.dot(stored, vector))
        lexical.update(scores.of(chunk_id for chunk_id in cosine if chunk_id not in lexical))
        fused = {
            chunk_id: self.dense_weight * similarity
            + (1 - self.dense_weight) * lexical.get(chunk_id, 0.0) / scores.ceiling
            for chunk_id, similarity in cosine.items()
        }
        best = sorted(fused, key=lambda chunk_id: -fused[chunk_id])[:k]
        chunks.update((chunk.id, chunk) for chunk in self.store.get([i for i in best if i not in chunks]))
        best = [chunk_id for chunk_id in best if chunk_id in chunks]  # a chunk deleted meanwhile is left out
        return [Hit(chunks[chunk_id], fused[chunk_id], rank) for rank, chunk_id in enumerate(best, start=1)]
