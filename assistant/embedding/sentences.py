"""Chunk vectors, and with a SpanEmbedder the vectors of each chunk's sentences read in context (late chunking).

Stored with the chunk at ingest, the sentence vectors take sentence embedding off the answer path, and they score
answers better than sentences embedded alone: on SQuAD-dev-a and the seed set the best-scored sentence held the
answer more often (bench/answer_model.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from assistant.core.text import split_sentences
from assistant.core.types import Chunk, SentenceVectors
from assistant.embedding.base import Embedder


def embed_chunks(embedder: Embedder, chunks: Sequence[Chunk]) -> tuple[list[Chunk], np.ndarray]:
    """The chunks' vectors, and the chunks carrying their sentences' vectors when the embedder can give them."""
    texts = [chunk.text for chunk in chunks]
    if not hasattr(embedder, "embed_with_spans"):
        return list(chunks), embedder.embed(texts)
    sentences = [split_sentences(chunk) for chunk in chunks]
    spans = [
        [(sentence.start - chunk.start, sentence.end - chunk.start) for sentence in chunk_sentences]
        for chunk, chunk_sentences in zip(chunks, sentences, strict=True)
    ]
    vectors, pooled = embedder.embed_with_spans(texts, spans)
    carrying = []
    for chunk, chunk_sentences, rows in zip(chunks, sentences, pooled, strict=True):
        whole = ~np.isnan(rows).any(axis=1) if len(rows) else np.zeros(0, dtype=bool)  # not cut off by truncation
        kept = tuple((s.start, s.end) for s, keep in zip(chunk_sentences, whole, strict=True) if keep)
        carrying.append(replace(chunk, sentence_vectors=SentenceVectors(kept, rows[whole])))
    return carrying, vectors
