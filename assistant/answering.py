"""The extractive answerer: quote the retrieved sentences that best answer the question, or refuse."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.answer_types import answer_type, holds
from assistant.citations import Sentence, cite, content_words, quotable, split_sentences
from assistant.embeddings import Embedder
from assistant.prompts import render
from assistant.types import Answer, Hit

# Weights of the support score, checked with bench/calibrate.py: a logistic fit on SQuAD-dev-a did not beat them.
SIMILARITY_WEIGHT, OVERLAP_WEIGHT, PASSAGE_WEIGHT = 0.55, 0.25, 0.20
# Share of a follow-up's similarity that comes from its expanded form (question plus the previous one).
CONTEXT_WEIGHT = 0.3
# A further sentence joins the answer only when it is nearly as well supported as the best one.
EXTRA_SENTENCE_MARGIN = 0.04

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


def answer_candidates(
    question: str, hits: Sequence[Hit], embedder: Embedder, context: str | None = None
) -> list[ScoredSentence]:
    """The sentences an extractive answer may quote, best first.

    Questions and orders to the assistant (injected into a document) are never quoted as answers; nor is a
    sentence without a number when the question asks "how many", or without a date when it asks "when did".
    """
    kind = answer_type(question)
    scored = score_sentences(question, hits, embedder, context)
    return [item for item in scored if quotable(item.sentence.text) and holds(item.sentence.text, kind)]


def _rarity(words: set[str], sentences: Sequence[set[str]]) -> dict[str, float]:
    """IDF of each question word among the candidate sentences: a word in every sentence tells little."""
    count = len(sentences)
    return {word: math.log(1 + count / (1 + sum(word in sentence for sentence in sentences))) for word in words}


def refusal(question: str, hits: Sequence[Hit]) -> Answer:
    """The answer given when the passages do not support one."""
    shown = question if len(question) <= 200 else question[:197] + "..."
    return Answer(text=render("refusal", question=shown), citations=[], refused=True, passages=list(hits))

class ExtractiveAnswerer:
    """Answers with exact sentences from the passages; no language model, so nothing is invented."""

    def __init__(self, embedder: Embedder, threshold: float, max_sentences: int = 2) -> None:
        self.embedder = embedder
        self.threshold = threshold
        self.max_sentences = max_sentences

    def answer(self, question: str, hits: Sequence[Hit], context: str | None = None) -> Answer:
        scored = answer_candidates(question, hits, self.embedder, context)
        if not scored or scored[0].support < self.threshold:
            return refusal(question, hits)
        chosen = [scored[0]]
        for candidate in scored[1:]:
            if len(chosen) >= self.max_sentences or candidate.support < scored[0].support - EXTRA_SENTENCE_MARGIN:
                break
            chosen.append(candidate)
        citations = [cite(n, item.sentence, item.support) for n, item in enumerate(chosen, start=1)]
        text = " ".join(f"{citation.quote} [{citation.n}]" for citation in citations)
        return Answer(text=text, citations=citations, refused=False, passages=list(hits))

def best_support(scored: Sequence[ScoredSentence]) -> float:
    """The score the refusal threshold is compared with (0 when there is nothing to quote)."""
    return scored[0].support if scored else 0.0

__all__ = ["ExtractiveAnswerer", "ScoredSentence", "answer_candidates", "best_support", "refusal", "score_sentences"]
