"""Evaluation reports: summary tables, report.md, results.jsonl and PNG plots (matplotlib imported lazily)."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from assistant.core.errors import EvaluationDataError

logger = logging.getLogger(__name__)

# (key, label) of the figures shown in tables and bar charts, in order; all are fractions in [0, 1].
SCORES = [
    ("accuracy", "accuracy (right answer or right refusal)"),
    ("exact_match", "exact match (answerable)"),
    ("f1", "token F1 (answerable)"),
    ("contains_answer", "contains a reference answer (answerable)"),
    ("answered_correct", "right when answering (answerable, answered)"),
    ("refusal_precision", "refusal precision"),
    ("refusal_recall", "refusal recall"),
    ("false_refusals", "false refusals (answerable refused)"),
    ("citation_precision", "citation precision (quote holds an answer)"),
    ("citation_source_precision", "citations from a listed source"),
    ("supported_answers", "answers citing supporting evidence"),
    ("hit@1", "retrieval hit@1"),
    ("hit@k", "retrieval hit@k"),
    ("mrr@k", "retrieval MRR@k"),
]
TIMES = [("latency_p50", "latency p50 (s)"), ("latency_p95", "latency p95 (s)")]


def summary_table(summaries: dict[str, dict[str, Any]]) -> str:
    """A Markdown table with one column per named summary (one column for a single run)."""
    names = list(summaries)
    lines = ["| metric | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    first = next(iter(summaries.values()))
    counts = f"questions ({first.get('answerable', 0)} answerable)" if len(names) == 1 else "questions"
    lines.append(f"| {counts} | " + " | ".join(str(s.get("questions", "")) for s in summaries.values()) + " |")
    for key, label in SCORES + TIMES:
        cells = [_cell(summary.get(key)) for summary in summaries.values()]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    for key, label in (("k", "passages retrieved (k)"), ("retrieval", "retrieval"), ("generator", "generator")):
        if any(key in summary for summary in summaries.values()):
            lines.append(f"| {label} | " + " | ".join(str(s.get(key, "")) for s in summaries.values()) + " |")
    return "\n".join(lines)


def _cell(value: Any) -> str:
    return "" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)


def write_report(
    folder: Path | str, summary: dict[str, Any], rows: Sequence[dict[str, Any]], title: str = "Evaluation"
) -> list[Path]:
    """Write report.md, results.jsonl, summary.json and the PNG plots to `folder`; return their paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    with (folder / "results.jsonl").open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    plots = [plot_latency(rows, folder / "latency.png"), plot_metrics({title: summary}, folder / "metrics.png")]
    (folder / "report.md").write_text(_report_markdown(summary, rows, title, plots), encoding="utf-8")
    return [folder / "report.md", folder / "results.jsonl", folder / "summary.json", *plots]


def _report_markdown(summary: dict[str, Any], rows: Sequence[dict[str, Any]], title: str, plots: Sequence[Path]) -> str:
    failed = [row for row in rows if not row["passed"]]
    parts = [f"# {title}", "", summary_table({"value": summary}), ""]
    parts += [f"![{plot.stem}]({plot.name})" for plot in plots]
    parts += ["", f"## Failed questions ({len(failed)} of {len(rows)})", ""]
    if not failed:
        parts.append("None.")
    for row in failed:
        expected = " | ".join(row["expected"]) if row["answerable"] else "(a refusal: the documents do not answer it)"
        given = "(refused)" if row["refused"] else row["answer"].replace("\n", " ")
        rank = row.get("first_relevant_rank")
        parts += [
            f"### {row['id']}: {row['question']}",
            f"- expected: {expected}",
            f"- given: {given}",
            f"- evidence retrieved at rank: {rank if rank else 'not retrieved'}" if row["answerable"] else "",
            "",
        ]
    return "\n".join(part for part in parts if part is not None) + "\n"


def load_summary(folder: Path | str) -> dict[str, Any]:
    """The summary.json of an earlier report."""
    path = Path(folder) / "summary.json"
    if not path.is_file():
        raise EvaluationDataError(f"No report at {folder} (no summary.json). Write one with `assistant eval --report`.")
    return json.loads(path.read_text(encoding="utf-8"))


def compare_reports(folders: Sequence[Path | str], out: Path | str | None = None) -> tuple[str, dict[str, Any]]:
    """A side-by-side table of earlier reports; with `out`, also compare.md and compare.png there."""
    summaries = {}
    for folder in folders:
        name = Path(folder).resolve().name
        summaries[name if name not in summaries else str(folder)] = load_summary(folder)
    table = summary_table(summaries)
    if out is not None:
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        plot = plot_metrics(summaries, out / "compare.png")
        (out / "compare.md").write_text(f"# Comparison\n\n{table}\n\n![comparison]({plot.name})\n", encoding="utf-8")
    return table, summaries


# -- plots ------------------------------------------------------------------------------------------
def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    return plt


def plot_latency(rows: Sequence[dict[str, Any]], path: Path) -> Path:
    """A histogram of per-question latency, with p50 and p95 marked."""
    from assistant.evaluation.metrics import percentile

    plt = _pyplot()
    latencies = [row["latency"] for row in rows]
    figure, axes = plt.subplots(figsize=(6, 3.5))
    axes.hist(latencies, bins=min(30, max(5, len(latencies) // 3)), color="#4c72b0")
    for p, style in ((50, "--"), (95, ":")):
        value = percentile(latencies, p)
        axes.axvline(value, color="black", linestyle=style, label=f"p{p} {value:.3f}s")
    axes.set(xlabel="seconds per question", ylabel="questions", title="Latency")
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def plot_metrics(summaries: dict[str, dict[str, Any]], path: Path) -> Path:
    """Horizontal bars per metric; one bar per run when several summaries are compared."""
    plt = _pyplot()
    keys = [(key, label) for key, label in SCORES if any(s.get(key) is not None for s in summaries.values())]
    height = 0.8 / len(summaries)
    figure, axes = plt.subplots(figsize=(8, 0.45 * len(keys) * max(1, len(summaries) * 0.7) + 1))
    for offset, (name, summary) in enumerate(summaries.items()):
        values = [float(summary.get(key) or 0.0) for key, _ in keys]
        positions = [index + offset * height for index in range(len(keys))]
        bars = axes.barh(positions, values, height=height, label=name)
        axes.bar_label(bars, fmt="%.2f", fontsize=7, padding=2)
    axes.set_yticks([index + height * (len(summaries) - 1) / 2 for index in range(len(keys))])
    axes.set_yticklabels([label for _, label in keys], fontsize=8)
    axes.invert_yaxis()
    axes.set_xlim(0, 1.08)
    axes.set_title("Scores" if len(summaries) == 1 else "Scores side by side")
    if len(summaries) > 1:
        axes.legend(fontsize=8, loc="lower right")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path
