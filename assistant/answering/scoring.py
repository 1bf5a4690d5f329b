"""Sentence scoring: how well each sentence of the retrieved passages answers a question (0 to about 1)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.core.text import Sentence, content_words, split_sentences
from assistant.core.types import Hit
from assistant.embedding.base import Embedder

# Weights of the support score, checked with bench/calibrate.py: a logistic fit on SQuAD-dev-a did not beat them.
SIMILARITY_WEIGHT, OVERLAP_WEIGHT, PASSAGE_WEIGHT = 0.55, 0.25, 0.20
# Share of a follow-up's similarity that comes from its expanded form (question plus the previous one).
CONTEXT_WEIGHT = 0.3


@dataclass(frozen=True)
class ScoredSentence:
    """A candidate sentence with its support score and the parts it is made of."""

    sentence: Sentence
    support: float
    similarity: float
    overlap: float
    passage: float


def score_sentences(
    question: str,
    hits: Sequence[Hit],
    embedder: Embedder,
    context: str | None = None,
) -> list[ScoredSentence]:
    """Every distinct sentence of the hits, scored for how well it answers `question`, best first.

    `context` is the question expanded with the conversation (a follow-up's antecedent); it informs the
    score, but the words of the question itself weigh most.
    """
    candidates: dict[tuple[str, int], tuple[Sentence, float]] = {}
    for hit in hits:
        for sentence in split_sentences(hit.chunk):
            key = (str(hit.chunk.metadata.get("path", hit.chunk.source)), sentence.start)
            if key not in candidates or candidates[key][1] < hit.score:
                candidates[key] = (sentence, hit.score)
    if not candidates:
        return []
    sentences = [sentence for sentence, _ in candidates.values()]
    queries = [question] if context is None or context == question else [question, context]
    vectors = embedder.embed(queries + [sentence.text for sentence in sentences])  # one model call
    query_vectors, sentence_vectors = vectors[: len(queries)], vectors[len(queries) :]
    similarities = sentence_vectors @ query_vectors[0]
    if len(queries) == 2:
        similarities = (1 - CONTEXT_WEIGHT) * similarities + CONTEXT_WEIGHT * (sentence_vectors @ query_vectors[1])
    question_words = content_words(question) or content_words(context or "")
    sentence_words = [content_words(sentence.text) for sentence in sentences]
    weights = _rarity(question_words, sentence_words)
    total = sum(weights.values())
    scored = []
    for (sentence, passage), words, similarity in zip(candidates.values(), sentence_words, similarities, strict=True):
        overlap = sum(weights[word] for word in question_words & words) / total if total else 0.0
        support = SIMILARITY_WEIGHT * float(similarity) + OVERLAP_WEIGHT * overlap + PASSAGE_WEIGHT * passage
        scored.append(ScoredSentence(sentence, support, float(similarity), overlap, passage))
    return sorted(scored, key=lambda item: item.support, reverse=True)


def _rarity(words: set[str], sentences: Sequence[set[str]]) -> dict[str, float]:
    """IDF of each question word among the candidate sentences: a word in every sentence tells little."""
    count = len(sentences)
    return {word: math.log(1 + count / (1 + sum(word in sentence for sentence in sentences))) for word in words}
