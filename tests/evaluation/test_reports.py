"""Evaluation reports: the files exist and parse, failures are listed, earlier runs compare side by side."""

from __future__ import annotations

import json

import pytest

from assistant.cli import main
from assistant.core.errors import EvaluationDataError
from assistant.evaluation.reports import compare_reports, load_summary, summary_table, write_report

PNG = b"\x89PNG\r\n\x1a\n"


def _row(qid: str, passed: bool, answerable: bool = True, refused: bool = False, latency: float = 0.1) -> dict:
    return {
        "id": qid,
        "question": f"Question {qid}?",
        "answer": "(refused)" if refused else f"Answer {qid}. [1]",
        "refused": refused,
        "citations": [],
        "answerable": answerable,
        "expected": [f"ref {qid}"] if answerable else [],
        "latency": latency,
        "passed": passed,
        "first_relevant_rank": 2 if answerable else None,
    }


SUMMARY = {
    "questions": 3,
    "answerable": 2,
    "unanswerable": 1,
    "accuracy": 2 / 3,
    "exact_match": 0.0,
    "f1": 0.4,
    "refusal_recall": 1.0,
    "hit@k": 1.0,
    "latency_p50": 0.1,
    "latency_p95": 0.3,
    "k": 4,
}


def test_write_report_writes_files_that_parse(tmp_path):
    rows = [_row("q1", True), _row("q2", False, latency=0.3), _row("q3", True, answerable=False, refused=True)]
    paths = write_report(tmp_path / "run", SUMMARY, rows, title="Seeds")
    assert sorted(path.name for path in paths) == [
        "latency.png",
        "metrics.png",
        "report.md",
        "results.jsonl",
        "summary.json",
    ]
    assert load_summary(tmp_path / "run") == SUMMARY
    lines = (tmp_path / "run" / "results.jsonl").read_text().splitlines()
    assert [json.loads(line)["id"] for line in lines] == ["q1", "q2", "q3"]
    report = (tmp_path / "run" / "report.md").read_text()
    assert report.startswith("# Seeds\n")
    assert "| accuracy (right answer or right refusal) | 0.667 |" in report
    assert "## Failed questions (1 of 3)" in report
    assert "### q2: Question q2?\n- expected: ref q2\n- given: Answer q2. [1]" in report
    assert "### q1" not in report and "### q3" not in report
    assert "![latency](latency.png)" in report
    for name in ("latency.png", "metrics.png"):
        assert (tmp_path / "run" / name).read_bytes().startswith(PNG)


def test_summary_table_leaves_missing_figures_blank():
    table = summary_table({"before": SUMMARY, "after": {**SUMMARY, "accuracy": 1.0, "f1": None}})
    assert table.splitlines()[0] == "| metric | before | after |"
    assert "| accuracy (right answer or right refusal) | 0.667 | 1.000 |" in table
    assert "| token F1 (answerable) | 0.400 |  |" in table


def test_compare_reports_side_by_side(tmp_path, capsys):
    write_report(tmp_path / "before", SUMMARY, [_row("q1", True)])
    write_report(tmp_path / "after", {**SUMMARY, "accuracy": 1.0}, [_row("q1", True)])
    table, summaries = compare_reports([tmp_path / "before", tmp_path / "after"], tmp_path / "cmp")
    assert list(summaries) == ["before", "after"]
    assert "| accuracy (right answer or right refusal) | 0.667 | 1.000 |" in table
    assert table in (tmp_path / "cmp" / "compare.md").read_text()
    assert (tmp_path / "cmp" / "compare.png").read_bytes().startswith(PNG)
    assert main(["eval", "--compare", str(tmp_path / "before"), str(tmp_path / "after"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["after"]["accuracy"] == 1.0


def test_a_missing_report_is_an_error(tmp_path):
    with pytest.raises(EvaluationDataError, match="eval --report"):
        load_summary(tmp_path)
