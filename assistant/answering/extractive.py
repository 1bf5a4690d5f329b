"""The extractive answerer: quote the retrieved sentences that best answer the question, or refuse."""

from __future__ import annotations

from collections.abc import Sequence

from assistant.answering.answer_types import answer_type, holds
from assistant.answering.guards import quotable
from assistant.answering.prompts import render
from assistant.answering.scoring import ScoredSentence, score_sentences
from assistant.core.text import cite
from assistant.core.types import Answer, Hit
from assistant.embedding.base import Embedder

# A further sentence joins the answer only when it is nearly as well supported as the best one.
EXTRA_SENTENCE_MARGIN = 0.04


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
