"""Scoring functions checked against values computed by hand."""

import math

import numpy as np
import pytest

from assistant.evaluation.metrics import (
    contains_answer,
    exact_match,
    hit_at_k,
    mrr_at_k,
    ndcg_at_k,
    normalize_answer,
    percentile,
    recall_at_k,
    reciprocal_rank,
    refusal_precision_recall,
    token_f1,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The Cat  sat.", "cat sat"),
        ("An apple, a pear and THE plum!", "apple pear and plum"),
        ("theory", "theory"),  # articles are removed as whole words only
        ("  ", ""),
        # Unicode punctuation goes too (SQuAD strips ASCII only), so curly quotes match straight ones
        ("“All Allies.” Russia’s – build-up", "all allies russias buildup"),
    ],
)
def test_normalize_answer(text: str, expected: str) -> None:
    assert normalize_answer(text) == expected


@pytest.mark.parametrize(
    ("prediction", "references", "expected"),
    [
        ("Jens Stoltenberg", ["Jens Stoltenberg"], 1.0),
        ("jens stoltenberg.", ["Jens Stoltenberg"], 1.0),
        ("the NATO-Russia Council", ["NATO-Russia Council"], 1.0),  # "-" is punctuation: natorussia council
        ("Stoltenberg", ["Jens Stoltenberg"], 0.0),
        ("30", ["thirty", "30"], 1.0),
        ("", [], 1.0),  # unanswerable: abstaining is exactly right
        ("Brussels", [], 0.0),
    ],
)
def test_exact_match(prediction: str, references: list[str], expected: float) -> None:
    assert exact_match(prediction, references) == expected


@pytest.mark.parametrize(
    ("prediction", "references", "expected"),
    [
        # [cat, sat] vs [cat, sat, on, mat]: 2 shared, P = 2/2, R = 2/4, F1 = 2*1*0.5/1.5 = 2/3
        ("the cat sat", ["cat sat on mat"], 2 / 3),
        # [cat, cat] vs [cat]: 1 shared (counts clip), P = 1/2, R = 1/1, F1 = 2/3
        ("cat cat", ["the cat"], 2 / 3),
        # best of two references: [dog] gives 0, [cat, sat] gives 1
        ("cat sat", ["dog", "cat sat"], 1.0),
        # the closing ” is not a token: 6 predicted, 5 reference, 5 shared; P = 5/6, R = 1, F1 = 10/11
        ("to defend and protect all Allies.”", ["defend and protect all Allies"], 10 / 11),
        ("dog", ["cat"], 0.0),
        ("", [], 1.0),
        ("anything", [], 0.0),
        ("", ["cat"], 0.0),
    ],
)
def test_token_f1(prediction: str, references: list[str], expected: float) -> None:
    assert token_f1(prediction, references) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("text", "references", "expected"),
    [
        ("NATO met on Thursday, December 16, 2021 in Brussels.", ["December 16, 2021"], True),
        ("It is a matter only for Ukraine and the 30 NATO Allies.", ["the 30 nato allies"], True),
        ("We stand united to defend and protect all Allies.”", ["defend and protect all Allies"], True),
        ("Russia's recent proposals", ["Russia’s recent proposals"], True),
        ("There were 300 of them.", ["30"], False),  # word boundaries, not raw substrings
        ("Nothing relevant here.", ["Stoltenberg", "OSCE"], False),
        ("Any text at all.", ["the"], False),  # a reference that normalizes to "" matches nothing
        ("Any text at all.", [], False),
    ],
)
def test_contains_answer(text: str, references: list[str], expected: bool) -> None:
    assert contains_answer(text, references) is expected


@pytest.mark.parametrize(
    ("refused", "answerable", "expected"),
    [
        # 3 refusals, 2 of them on unanswerable questions; 3 unanswerable questions in all
        ([True, True, True, False, False], [False, False, True, False, True], (2 / 3, 2 / 3)),
        # 1 refusal, right; 2 unanswerable
        ([True, False, False], [False, False, True], (1.0, 0.5)),
        ([False, False], [True, False], (1.0, 0.0)),  # no refusals: precision defined as 1.0
        ([True, False], [True, True], (0.0, 1.0)),  # no unanswerable questions: recall defined as 1.0
        ([], [], (1.0, 1.0)),
    ],
)
def test_refusal_precision_recall(refused: list[bool], answerable: list[bool], expected: tuple[float, float]) -> None:
    assert refusal_precision_recall(refused, answerable) == pytest.approx(expected)


def test_refusal_precision_recall_rejects_unequal_lengths() -> None:
    with pytest.raises(ValueError, match="same length"):
        refusal_precision_recall([True], [True, False])


@pytest.mark.parametrize(
    ("ranks", "k", "expected"),
    [
        ([3], 3, 1.0),
        ([4], 3, 0.0),
        ([7, 2], 3, 1.0),
        ([None], 5, 0.0),
        ([], 5, 0.0),
    ],
)
def test_hit_at_k(ranks: list[int | None], k: int, expected: float) -> None:
    assert hit_at_k(ranks, k) == expected


@pytest.mark.parametrize(("rank", "expected"), [(1, 1.0), (2, 0.5), (4, 0.25), (None, 0.0)])
def test_reciprocal_rank(rank: int | None, expected: float) -> None:
    assert reciprocal_rank(rank) == expected


RANKED = ["d2", "x", "d1", "d3", "y"]
QRELS = {"d1": 2, "d2": 1, "d3": 1, "z": 0}


def test_ndcg_at_3_by_hand() -> None:
    # DCG@3  = 1/log2(2) + 0/log2(3) + 2/log2(4) = 1 + 0 + 1 = 2
    # IDCG@3 from sorted gains [2, 1, 1] = 2/log2(2) + 1/log2(3) + 1/log2(4) = 2 + 0.63093 + 0.5 = 3.13093
    # nDCG@3 = 2 / 3.13093 = 0.63879
    expected = 2 / (2 + 1 / math.log2(3) + 0.5)
    assert ndcg_at_k(RANKED, QRELS, k=3) == pytest.approx(expected)
    assert ndcg_at_k(RANKED, QRELS, k=3) == pytest.approx(0.63879, abs=1e-5)


@pytest.mark.parametrize(
    ("ranked", "qrels", "k", "expected"),
    [
        (["d1", "d2", "d3"], QRELS, 3, 1.0),  # ideal order
        (["x", "y"], QRELS, 10, 0.0),
        (RANKED, {"z": 0}, 10, 0.0),  # nothing relevant: defined as 0.0
        # DCG@1 = 1/1; IDCG@1 = 2/1
        (RANKED, QRELS, 1, 0.5),
        # repeated id counts once: ["d2", "d1"]; DCG = 1 + 2/log2(3); IDCG@2 = 2 + 1/log2(3)
        (["d2", "d2", "d1"], QRELS, 2, (1 + 2 / math.log2(3)) / (2 + 1 / math.log2(3))),
    ],
)
def test_ndcg_at_k(ranked: list[str], qrels: dict[str, int], k: int, expected: float) -> None:
    assert ndcg_at_k(ranked, qrels, k) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("k", "expected"),
    [(1, 1 / 3), (3, 2 / 3), (4, 1.0), (100, 1.0)],  # relevant: d1, d2, d3 ("z" has rel 0)
)
def test_recall_at_k(k: int, expected: float) -> None:
    assert recall_at_k(RANKED, QRELS, k) == pytest.approx(expected)


def test_recall_at_k_with_nothing_relevant() -> None:
    assert recall_at_k(RANKED, {"z": 0}, 10) == 0.0


@pytest.mark.parametrize(
    ("ranked", "k", "expected"),
    [
        (RANKED, 10, 1.0),
        (["x", "y", "d3"], 10, 1 / 3),
        (["x", "y", "d3"], 2, 0.0),
        (["x", "z", "d1"], 3, 1 / 3),  # rel 0 is not relevant
    ],
)
def test_mrr_at_k(ranked: list[str], k: int, expected: float) -> None:
    assert mrr_at_k(ranked, QRELS, k) == pytest.approx(expected)


@pytest.mark.parametrize("function", [ndcg_at_k, recall_at_k, mrr_at_k])
def test_ranking_metrics_reject_k_below_one(function) -> None:
    with pytest.raises(ValueError, match="k must be greater than 0"):
        function(RANKED, QRELS, 0)


@pytest.mark.parametrize(
    ("values", "p", "expected"),
    [
        ([1, 2, 3, 4], 50, 2.5),  # position (4-1)*0.5 = 1.5 -> 2 + 0.5*(3-2)
        ([1, 2, 3, 4], 90, 3.7),  # position 2.7 -> 3 + 0.7*(4-3)
        ([15, 20, 35, 40, 50], 40, 29.0),  # position 1.6 -> 20 + 0.6*(35-20)
        ([3, 1, 2], 0, 1.0),
        ([3, 1, 2], 100, 3.0),
        ([10], 99, 10.0),
        ([], 50, 0.0),
    ],
)
def test_percentile(values: list[float], p: float, expected: float) -> None:
    assert percentile(values, p) == pytest.approx(expected)
    if values:
        assert percentile(values, p) == pytest.approx(float(np.percentile(values, p)))


def test_percentile_rejects_p_out_of_range() -> None:
    with pytest.raises(ValueError, match="p must be between 0 and 100"):
        percentile([1.0], 101)
