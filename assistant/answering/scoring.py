"""Sentence scoring: how well each sentence of the retrieved passages answers a question (about 0 to 1).

Each candidate sentence gets a few features (meaning, word coverage with aliases, the passage's retrieval score,
the sentence read with its neighbours, fragments, what the question sets aside); the support score is their
weighted sum. `bench/answer_model.py` chose the weights and the refusal threshold by cross-validation over the
8 SQuAD-dev-a articles and the seed questions (a logistic model over the same features did not do better).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache

import numpy as np

from assistant.answering.aliases import aliases, expand
from assistant.answering.answer_types import holds_entity
from assistant.answering.intent import Intent, analyse
from assistant.core.text import Sentence, content_words, split_sentences
from assistant.core.types import Hit
from assistant.embedding.base import Embedder

# The features, in the order of the model's weights.
FEATURES = (
    "similarity",  # cosine of question and sentence
    "context_similarity",  # cosine of question and the sentence read with its neighbours
    "coverage",  # share of the question's key words (rarity-weighted, aliases counted) in the sentence
    "context_coverage",  # the same over the sentence and its neighbours
    "passage",  # retrieval score of the passage holding the sentence
    "novelty",  # share of the sentence's words that the question does not already say
    "entity",  # for who/where questions: the sentence names someone or somewhere the question does not
    "excluded",  # the sentence names what the question sets aside ("besides X")
    "short",  # a fragment: fewer than four content words
)
# Share of a follow-up's similarity that comes from its expanded form (question plus the previous one).
CONTEXT_WEIGHT = 0.3


@dataclass(frozen=True)
class ScoredSentence:
    """A candidate sentence with its support score (0-1) and its features."""

    sentence: Sentence
    support: float
    features: tuple[float, ...]
    passage: float
    words: frozenset[str]
    vector: np.ndarray = field(repr=False, compare=False)

    @property
    def similarity(self) -> float:
        return self.features[0]


@dataclass(frozen=True)
class Scorer:
    """Support = weights . features; refuse below `threshold`."""

    weights: np.ndarray
    threshold: float

    def support(self, features: np.ndarray) -> np.ndarray:
        return features @ self.weights


# Checked with `bench/answer_model.py`, cross-validated over the 8 SQuAD-dev-a articles and the seed set: weights from
# a grid around these (the neighbours' similarity and coverage, named entities, fragments, exclusions) did no better
# held out, so the earlier weights stay. With sentence vectors read in context (stored at ingest) the best-scored
# sentence holds the answer more often (SQuAD-dev-a 0.828 vs 0.807, seeds 0.864 vs 0.818) and the chosen threshold
# moved from 0.46 to 0.44. A question-level refusal model (logistic or boosted trees over the top sentence's
# features, its margin over the next, the best coverage and passage score) refused fewer unanswerable SQuAD
# questions held out than this threshold at the same false-refusal rate (0.27 vs 0.30), so refusal stays a threshold.
# Exclusions, overviews, "who ... and when" and lead-in lines are handled by the answerer (extractive.py, intent.py).
WEIGHTS = {"similarity": 0.55, "coverage": 0.25, "passage": 0.20}
THRESHOLD = 0.44


@cache
def default_scorer() -> Scorer:
    """The weights and threshold above, in FEATURES order."""
    return Scorer(np.array([WEIGHTS.get(name, 0.0) for name in FEATURES]), THRESHOLD)


def sentence_features(
    question: str,
    hits: Sequence[Hit],
    embedder: Embedder,
    context: str | None = None,
    intent: Intent | None = None,
    prune: bool = True,
) -> tuple[list[tuple[Sentence, float]], np.ndarray, np.ndarray]:
    """The candidate sentences of the hits with their passage scores, their feature matrix and their vectors.

    With `prune`, a sentence that shares no key word with the question is a candidate only in the best passage: on
    the seeds and SQuAD-dev-a this left the answers' accuracy unchanged (0.738, 0.486; bench/answer_model.py) and
    scores about half as many sentences (those of an index without stored sentence vectors are embedded now).
    """
    intent = intent or analyse(question)
    candidates: dict[tuple[str, int], tuple[Sentence, float]] = {}
    neighbours: list[list[Sentence]] = []
    for hit in hits:
        sentences = split_sentences(hit.chunk)
        neighbours.append(sentences)
        for sentence in sentences:
            key = (str(hit.chunk.metadata.get("path", hit.chunk.source)), sentence.start)
            if key not in candidates or candidates[key][1] < hit.score:
                candidates[key] = (sentence, hit.score)
    if not candidates:
        return [], np.zeros((0, len(FEATURES))), np.zeros((0, 0))
    chosen = list(candidates.values())
    table = aliases(hit.chunk.text for hit in hits)
    words = [content_words(sentence.text) for sentence, _ in chosen]
    weights = _rarity(intent.key_words, words)  # among all the candidates, before any is left out
    coverage = [_coverage(expand(sentence_words, table), weights) for sentence_words in words]
    if prune and not intent.overview:
        best_passage = max(passage for _, passage in chosen)
        keep = [row for row, (_, passage) in enumerate(chosen) if coverage[row] > 0 or passage >= best_passage]
        chosen, words, coverage = [chosen[r] for r in keep], [words[r] for r in keep], [coverage[r] for r in keep]
    sentences = [sentence for sentence, _ in chosen]
    queries = [question] if context is None or context == question else [question, context]
    query_vectors, sentence_vectors = _vectors(queries, sentences, embedder)
    row_of = {(sentence.chunk.id, sentence.start): row for row, sentence in enumerate(sentences)}
    window = _windows(sentences, neighbours, row_of)
    context_vectors = np.stack([sentence_vectors[rows].sum(axis=0) for rows in window])
    context_vectors /= np.linalg.norm(context_vectors, axis=1, keepdims=True)
    similarity = _similarity(sentence_vectors, query_vectors)
    context_similarity = _similarity(context_vectors, query_vectors)
    question_words = expand(content_words(question), table)
    rows = []
    for row, (sentence, passage) in enumerate(chosen):
        near = set().union(*(words[other] for other in window[row]))
        novel = len(words[row] - question_words) / len(words[row]) if words[row] else 0.0
        rows.append(
            (
                float(similarity[row]),
                float(context_similarity[row]),
                coverage[row],
                _coverage(expand(near, table), weights),
                passage,
                novel,
                float(holds_entity(sentence.text, question, intent.kinds)),
                float(bool(intent.excluded & words[row])),
                float(len(words[row]) < 4),
            )
        )
    return chosen, np.array(rows), sentence_vectors


def score_sentences(
    question: str,
    hits: Sequence[Hit],
    embedder: Embedder,
    context: str | None = None,
    scorer: Scorer | None = None,
    intent: Intent | None = None,
) -> list[ScoredSentence]:
    """Every distinct sentence of the hits, scored for how likely it answers `question`, best first.

    `context` is the question expanded with the conversation (a follow-up's antecedent); it informs the
    score, but the words of the question itself weigh most.
    """
    chosen, features, vectors = sentence_features(question, hits, embedder, context, intent)
    if not chosen:
        return []
    support = (scorer or default_scorer()).support(features)
    scored = [
        ScoredSentence(sentence, float(value), tuple(row), passage, frozenset(content_words(sentence.text)), vector)
        for (sentence, passage), row, value, vector in zip(chosen, features.tolist(), support, vectors, strict=True)
    ]
    return sorted(scored, key=lambda item: item.support, reverse=True)


def _vectors(queries: list[str], sentences: list[Sentence], embedder: Embedder) -> tuple[np.ndarray, np.ndarray]:
    """The queries' vectors, and the sentences': stored with their chunk at ingest (read in context), or, for a
    chunk stored without them, embedded now in the same model call as the queries."""
    stored = [
        sentence.chunk.sentence_vectors.get(sentence.start, sentence.end)
        if sentence.chunk.sentence_vectors is not None
        else None
        for sentence in sentences
    ]
    missing = [row for row, vector in enumerate(stored) if vector is None]
    fresh = embedder.embed(queries + [sentences[row].text for row in missing])
    for row, vector in zip(missing, fresh[len(queries) :], strict=True):
        stored[row] = vector
    return fresh[: len(queries)], np.stack(stored).astype(np.float32)


def _windows(
    sentences: list[Sentence], neighbours: list[list[Sentence]], row_of: dict[tuple[str, int], int]
) -> list[list[int]]:
    """For each candidate, its own row and the rows of the sentences just before and after it in its chunk."""
    window: list[set[int]] = [{row} for row in range(len(sentences))]
    for chunk_sentences in neighbours:
        rows = [row_of.get((sentence.chunk.id, sentence.start)) for sentence in chunk_sentences]
        for position, row in enumerate(rows):
            if row is None:
                continue
            for other in rows[max(0, position - 1) : position + 2]:
                if other is not None:
                    window[row].add(other)
    return [sorted(rows) for rows in window]


def _similarity(vectors: np.ndarray, query_vectors: np.ndarray) -> np.ndarray:
    similarity = vectors @ query_vectors[0]
    if len(query_vectors) == 2:
        similarity = (1 - CONTEXT_WEIGHT) * similarity + CONTEXT_WEIGHT * (vectors @ query_vectors[1])
    return similarity


def _coverage(words: set[str], weights: dict[str, float]) -> float:
    """The rarity-weighted share of the question's key words among `words`."""
    total = sum(weights.values())
    return sum(weight for word, weight in weights.items() if word in words) / total if total else 0.0


def _rarity(words: frozenset[str], sentences: Sequence[set[str]]) -> dict[str, float]:
    """IDF of each question word among the candidate sentences: a word in every sentence tells little."""
    count = len(sentences)
    return {word: math.log(1 + count / (1 + sum(word in sentence for sentence in sentences))) for word in words}
