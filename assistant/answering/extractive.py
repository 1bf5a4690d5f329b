"""The extractive answerer: quote the retrieved sentences that best answer the question, or refuse."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from assistant.answering.answer_types import holds, holds_entity
from assistant.answering.guards import quotable
from assistant.answering.intent import Intent, analyse
from assistant.answering.prompts import render
from assistant.answering.scoring import ScoredSentence, Scorer, default_scorer, score_sentences
from assistant.core.text import cite
from assistant.core.types import Answer, Hit
from assistant.embedding.base import Embedder

# A further sentence joins the answer only when it is nearly as well supported as the best one.
EXTRA_SENTENCE_MARGIN = 0.04
# An overview ("Summarize the statement.") quotes this many sentences on distinct points.
OVERVIEW_SENTENCES = 4
# Overview sentences are chosen for being central to the passages, and unlike those already chosen (MMR).
OVERVIEW_DIVERSITY = 0.5


def answer_candidates(
    question: str,
    hits: Sequence[Hit],
    embedder: Embedder,
    context: str | None = None,
    scorer: Scorer | None = None,
    intent: Intent | None = None,
) -> list[ScoredSentence]:
    """The sentences an extractive answer may quote, best first.

    Questions and orders to the assistant (injected into a document) are never quoted as answers; nor is a
    sentence without a number when the question asks "how many", or without a date when it asks "when did".
    """
    intent = intent or analyse(question)
    scored = score_sentences(question, hits, embedder, context, scorer, intent)
    return [item for item in scored if quotable(item.sentence.text) and holds(item.sentence.text, intent.kind)]


def refusal(question: str, hits: Sequence[Hit]) -> Answer:
    """The answer given when the passages do not support one."""
    shown = question if len(question) <= 200 else question[:197] + "..."
    return Answer(text=render("refusal", question=shown), citations=[], refused=True, passages=list(hits))


class ExtractiveAnswerer:
    """Answers with exact sentences from the passages; no language model, so nothing is invented."""

    def __init__(
        self, embedder: Embedder, threshold: float | None = None, max_sentences: int = 2, scorer: Scorer | None = None
    ) -> None:
        self.embedder = embedder
        self.scorer = scorer or default_scorer()
        self.threshold = self.scorer.threshold if threshold is None else threshold
        self.max_sentences = max_sentences

    def answer(self, question: str, hits: Sequence[Hit], context: str | None = None) -> Answer:
        intent = analyse(question)
        scored = answer_candidates(question, hits, self.embedder, context, self.scorer, intent)
        if intent.overview:
            chosen = self._overview(scored)
        elif not scored or scored[0].support < self.threshold:
            chosen = []
        else:
            chosen = self._best(question, intent, scored)
        if not chosen:
            return refusal(question, hits)
        citations = [cite(n, item.sentence, item.support) for n, item in enumerate(chosen, start=1)]
        text = " ".join(f"{citation.quote} [{citation.n}]" for citation in citations)
        return Answer(text=text, citations=citations, refused=False, passages=list(hits))

    def _best(self, question: str, intent: Intent, scored: list[ScoredSentence]) -> list[ScoredSentence]:
        """The best sentence, a nearly as good one, and for "who ... and when" one for each part asked."""
        chosen = [scored[0]]
        for candidate in scored[1:]:
            if len(chosen) >= self.max_sentences or candidate.support < scored[0].support - EXTRA_SENTENCE_MARGIN:
                break
            chosen.append(candidate)
        for kind in intent.kinds:
            if any(_answers_kind(item, question, kind) for item in chosen):
                continue
            part = next((item for item in scored if _answers_kind(item, question, kind)), None)
            if part is not None and part.support >= self.threshold / 2 and len(chosen) < self.max_sentences + 1:
                chosen.append(part)
        return sorted(chosen, key=lambda item: (item.sentence.chunk.source, item.sentence.start))

    def _overview(self, scored: list[ScoredSentence]) -> list[ScoredSentence]:
        """Sentences central to the passages and unlike each other, in document order (maximal marginal relevance)."""
        candidates = [item for item in scored if len(item.words) >= 4]
        if not candidates:
            return []
        vectors = np.stack([item.vector for item in candidates])
        centrality = vectors @ (vectors.mean(axis=0) / np.linalg.norm(vectors.mean(axis=0)))
        chosen: list[int] = []
        while len(chosen) < min(OVERVIEW_SENTENCES, len(candidates)):
            redundancy = (vectors @ vectors[chosen].T).max(axis=1) if chosen else np.zeros(len(candidates))
            gain = (1 - OVERVIEW_DIVERSITY) * centrality - OVERVIEW_DIVERSITY * redundancy
            gain[chosen] = -np.inf
            chosen.append(int(np.argmax(gain)))
        picked = [candidates[row] for row in chosen]
        return sorted(picked, key=lambda item: (item.sentence.chunk.source, item.sentence.start))


def _answers_kind(item: ScoredSentence, question: str, kind: str) -> bool:
    if kind in ("person", "place"):
        return holds_entity(item.sentence.text, question, (kind,))
    return holds(item.sentence.text, kind)
