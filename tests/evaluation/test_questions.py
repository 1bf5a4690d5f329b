"""Question sets: loading, per-answer scores, summaries, and the eval commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.assistant import Assistant
from assistant.cli import main
from assistant.core.errors import EvaluationDataError, IndexNotFoundError
from assistant.core.types import Answer, Chunk, Citation, Hit
from assistant.evaluation.questions import Question, evaluate, load_questions, score_answer, summarize
from assistant.retrieval.store import ChromaStore
from tests.fixtures.paths import ROOT, SEEDS, SHARED_DATA

FIXTURES = ROOT / "tests" / "data"
QUESTIONS = FIXTURES / "eval_questions.jsonl"
BEIR_TINY = FIXTURES / "beir-tiny"
SCIFACT = SHARED_DATA / "beir-scifact"
PNG = b"\x89PNG\r\n\x1a\n"


# -- question sets ---------------------------------------------------------------------------------------
def test_load_questions_reads_the_seed_set():
    questions, problems = load_questions(ROOT / "tests" / "data" / "seed_questions.jsonl")
    assert problems == []
    assert len(questions) >= 40
    assert sum(not q.answerable for q in questions) >= 12
    assert all(q.answers for q in questions if q.answerable)


def test_malformed_lines_are_reported_with_their_number_and_skipped(tmp_path):
    good = {"id": "a", "question": "Who?", "answers": ["Jens"], "answerable": True}
    lines = [
        json.dumps(good),
        "{not json",
        json.dumps({"id": "b", "question": "Who?", "answerable": True}),  # no answers
        json.dumps({"id": "c", "question": "Who?", "answers": [], "answerable": True}),
        json.dumps({"id": "d", "question": "Who?", "answers": ["x"], "answerable": False}),
        json.dumps({"id": "e", "question": " ", "answers": [], "answerable": False}),
        json.dumps({**good, "answerable": "yes"}),
        json.dumps(good),  # duplicate id
        "",
        json.dumps({"id": 7, "question": "When?", "answers": [], "answerable": False, "sources": ["s.txt"]}),
    ]
    path = tmp_path / "set.jsonl"
    path.write_text("\n".join(lines) + "\n")
    questions, problems = load_questions(path)
    assert [q.id for q in questions] == ["a", "7"]
    assert questions[1] == Question("7", "When?", (), False, ("s.txt",))
    assert [int(problem.split(":")[1]) for problem in problems] == [2, 3, 4, 5, 6, 7, 8]
    assert "missing answers" in problems[1] and "duplicate id 'a'" in problems[6]


@pytest.mark.parametrize("content", [None, "", "\n\n", "{bad\n"])
def test_a_missing_empty_or_invalid_question_set_is_an_error(tmp_path, content):
    path = tmp_path / "set.jsonl"
    if content is not None:
        path.write_text(content)
    with pytest.raises(EvaluationDataError, match="set.jsonl"):
        load_questions(path)


# -- scoring one answer, then a run ------------------------------------------------------------------------
def _chunk(source: str, text: str) -> Chunk:
    return Chunk(f"{source}-{hash(text)}", text, source, 0, len(text), {})


def _answer(text: str, citations: list[tuple[str, str]], hits: list[tuple[str, str]], refused: bool = False) -> Answer:
    cited = [Citation(n, source, "id", quote, 0, len(quote), 0.5) for n, (source, quote) in enumerate(citations, 1)]
    passages = [Hit(_chunk(source, text), 1.0 - rank / 10, rank) for rank, (source, text) in enumerate(hits, 1)]
    return Answer(text, cited, refused, {}, passages)


STOLTENBERG = Question("q1", "Who leads NATO?", ("Jens Stoltenberg",), True, ("a.txt",))
UNANSWERABLE = Question("q3", "What is the budget?", (), False, ())


def _rows() -> list[dict]:
    hits = [("b.txt", "Jens Stoltenberg spoke."), ("a.txt", "Nothing."), ("a.txt", "Jens Stoltenberg welcomed him.")]
    answered = _answer(
        "Jens Stoltenberg welcomed him. [1] Other text. [2]",
        [("a.txt", "Jens Stoltenberg welcomed him."), ("a.txt", "Other text.")],
        hits,
    )
    refused = _answer("I cannot answer.", [], [("a.txt", "Jens Stoltenberg")], refused=True)
    return [
        score_answer(STOLTENBERG, answered, 1.0),
        score_answer(Question("q2", "Who?", ("Jens Stoltenberg",), True, ("a.txt",)), refused, 2.0),
        score_answer(UNANSWERABLE, _answer("I cannot answer.", [], [], refused=True), 3.0),
        score_answer(Question("q4", "Why?", (), False, ()), _answer("Guess. [1]", [("a.txt", "Guess.")], []), 4.0),
    ]


def test_score_answer_by_hand():
    answered, refused, right_refusal, wrong_answer = _rows()
    # prediction "jens stoltenberg welcomed him other text": 2 of 6 tokens match -> P 1/3, R 1 -> F1 0.5
    assert answered | {"exact_match": 0.0, "f1": 0.5, "contains_answer": True} == answered
    assert answered["citations_correct"] == 1 and answered["citations_from_source"] == 2
    assert answered["supported"] is True and answered["passed"] is True
    assert answered["first_relevant_rank"] == 3  # rank 1 holds the answer but is not from the listed source
    assert (refused["exact_match"], refused["f1"], refused["contains_answer"]) == (0.0, 0.0, False)
    assert refused["refusal_correct"] is False and refused["passed"] is False and refused["supported"] is None
    assert right_refusal["refusal_correct"] is True and right_refusal["passed"] is True
    assert right_refusal["exact_match"] is None and right_refusal["first_relevant_rank"] is None
    assert wrong_answer["passed"] is False and wrong_answer["citations_correct"] == 0


def test_summarize_by_hand():
    summary = summarize(_rows(), k=3)
    expected = {
        "questions": 4,
        "answerable": 2,
        "unanswerable": 2,
        "accuracy": 0.5,
        "exact_match": 0.0,
        "f1": 0.25,
        "contains_answer": 0.5,
        "answered_correct": 1.0,
        "refusal_precision": 0.5,
        "refusal_recall": 0.5,
        "false_refusals": 0.5,
        "citation_precision": round(1 / 3, 4),
        "citation_source_precision": round(2 / 3, 4),
        "supported_answers": 1.0,
        "k": 3,
        "hit@1": 0.5,
        "hit@k": 1.0,
        "mrr@k": round((1 / 3 + 1) / 2, 4),
        "latency_p50": 2.5,
        "latency_p95": 3.85,
        "latency_mean": 2.5,
    }
    assert summary == expected


def test_evaluate_runs_the_assistant_on_every_question(settings, fake_embedder):
    assistant = Assistant(settings, ChromaStore(settings), fake_embedder)
    with pytest.raises(IndexNotFoundError):
        evaluate(assistant, [STOLTENBERG], progress=False)
    assistant.ingest([SEEDS], progress=False)
    questions, _ = load_questions(QUESTIONS)
    rows = evaluate(assistant, questions, progress=False)
    assert [row["id"] for row in rows] == [q.id for q in questions]
    assert all(row["passages"] == settings.k and row["latency"] > 0 for row in rows)
    summary = summarize(rows)
    assert (summary["questions"], summary["answerable"], summary["k"]) == (8, 5, settings.k)
    assert 0.0 <= summary["accuracy"] <= 1.0


def test_a_question_the_assistant_rejects_counts_as_failed(settings, fake_embedder):
    strict = settings.model_copy(update={"max_question_chars": 5})
    assistant = Assistant(strict, ChromaStore(strict), fake_embedder)
    assistant.ingest([SEEDS], progress=False)
    [row] = evaluate(assistant, [STOLTENBERG], progress=False)
    assert row["answer"].startswith("error: The question is") and row["passed"] is False
    assert summarize([row])["accuracy"] == 0.0


# -- the commands --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["eval", "missing.jsonl"], "No question set at missing.jsonl"),
        (["eval"], "Give a question set"),
        (["eval", str(QUESTIONS), "--compare", "r1"], "needs --report"),
        (["eval", str(QUESTIONS), "--k", "0"], "k (passages to retrieve) must be between 1 and 50"),
        (["eval", "--compare", "nowhere"], "No report at nowhere"),
        (["eval-retrieval", "nowhere"], "nowhere is not a BEIR folder"),
    ],
)
def test_eval_commands_reject_bad_input(argv, message, capsys):
    assert main(argv) == 2
    assert message in capsys.readouterr().err


@pytest.mark.integration
def test_eval_command_end_to_end(seeded_index, tmp_path, capsys):
    report = tmp_path / "report"
    index = str(seeded_index.settings.index_dir)
    assert main(["eval", str(QUESTIONS), "--index", index, "--json", "--report", str(report)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["questions"], summary["answerable"], summary["skipped_lines"]) == (8, 5, 0)
    assert summary["hit@k"] == 1.0 and summary["contains_answer"] >= 0.4  # a sanity floor, not a quality bar
    assert json.loads((report / "summary.json").read_text()) == summary
    rows = [json.loads(line) for line in (report / "results.jsonl").read_text().splitlines()]
    assert [row["id"] for row in rows] == ["q01", "q02", "q08", "q31", "q40", "q47", "q58", "q60"]
    assert {"id", "question", "answer", "refused", "citations", "f1", "exact_match"} <= set(rows[0])
    assert "| accuracy (right answer or right refusal) |" in (report / "report.md").read_text()
    assert all((report / name).read_bytes().startswith(PNG) for name in ("latency.png", "metrics.png"))
    # the same run compared with itself, as a table on stdout
    assert main(["eval", "--compare", str(report), str(report)]) == 0
    assert capsys.readouterr().out.count("| accuracy (right answer or right refusal) |") == 1


@pytest.mark.integration
def test_eval_retrieval_command_end_to_end(tmp_path, capsys):
    run_file = tmp_path / "run.trec"
    assert main(["eval-retrieval", str(BEIR_TINY), "--json", "--run-file", str(run_file)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["benchmark"] == "beir-tiny" and summary["split"] == "test" and summary["queries"] == 3
    assert summary["ndcg@10"] >= 0.9 and summary["recall@10"] == 1.0
    assert {"indexing_seconds", "latency_p50", "latency_p95", "recall@100", "mrr@10"} <= set(summary)
    assert len(run_file.read_text().splitlines()) == 18


def test_fixture_paths_exist():
    assert QUESTIONS.is_file() and (BEIR_TINY / "qrels" / "test.tsv").is_file() and Path(SEEDS).is_dir()
