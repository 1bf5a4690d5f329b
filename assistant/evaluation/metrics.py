"""Scoring functions for answers, refusals and rankings: pure Python, no heavy imports."""

from __future__ import annotations

import math
import re
import string
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence

__all__ = [
    "contains_answer",
    "exact_match",
    "hit_at_k",
    "mrr_at_k",
    "ndcg_at_k",
    "normalize_answer",
    "percentile",
    "recall_at_k",
    "reciprocal_rank",
    "refusal_precision_recall",
    "token_f1",
]

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_ASCII_PUNCTUATION = frozenset(string.punctuation)


def _is_punctuation(ch: str) -> bool:
    # Beyond SQuAD's ASCII set, so that typographic quotes and dashes (’ ” –) do not stick to words.
    return ch in _ASCII_PUNCTUATION or unicodedata.category(ch).startswith("P")


def normalize_answer(s: str) -> str:
    """Lower-case, drop punctuation (ASCII and Unicode) and articles a/an/the, collapse whitespace (SQuAD)."""
    s = "".join(ch for ch in s.lower() if not _is_punctuation(ch))
    return " ".join(_ARTICLES.sub(" ", s).split())


def _references(references: Sequence[str]) -> Sequence[str]:
    # SQuAD 2.0 scores an unanswerable question against the empty answer, so abstaining scores 1.
    return references if references else [""]


def exact_match(prediction: str, references: Sequence[str]) -> float:
    """1.0 when the normalized prediction equals some normalized reference (empty references mean "")."""
    normalized = normalize_answer(prediction)
    return max(float(normalized == normalize_answer(ref)) for ref in _references(references))


def _f1(prediction_tokens: list[str], reference_tokens: list[str]) -> float:
    if not prediction_tokens or not reference_tokens:
        return float(prediction_tokens == reference_tokens)
    same = sum((Counter(prediction_tokens) & Counter(reference_tokens)).values())
    if same == 0:
        return 0.0
    precision = same / len(prediction_tokens)
    recall = same / len(reference_tokens)
    return 2 * precision * recall / (precision + recall)


def token_f1(prediction: str, references: Sequence[str]) -> float:
    """SQuAD token-overlap F1, the best over references (empty references mean "")."""
    tokens = normalize_answer(prediction).split()
    return max(_f1(tokens, normalize_answer(ref).split()) for ref in _references(references))


def contains_answer(text: str, references: Sequence[str]) -> bool:
    """True when some non-empty normalized reference occurs in the normalized text on word boundaries."""
    padded = f" {normalize_answer(text)} "
    for ref in references:
        normalized = normalize_answer(ref)
        if normalized and f" {normalized} " in padded:
            return True
    return False


def refusal_precision_recall(refused: Sequence[bool], answerable: Sequence[bool]) -> tuple[float, float]:
    """Precision and recall of refusals (right when unanswerable); 1.0 when no refusals / no unanswerables."""
    if len(refused) != len(answerable):
        raise ValueError(
            f"refused and answerable must have the same length. Currently, {len(refused)} and {len(answerable)}"
        )
    correct = sum(1 for r, a in zip(refused, answerable, strict=True) if r and not a)
    refusals = sum(1 for r in refused if r)
    unanswerable = sum(1 for a in answerable if not a)
    precision = correct / refusals if refusals else 1.0
    recall = correct / unanswerable if unanswerable else 1.0
    return precision, recall


def _check_k(k: int) -> None:
    if k <= 0:
        raise ValueError(f"k must be greater than 0. Currently, k is {k}")


def hit_at_k(relevant_ranks: Iterable[int | None], k: int) -> float:
    """1.0 when any 1-based rank of a relevant item (None means not retrieved) is at most k, else 0.0."""
    _check_k(k)
    return float(any(rank is not None and 1 <= rank <= k for rank in relevant_ranks))


def reciprocal_rank(first_relevant_rank: int | None) -> float:
    """1 / the 1-based rank of the first relevant item, 0.0 when none was retrieved."""
    if first_relevant_rank is None:
        return 0.0
    if first_relevant_rank < 1:
        raise ValueError(f"ranks start at 1. Currently, the rank is {first_relevant_rank}")
    return 1.0 / first_relevant_rank


def _top_k(ranked_ids: Sequence[str], k: int) -> list[str]:
    # A run holds each document once (as in a TREC run file); later repeats are ignored.
    _check_k(k)
    return list(dict.fromkeys(ranked_ids))[:k]


def ndcg_at_k(ranked_ids: Sequence[str], qrels: dict[str, int], k: int = 10) -> float:
    """nDCG@k as BEIR/pytrec_eval compute it: gain rel, discount log2(rank + 1), ideal from sorted qrels."""
    top = _top_k(ranked_ids, k)
    dcg = sum(max(qrels.get(doc, 0), 0) / math.log2(rank + 1) for rank, doc in enumerate(top, 1))
    ideal = sorted((rel for rel in qrels.values() if rel > 0), reverse=True)[:k]
    idcg = sum(rel / math.log2(rank + 1) for rank, rel in enumerate(ideal, 1))
    return dcg / idcg if idcg else 0.0


def recall_at_k(ranked_ids: Sequence[str], qrels: dict[str, int], k: int) -> float:
    """Fraction of relevant documents (rel > 0) found in the top k; 0.0 when none are relevant."""
    relevant = {doc for doc, rel in qrels.items() if rel > 0}
    top = _top_k(ranked_ids, k)
    if not relevant:
        return 0.0
    return sum(1 for doc in top if doc in relevant) / len(relevant)


def mrr_at_k(ranked_ids: Sequence[str], qrels: dict[str, int], k: int) -> float:
    """Reciprocal rank of the first relevant document (rel > 0) within the top k, else 0.0."""
    for rank, doc in enumerate(_top_k(ranked_ids, k), 1):
        if qrels.get(doc, 0) > 0:
            return 1.0 / rank
    return 0.0


def percentile(values: Iterable[float], p: float) -> float:
    """The p-th percentile (0-100) with linear interpolation, as numpy's default; 0.0 for no values."""
    if not 0 <= p <= 100:
        raise ValueError(f"p must be between 0 and 100. Currently, p is {p}")
    ordered = sorted(values)
    if not ordered:
        return 0.0
    position = (len(ordered) - 1) * p / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return float(ordered[low] + (ordered[high] - ordered[low]) * (position - low))
