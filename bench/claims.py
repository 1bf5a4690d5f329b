"""The citation check's judgement on the labelled claim set, next to the old verifier's scoring.

    .venv/bin/python bench/claims.py [--out bench/results/claims.json]

Every claim of tests/data/claims.jsonl is judged against its passage (the seed line, or the SQuAD paragraph from
../shared/data/squad2-dev-a), split into sentences as the verifier splits a chunk, with the packaged embedder
(`build_embedder(Settings())`, onnx-int8):

- new: `assistant.answering.claims.entailment.judge` (alignment, contradiction rules, support threshold);
- old: the scoring verification.py used before (0.5 * cosine with the closest passage sentence + 0.5 * share of the
  sentence's content words in the passage, minus 0.3 when a number or a capitalised name is not in the passage;
  supported at 0.6), reimplemented below.

Prints, for train and test, each kind's rate (caught for the unsupported kinds, kept for the supported ones) and
the precision and recall of "not supported" overall; a 5-fold cross-validation on train (folds by passage) of the
support weight and threshold; and the time per claim (the judgement alone, the embedding apart). Writes
bench/results/claims.json with the machine and its load average.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.answering.claims import entailment  # noqa: E402
from assistant.core.config import Settings  # noqa: E402
from assistant.core.text import content_words, split_sentences  # noqa: E402
from assistant.core.types import Chunk  # noqa: E402
from assistant.embedding.build import build_embedder  # noqa: E402

CLAIMS = ROOT / "tests" / "data" / "claims.jsonl"
SQUAD = ROOT.parent / "shared" / "data" / "squad2-dev-a" / "passages.jsonl"
SUPPORTED_KINDS = ("verbatim", "paraphrase", "summary", "inference")
UNSUPPORTED_KINDS = ("negation", "antonym", "number", "date", "entity", "swapped_role", "invented",
                     "reversed_outcome", "quantifier", "modality")  # fmt: skip
FOLDS = 5
WEIGHTS = [round(float(w), 1) for w in np.arange(0.0, 1.01, 0.1)]
THRESHOLDS = [round(float(t), 2) for t in np.arange(0.30, 0.901, 0.01)]


def passage_text(claim: dict, squad: dict[str, dict]) -> tuple[str, str]:
    """The claim's passage and its document's title (the seed's file name, the SQuAD article)."""
    passage = claim["passage"]
    if "seed" in passage:
        text = (ROOT / "seeds" / passage["seed"]).read_text(encoding="utf-8")
        return text[passage["start"] : passage["end"]], passage["seed"]
    row = squad[passage["squad"]]
    return row["text"], row["title"]


def sentences(text: str) -> list[str]:
    """The passage's sentences, as the verifier's chunks are split."""
    return [sentence.text for sentence in split_sentences(Chunk("c", text, "passage", 0, len(text), {}))]


# The old verifier's scoring (verification.py before the judgement moved to entailment.py).
_OLD_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_OLD_NAME = re.compile(r"(?<=[\w,;:)] )[A-Z][\w’'-]+")
_OLD_META = frozenset({"answer", "question", "passage", "passag", "following", "provid", "information"})


def _old_words(text: str) -> set[str]:
    return {word[:-2] if word.endswith("'s") else word for word in content_words(text.replace("’", "'"))}


def _old_plain(text: str) -> str:
    text = text.lower().replace("’", "'")
    return text[:-2] if text.endswith("'s") else text


def old_supported(claim: str, evidence: list[str], cosine: np.ndarray) -> bool:
    """The old support score of one sentence against one passage, at the old threshold."""
    words = _old_words(claim) - _OLD_META or _old_words(claim)
    share = [len(words & _old_words(text)) / len(words) if words else 0.0 for text in evidence]
    passage_words = set().union(*(_old_words(text) for text in evidence))
    coverage = len(words & passage_words) / len(words) if words else 0.0
    best = max(range(len(evidence)), key=lambda i: cosine[i] + share[i])
    score = 0.5 * float(cosine[best]) + 0.5 * coverage
    details = set(_OLD_NUMBER.findall(claim)) | {_old_plain(name) for name in _OLD_NAME.findall(claim)}
    if any(detail not in _old_plain(" ".join(evidence)) for detail in details):
        score -= 0.3
    return score >= 0.6


def balanced(rows: list[dict], weight: float, threshold: float) -> float:
    """Mean of the caught and the kept rate when the support uses `weight` and `threshold`."""
    caught, kept = [], []
    for row in rows:
        supported = not row["rule"] and weight * row["similarity"] + (1 - weight) * row["coverage"] >= threshold
        (kept if row["supported"] else caught).append(supported == row["supported"])
    return (statistics.mean(caught) + statistics.mean(kept)) / 2


def choose(rows: list[dict]) -> tuple[float, float, float]:
    """(weight, threshold, balanced accuracy) best on `rows`. Among equally good thresholds the strictest wins (the
    claim set has few unsupported claims that no rule catches, so lower thresholds often tie); among equally good
    weights, the one nearest 0.5."""
    best = (-1.0, 0.5, 0.6)
    for weight in WEIGHTS:
        scores = [balanced(rows, weight, threshold) for threshold in THRESHOLDS]
        top = max(scores)
        strictest = max(t for t, score in zip(THRESHOLDS, scores, strict=True) if score == top)
        if top > best[0] or top == best[0] and abs(weight - 0.5) < abs(best[1] - 0.5):
            best = (top, weight, strictest)
    return best[1], best[2], best[0]


def cross_validate(rows: list[dict]) -> dict:
    """Choose weight and threshold on four folds of train (by passage), score them on the fifth."""
    passages = sorted({row["passage"] for row in rows})
    fold = {passage: index % FOLDS for index, passage in enumerate(passages)}
    held_out = []
    for number in range(FOLDS):
        fit = [row for row in rows if fold[row["passage"]] != number]
        test = [row for row in rows if fold[row["passage"]] == number]
        weight, threshold, _ = choose(fit)
        held_out.append(
            {"weight": weight, "threshold": threshold, "balanced": round(balanced(test, weight, threshold), 4)}
        )
    weight, threshold, score = choose(rows)
    return {
        "folds": held_out,
        "cv_balanced_accuracy": round(statistics.mean(f["balanced"] for f in held_out), 4),
        "chosen_on_train": {"weight": weight, "threshold": threshold, "balanced": round(score, 4)},
        "in_code": {"weight": entailment.SIMILARITY_WEIGHT, "threshold": entailment.SUPPORT_THRESHOLD},
    }


def rates(rows: list[dict], key: str) -> dict:
    """Per kind: how many, and the share judged right; overall precision and recall of "not supported"."""
    table = {}
    for kind in (*SUPPORTED_KINDS, *UNSUPPORTED_KINDS):
        mine = [row for row in rows if row["kind"] == kind]
        if mine:
            table[kind] = {
                "n": len(mine),
                "rate": round(statistics.mean(row[key] == row["supported"] for row in mine), 4),
            }
    flagged = [row for row in rows if not row[key]]
    unsupported = [row for row in rows if not row["supported"]]
    supported = [row for row in rows if row["supported"]]
    table["overall"] = {
        "n": len(rows),
        "caught": round(statistics.mean(not row[key] for row in unsupported), 4),
        "kept": round(statistics.mean(row[key] for row in supported), 4),
        "precision": round(statistics.mean(not row["supported"] for row in flagged), 4) if flagged else None,
        "recall": round(statistics.mean(not row[key] for row in unsupported), 4),
    }
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "claims.json")
    parser.add_argument("--splits", default="train,test", help="which splits to judge (train alone while tuning)")
    args = parser.parse_args()
    splits = args.splits.split(",")
    if not SQUAD.exists():
        sys.exit(f"{SQUAD} is missing: the claim set's SQuAD passages come from ../shared/data (see its README).")
    load_start = os.getloadavg()
    squad = {row["id"]: row for row in map(json.loads, SQUAD.open(encoding="utf-8"))}
    claims = [claim for claim in map(json.loads, CLAIMS.open(encoding="utf-8")) if claim["split"] in splits]
    embedder = build_embedder(Settings())
    embedder.embed(["warm-up"])
    rows, judge_seconds, embed_seconds = [], [], []
    for claim in claims:
        text, title = passage_text(claim, squad)
        evidence = sentences(text)
        started = time.perf_counter()
        vectors = embedder.embed([claim["claim"], *evidence])
        cosine = vectors[1:] @ vectors[0]
        embedded = time.perf_counter()
        judgement = entailment.assess(claim["claim"], evidence, cosine, title)
        judge_seconds.append(time.perf_counter() - embedded)
        embed_seconds.append(embedded - started)
        rows.append(
            {
                "id": claim["id"],
                "kind": claim["kind"],
                "split": claim["split"],
                "passage": json.dumps(claim["passage"], sort_keys=True),
                "supported": claim["supported"],
                "new": judgement.supported,
                "old": bool(old_supported(claim["claim"], evidence, cosine)),
                "rule": judgement.finding is not None,
                "similarity": judgement.similarity,
                "coverage": judgement.coverage,
            }
        )
    result = {
        "machine": f"{platform.node()}: {os.cpu_count()} cores, {platform.machine()}, "
        f"Python {platform.python_version()}",
        "load_average": {"start": [round(v, 2) for v in load_start], "end": [round(v, 2) for v in os.getloadavg()]},
        "embedder": getattr(embedder, "name", type(embedder).__name__),
        "claims": len(rows),
        "timing_ms": {
            "judgement_median": round(1000 * statistics.median(judge_seconds), 2),
            "judgement_p95": round(1000 * sorted(judge_seconds)[int(0.95 * (len(judge_seconds) - 1))], 2),
            "embedding_median": round(1000 * statistics.median(embed_seconds), 2),
        },
        "cross_validation": cross_validate([row for row in rows if row["split"] == "train"]),
        "splits": {},
    }
    for split in splits:
        mine = [row for row in rows if row["split"] == split]
        result["splits"][split] = {"new": rates(mine, "new"), "old": rates(mine, "old")}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(report(result))


def report(result: dict) -> str:
    """The per-kind table (train and test, old and new), the cross-validation and the timing."""
    splits = result["splits"]
    lines = ["   ".join([f"{'kind':26}", *(f"{split + ' n':>7} {'old':>6} {'new':>6}" for split in splits)])]
    for kind in (*SUPPORTED_KINDS, *UNSUPPORTED_KINDS):
        cells = []
        for split in splits:
            new, old = splits[split]["new"].get(kind), splits[split]["old"].get(kind)
            cells.append(f"{new['n']:>7} {old['rate']:>6.2f} {new['rate']:>6.2f}" if new else f"{'':>21}")
        label = f"{kind} ({'kept' if kind in SUPPORTED_KINDS else 'caught'})"
        lines.append("   ".join([f"{label:26}", *cells]))
    for measure in ("kept", "caught", "precision", "recall"):
        cells = [
            f"{splits[s]['new']['overall']['n']:>7} {splits[s]['old']['overall'][measure]:>6.2f} "
            f"{splits[s]['new']['overall'][measure]:>6.2f}"
            for s in splits
        ]
        lines.append("   ".join([f"{'all: ' + measure:26}", *cells]))
    cv = result["cross_validation"]
    lines.append(
        f"5-fold CV on train: balanced accuracy {cv['cv_balanced_accuracy']:.3f}; chosen on train "
        f"weight {cv['chosen_on_train']['weight']} threshold {cv['chosen_on_train']['threshold']}; "
        f"in code {cv['in_code']['weight']} / {cv['in_code']['threshold']}"
    )
    timing = result["timing_ms"]
    lines.append(
        f"judgement per claim: median {timing['judgement_median']} ms, p95 {timing['judgement_p95']} ms "
        f"(embedding apart: median {timing['embedding_median']} ms)"
    )
    lines.append(f"{result['machine']}; load average {result['load_average']}")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
