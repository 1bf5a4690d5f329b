"""Does a passage say what a claim says? Align the claim to its evidence sentences, apply the contradiction rules,
then weigh meaning and shared words."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from assistant.answering.alignment import align
from assistant.answering.contradiction import RULES, Finding
from assistant.embedding.base import Embedder

# support = SIMILARITY_WEIGHT * cosine(claim, closest sentence) + the rest * share of the claim's words in the
# sentences it draws on. Chosen by cross-validation on the claim set's train split (bench/claims.py).
SIMILARITY_WEIGHT = 0.5
# A claim no rule rejects is supported at or above this support.
SUPPORT_THRESHOLD = 0.6


@dataclass(frozen=True)
class Judgement:
    """The verdict on a claim: supported, contradicted or unsupported; why; and the sentences it was checked on.

    `evidence_index` is the evidence sentence closest to the claim (-1 when there was none); `evidence` all those
    the claim draws on, closest first.
    """

    verdict: str
    score: float
    reason: str
    evidence_index: int
    evidence: tuple[int, ...] = ()
    finding: Finding | None = None  # what a rule found wrong, with the words on each side

    @property
    def supported(self) -> bool:
        return self.verdict == "supported"


def judge(claim: str, evidence: Sequence[str], embedder: Embedder, title: str = "") -> Judgement:
    """The verdict on `claim` given the evidence sentences (one passage's, in order) and the document's title."""
    if not evidence:
        return Judgement("unsupported", 0.0, "no evidence", -1)
    vectors = embedder.embed([claim, *evidence])
    return assess(claim, evidence, vectors[1:] @ vectors[0], title)


def assess(claim: str, evidence: Sequence[str], cosine: Sequence[float] | np.ndarray, title: str = "") -> Judgement:
    """The verdict on `claim` given the evidence sentences and the claim's cosine similarity to each."""
    if not len(evidence):
        return Judgement("unsupported", 0.0, "no evidence", -1)
    alignment = align(claim, evidence, [float(value) for value in cosine], title)
    score = SIMILARITY_WEIGHT * alignment.similarity[alignment.primary] + (1 - SIMILARITY_WEIGHT) * alignment.coverage
    for rule in RULES:
        finding = rule(alignment)
        if finding:
            return Judgement(finding.verdict, score, finding.reason, alignment.primary, alignment.window, finding)
    if score >= SUPPORT_THRESHOLD:
        return Judgement("supported", score, "", alignment.primary, alignment.window)
    return Judgement("unsupported", score, "too little of it is in the passage", alignment.primary, alignment.window)


__all__ = ["Judgement", "assess", "judge"]
