"""Calibrate the extractive answerer's refusal threshold, and check its weights, on the seeds and SQuAD-dev-a.

    .venv/bin/python bench/calibrate.py [--squad-limit N] [--features FILE]

For every question of the seed set and of SQuAD-dev-a (its 294 paragraphs ingested as documents), retrieve the
k passages `Assistant.ask` would, score the sentences it may quote with `extractive.answer_candidates`, and keep
each candidate's three features (similarity, overlap, passage) and whether it holds a reference answer. The rest
needs no model:

- the threshold sweep: refusal precision/recall, answer accuracy (answered answerable questions whose answer holds a
  reference answer) and the criterion below, for thresholds 0.00-1.00;
- the criterion: ACCURACY (a question is right when answered with a reference answer, or refused when unanswerable),
  averaged over the two sets with equal weight; the chosen threshold maximizes it;
- the weights: the current ones against a grid search and a logistic regression fitted on half of the SQuAD articles,
  each with its threshold chosen on that half plus the seeds, scored on the held-out articles.

The answer is simulated as `ExtractiveAnswerer.answer` builds it (best sentence, plus the next within the margin);
it holds a reference answer when one of its sentences does. Prints tables; writes bench/results/calibration.json
and calibration.png.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from squad import SQUAD, build_index, load_squad  # noqa: E402

from assistant.answering import extractive, scoring  # noqa: E402
from assistant.core.config import Settings  # noqa: E402
from assistant.evaluation.metrics import contains_answer  # noqa: E402
from assistant.evaluation.questions import load_questions  # noqa: E402

CURRENT = np.array([scoring.SIMILARITY_WEIGHT, scoring.OVERLAP_WEIGHT, scoring.PASSAGE_WEIGHT])
FIGURES = (
    "threshold",
    "accuracy",
    "refusal_precision",
    "refusal_recall",
    "answer_accuracy",
    "answered_right",
    "false_refusals",
    "balanced_accuracy",
    "decision_macro_f1",
)
THRESHOLDS = np.round(np.arange(0.0, 1.0001, 0.005), 3)


# -- features (the only part that runs the model) ----------------------------------------------------
def collect(assistant: Any, questions: list, name: str, article_of: dict[str, str], k: int) -> list[dict]:
    """Per question: its set, article, answerability and the [similarity, overlap, passage, holds-answer] rows."""
    from tqdm import tqdm

    records = []
    for question in tqdm(questions, desc=name, unit="question"):
        hits = assistant.retriever.retrieve(question.question, k)
        scored = extractive.answer_candidates(question.question, hits, assistant.query_embedder)  # as `ask` does
        rows = [
            [s.similarity, s.overlap, s.passage, float(contains_answer(s.sentence.text, question.answers))]
            for s in scored
        ]
        records.append(
            {
                "set": name,
                "id": question.id,
                "article": article_of.get(question.id, name),
                "answerable": question.answerable,
                "candidates": rows,
            }
        )
    return records


def gather(squad_limit: int | None) -> list[dict]:
    with tempfile.TemporaryDirectory(prefix="calibrate-") as folder:
        from assistant.assistant import Assistant

        seeds = Assistant.from_settings(index_dir=Path(folder) / "seeds", chroma_url=None)
        seeds.ingest([ROOT / "seeds"], progress=False)
        questions, _ = load_questions(ROOT / "tests" / "data" / "seed_questions.jsonl")
        records = collect(seeds, questions, "seeds", {}, seeds.settings.k)
        passages, squad_questions = load_squad(SQUAD, squad_limit)
        article_of = {
            json.loads(line)["id"]: json.loads(line)["passage_id"].split("#")[0]
            for line in (SQUAD / "qa.jsonl").open(encoding="utf-8")
        }
        squad, _ = build_index(passages, Path(folder) / "squad")
        records += collect(squad, squad_questions, "squad", article_of, squad.settings.k)
    return records


# -- simulation ----------------------------------------------------------------------------------------
class Arrays:
    """Candidates padded into arrays: features (n, m, 3), holds-answer (n, m), valid (n, m)."""

    def __init__(self, records: list[dict]) -> None:
        width = max([len(record["candidates"]) for record in records] + [2])
        self.features = np.zeros((len(records), width, 3))
        self.holds = np.zeros((len(records), width), dtype=bool)
        self.valid = np.zeros((len(records), width), dtype=bool)
        for row, record in enumerate(records):
            if record["candidates"]:
                values = np.array(record["candidates"])
                self.features[row, : len(values)] = values[:, :3]
                self.holds[row, : len(values)] = values[:, 3] > 0
                self.valid[row, : len(values)] = True
        self.answerable = np.array([record["answerable"] for record in records], dtype=bool)

    def answers(self, weights: np.ndarray, bias: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
        """(best support per question, whether the answer built from it holds a reference answer)."""
        support = np.where(self.valid, self.features @ weights + bias, -np.inf)
        order = np.argsort(-support, axis=1, kind="stable")
        rows = np.arange(len(support))
        best, second = support[rows, order[:, 0]], support[rows, order[:, 1]]
        joined = np.isfinite(second) & (second >= best - extractive.EXTRA_SENTENCE_MARGIN)
        holds = self.holds[rows, order[:, 0]] | (joined & self.holds[rows, order[:, 1]])
        return np.where(np.isfinite(best), best, 0.0), holds & self.valid.any(axis=1)


def figures(support: np.ndarray, holds: np.ndarray, answerable: np.ndarray, threshold: float) -> dict[str, float]:
    """The decision figures of one set at one threshold (all zero for an empty set)."""
    if not len(support):
        return dict.fromkeys(FIGURES, 0.0) | {"threshold": float(threshold)}
    refused = support < threshold
    right_refusals = int((refused & ~answerable).sum())
    answered = ~refused & answerable
    right_answers = int((answered & holds).sum())
    unanswerable, n_answerable = int((~answerable).sum()), int(answerable.sum())
    precision = right_refusals / refused.sum() if refused.any() else 1.0
    recall = right_refusals / unanswerable if unanswerable else 1.0
    answer_precision = (~refused & answerable).sum() / (~refused).sum() if (~refused).any() else 1.0
    answer_recall = (~refused & answerable).sum() / n_answerable if n_answerable else 1.0
    return {
        "threshold": float(threshold),
        "accuracy": (right_answers + right_refusals) / len(support),
        "refusal_precision": float(precision),
        "refusal_recall": float(recall),
        "answer_accuracy": right_answers / answered.sum() if answered.any() else 0.0,
        "answered_right": right_answers / n_answerable if n_answerable else 0.0,
        "false_refusals": float((refused & answerable).sum() / n_answerable) if n_answerable else 0.0,
        "balanced_accuracy": (recall + (right_answers / n_answerable if n_answerable else 0.0)) / 2,
        "decision_macro_f1": (_f1(precision, recall) + _f1(answer_precision, answer_recall)) / 2,
    }


def _f1(precision: float, recall: float) -> float:
    return float(2 * precision * recall / (precision + recall)) if precision + recall else 0.0


def sweep(sets: dict[str, Arrays], weights: np.ndarray, bias: float = 0.0) -> dict[str, list[dict]]:
    """Figures per set per threshold, plus their equal-weight mean under "mean"."""
    curves = {}
    for name, arrays in sets.items():
        support, holds = arrays.answers(weights, bias)
        curves[name] = [figures(support, holds, arrays.answerable, t) for t in THRESHOLDS]
    keys = list(curves[next(iter(sets))][0])
    curves["mean"] = [
        {key: float(np.mean([curves[name][i][key] for name in sets])) for key in keys} for i in range(len(THRESHOLDS))
    ]
    return curves


def best(curve: list[dict], key: str = "accuracy") -> dict:
    """The point maximizing `key` (the lowest such threshold on ties)."""
    return max(curve, key=lambda point: (round(point[key], 6), -point["threshold"]))


def at(curve: list[dict], threshold: float) -> dict:
    return min(curve, key=lambda point: abs(point["threshold"] - threshold))


# -- weights -------------------------------------------------------------------------------------------
def logistic_weights(arrays: Arrays) -> np.ndarray:
    """Weights of a logistic regression predicting "this sentence holds a reference answer", scaled to sum 1."""
    x = arrays.features[arrays.valid]
    y = (arrays.holds & arrays.answerable[:, None])[arrays.valid].astype(float)
    x = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(x.shape[1])
    for _ in range(50):  # Newton's method with a little L2, enough for four parameters
        p = 1 / (1 + np.exp(-x @ w))
        gradient = x.T @ (p - y) + 1e-3 * w
        hessian = (x * (p * (1 - p))[:, None]).T @ x + 1e-3 * np.eye(x.shape[1])
        w -= np.linalg.solve(hessian, gradient)
    weights = np.clip(w[:3], 0, None)
    return weights / weights.sum()


def grid_weights(arrays: Arrays, step: float = 0.05) -> np.ndarray:
    """The weights (summing to 1, on a grid) whose best threshold gives the highest accuracy on `arrays`."""
    best_score, best_weights = -1.0, CURRENT
    steps = int(round(1 / step))
    for a in range(steps + 1):
        for b in range(steps + 1 - a):
            weights = np.array([a, b, steps - a - b]) / steps
            support, holds = arrays.answers(weights)
            score = max(figures(support, holds, arrays.answerable, t)["accuracy"] for t in THRESHOLDS[::4])
            if score > best_score + 1e-9:
                best_score, best_weights = score, weights
    return best_weights


def compare_weights(records: list[dict]) -> dict[str, Any]:
    """Current, grid and logistic weights; threshold chosen on half the SQuAD articles + seeds, scored on the rest."""
    articles = list(dict.fromkeys(r["article"] for r in records if r["set"] == "squad"))
    train_articles = set(articles[::2])
    pick = {
        "seeds": lambda r: r["set"] == "seeds",
        "squad_train": lambda r: r["set"] == "squad" and r["article"] in train_articles,
        "squad_test": lambda r: r["set"] == "squad" and r["article"] not in train_articles,
    }
    sets = {name: Arrays([r for r in records if rule(r)]) for name, rule in pick.items()}
    candidates = {
        "current": CURRENT,
        "grid": grid_weights(sets["squad_train"]),
        "logistic": logistic_weights(sets["squad_train"]),
    }
    result: dict[str, Any] = {
        "train_articles": sorted(train_articles),
        "test_articles": [a for a in articles if a not in train_articles],
    }
    for name, weights in candidates.items():
        curves = sweep({"seeds": sets["seeds"], "squad_train": sets["squad_train"]}, weights)
        threshold = best(curves["mean"])["threshold"]
        held_out = sweep({"squad_test": sets["squad_test"], "seeds": sets["seeds"]}, weights)
        result[name] = {
            "weights": [round(float(w), 3) for w in weights],
            "threshold": threshold,
            "squad_test": at(held_out["squad_test"], threshold),
            "seeds": at(held_out["seeds"], threshold),
            "threshold_free": {part: ranking_figures(sets[part], weights) for part in ("squad_test", "seeds")},
        }
    return result


def ranking_figures(arrays: Arrays, weights: np.ndarray) -> dict[str, float]:
    """Threshold-free: answerable questions whose unrefused answer is right, and the ROC AUC of the best support
    separating answerable from unanswerable questions (how well any threshold can work)."""
    support, holds = arrays.answers(weights)
    positive = arrays.answerable
    ranks = np.empty(len(support))
    ranks[np.argsort(support, kind="stable")] = np.arange(1, len(support) + 1)
    n1, n0 = int(positive.sum()), int((~positive).sum())
    auc = (ranks[positive].sum() - n1 * (n1 + 1) / 2) / (n1 * n0) if n1 and n0 else 0.0
    return {"top_answer_right": float((holds & positive).sum() / n1) if n1 else 0.0, "refusal_auc": float(auc)}


# -- output --------------------------------------------------------------------------------------------
def plot(curves: dict[str, list[dict]], current: float, chosen: float, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (left, right) = plt.subplots(1, 2, figsize=(12, 4.8))
    for (name, curve), color in zip(
        ((n, c) for n, c in curves.items() if n != "mean"), ("#4c72b0", "#dd8452"), strict=False
    ):
        answering_some = [p for p in curve if p["answered_right"] > 0 or p["answer_accuracy"] > 0]
        x = [p["refusal_recall"] for p in answering_some]
        left.plot(x, [p["answer_accuracy"] for p in answering_some], color=color, label=f"{name}: answer accuracy")
        left.plot(
            x,
            [p["answered_right"] for p in answering_some],
            color=color,
            linestyle="--",
            label=f"{name}: answerable answered right",
        )
        right.plot(THRESHOLDS, [p["accuracy"] for p in curve], color=color, label=f"{name}: accuracy")
        for threshold, marker in ((current, "o"), (chosen, "*")):
            point = at(curve, threshold)
            left.plot(point["refusal_recall"], point["answer_accuracy"], marker, color=color, markersize=9)
    right.plot(THRESHOLDS, [p["accuracy"] for p in curves["mean"]], color="black", label="mean accuracy (criterion)")
    for threshold, style in ((current, ":"), (chosen, "--")):
        right.axvline(threshold, color="grey", linestyle=style, label=f"threshold {threshold:.3f}")
    left.set(xlabel="refusal recall", ylabel="fraction", title="Trade-off (o current, * chosen threshold)")
    right.set(xlabel="refusal threshold", ylabel="accuracy (right answer or right refusal)", title="Criterion")
    left.legend(fontsize=7)
    right.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def row(label: str, point: dict) -> str:
    keys = ("accuracy", "refusal_precision", "refusal_recall", "answer_accuracy", "answered_right", "false_refusals")
    return f"| {label} | {point['threshold']:.3f} | " + " | ".join(f"{point[key]:.3f}" for key in keys) + " |"


HEADER = (
    "| set | threshold | accuracy | refusal P | refusal R | answer accuracy | answerable right "
    "| false refusals |\n|---|---:|---:|---:|---:|---:|---:|---:|"
)


def _json(result: dict[str, Any], curves: dict[str, list[dict]]) -> str:
    """The result, indented, then the curves as one column of values per line (rounded): small and diffable."""
    rounded = json.loads(json.dumps(result), parse_float=lambda value: round(float(value), 4))
    columns = {"threshold": THRESHOLDS.tolist()} | {
        f"{name}.{key}": [round(point[key], 4) for point in curve]
        for name, curve in curves.items()
        for key in FIGURES
        if key != "threshold"
    }
    body = ",\n".join(f"  {json.dumps(key)}: {json.dumps(values)}" for key, values in columns.items())
    return json.dumps(rounded, indent=1)[:-2] + ',\n "curves": {\n' + body + "\n }\n}\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--squad-limit", type=int, default=None, help="only the first N SQuAD questions")
    parser.add_argument("--features", type=Path, default=None, help="read the features from (or save them to) FILE")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "calibration.json")
    args = parser.parse_args()
    if args.features and args.features.is_file():
        saved = json.loads(args.features.read_text(encoding="utf-8"))
        retrieval, records = saved["retrieval"], saved["records"]
    else:
        retrieval, records = Settings().retrieval, gather(args.squad_limit)
        if args.features:
            args.features.write_text(json.dumps({"retrieval": retrieval, "records": records}), encoding="utf-8")
    current = Settings.model_fields["refusal_threshold"].default
    sets = {name: Arrays([r for r in records if r["set"] == name]) for name in ("seeds", "squad")}
    curves = sweep(sets, CURRENT)
    chosen = best(curves["mean"])["threshold"]
    alternatives = {key: best(curves["mean"], key)["threshold"] for key in ("balanced_accuracy", "decision_macro_f1")}
    weights = compare_weights(records)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    png = args.out.with_suffix(".png")
    plot(curves, current, chosen, png)
    result = {
        "criterion": "accuracy (right answer or right refusal), mean of seeds and squad",
        "retrieval": retrieval,
        "weights": CURRENT.tolist(),
        "current_threshold": current,
        "chosen_threshold": chosen,
        "best_threshold_by": alternatives,
        "questions": {name: len(arrays.answerable) for name, arrays in sets.items()},
        "at_current": {name: at(curve, current) for name, curve in curves.items()},
        "at_chosen": {name: at(curve, chosen) for name, curve in curves.items()},
        "weight_comparison": weights,
    }
    args.out.write_text(_json(result, curves), encoding="utf-8")
    print(
        f"Threshold ({retrieval} retrieval, current weights {CURRENT.tolist()}); criterion: {result['criterion']}"
        f"\n\n{HEADER}"
    )
    for label, threshold in (("current", current), ("chosen", chosen)):
        for name in curves:
            print(row(f"{name} @ {label}", at(curves[name], threshold)))
    print(f"\nbest threshold by other criteria: {alternatives}")
    print(
        f"\nWeights: threshold chosen on SQuAD articles {weights['train_articles']} + seeds; "
        f"scored on held-out {weights['test_articles']} (and seeds)\n\n{HEADER}"
    )
    for name in ("current", "grid", "logistic"):
        for part in ("squad_test", "seeds"):
            print(row(f"{name} {weights[name]['weights']} {part}", weights[name][part]))
    print("\nThreshold-free (right answer if never refusing; ROC AUC of the support for answerable vs unanswerable):")
    for name in ("current", "grid", "logistic"):
        figures_of = weights[name]["threshold_free"].items()
        print(
            f"  {name:<9}"
            + "".join(
                f"  {part}: top answer right {v['top_answer_right']:.3f}, AUC {v['refusal_auc']:.3f}"
                for part, v in figures_of
            )
        )
    print(f"\nchosen threshold {chosen:.3f} (current {current}); written to {args.out} and {png}")


if __name__ == "__main__":
    main()
