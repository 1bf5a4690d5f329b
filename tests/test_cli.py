"""The command line in-process (`main(argv)`), over a real Chroma in tmp_path and the fake embedder: fast."""

from __future__ import annotations

import json

import pytest

from assistant.cli import EXIT_USAGE, main
from tests.fixtures.paths import SEED_FILE, SEEDS

QUESTION = "What did NATO call on Russia to do?"


@pytest.fixture(autouse=True)
def fake_backend(monkeypatch, tmp_path):
    """Every command builds the fake embedder (ASSISTANT_EMBEDDING_BACKEND=fake) and uses no shared index."""
    monkeypatch.setenv("ASSISTANT_EMBEDDING_BACKEND", "fake")
    monkeypatch.setenv("ASSISTANT_INDEX_DIR", str(tmp_path / "default-index"))


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def index(tmp_path, capsys):
    index = tmp_path / "index"
    code, out, _ = run(capsys, "ingest", str(SEEDS), "--index", str(index), "--json")
    assert code == 0
    return index, json.loads(out)


def test_ingest_json_reports_then_skips_unchanged_files(index, capsys):
    path, first = index
    assert first["files"] == 1 and first["chunks_embedded"] > 0 and first["skipped"] == 0
    code, out, _ = run(capsys, "ingest", str(SEEDS), "--index", str(path), "--json")
    second = json.loads(out)
    assert code == 0 and second["chunks_embedded"] == 0 and second["chunks_unchanged"] == first["chunks_embedded"]
    assert set(second) == {"files", "skipped", "chunks_embedded", "chunks_unchanged", "chunks_removed", "seconds"}


def test_ingest_plain_names_skipped_files(tmp_path, capsys):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "notes.txt").write_text("The lighthouse keeper rings the bell at noon.")
    (folder / "picture.bmp").write_bytes(b"BM\x00\x01")
    code, out, _ = run(capsys, "ingest", str(folder), "--index", str(tmp_path / "index"))
    assert code == 0 and "1 files (1 skipped)" in out and "skipped" in out and "picture.bmp" in out


def test_ask_json_is_the_design_contract(index, capsys):
    code, out, _ = run(capsys, "ask", QUESTION, "--index", str(index[0]), "--json")
    answer = json.loads(out)
    assert code == 0 and set(answer) == {"answer", "refused", "citations", "timings"}
    text = SEED_FILE.read_text(encoding="utf-8")
    for citation in answer["citations"]:
        assert set(citation) == {"n", "source", "chunk_id", "quote", "start", "end", "score"}
        assert text[citation["start"] : citation["end"]] == citation["quote"]
        assert f"[{citation['n']}]" in answer["answer"]


def test_ask_plain_prints_the_answer_then_its_sources_or_closest_passages(index, capsys):
    code, out, _ = run(capsys, "ask", "We call on Russia to immediately de-escalate", "--index", str(index[0]))
    assert code == 0 and ("Sources:\n  [1] nato_statement" in out or "Closest passages:" in out)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["ask", ""], "empty"),
        (["ask", "   "], "empty"),
        (["ask", "x" * 2001], "2001 characters"),
        (["ask", QUESTION, "--k", "0"], "between 1 and 50"),
        (["ask", QUESTION, "--k", "51"], "between 1 and 50"),
        (["ask", QUESTION, "--generator", "gpt-9"], "Unknown generator 'gpt-9'"),
    ],
)
def test_bad_input_exits_2_with_one_line(index, capsys, argv, message):
    code, out, err = run(capsys, *argv, "--index", str(index[0]))
    assert code == EXIT_USAGE and message in err and out == ""
    assert "Traceback" not in err and err.count("\n") == 1


def test_missing_index_and_missing_path_exit_2(tmp_path, capsys):
    code, _, err = run(capsys, "ask", "What?", "--index", str(tmp_path / "none"))
    assert code == EXIT_USAGE and "assistant ingest" in err
    code, _, err = run(capsys, "ingest", str(tmp_path / "nowhere"), "--index", str(tmp_path / "i"))
    assert code == EXIT_USAGE and "nowhere" in err


def test_invalid_setting_exits_2(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("ASSISTANT_CHUNK_OVERLAP", "5000")
    code, _, err = run(capsys, "ingest", str(SEEDS), "--index", str(tmp_path / "i"))
    assert code == EXIT_USAGE and "invalid setting" in err and "ASSISTANT_CHUNK_OVERLAP" in err


def test_eval_scores_a_question_set_and_writes_a_report(index, tmp_path, capsys):
    questions = tmp_path / "questions.jsonl"
    questions.write_text(
        json.dumps({"id": "a", "question": QUESTION, "answers": ["de-escalate"], "answerable": True})
        + "\n"
        + json.dumps({"id": "b", "question": "What is the capital of Peru?", "answers": [], "answerable": False})
        + "\n"
    )
    code, out, _ = run(
        capsys, "eval", str(questions), "--index", str(index[0]), "--report", str(tmp_path / "r"), "--json"
    )
    summary = json.loads(out)
    assert code == 0 and summary["questions"] == 2 and summary["answerable"] == 1
    assert 0 <= summary["accuracy"] <= 1 and (tmp_path / "r" / "report.md").is_file()


def test_eval_retrieval_on_a_tiny_beir_folder(tmp_path, capsys):
    from tests.fixtures.paths import DATA

    code, out, _ = run(capsys, "eval-retrieval", str(DATA / "beir-tiny"), "--json", "--run-file", str(tmp_path / "run"))
    summary = json.loads(out)
    assert code == 0 and summary["benchmark"] == "beir-tiny" and 0 <= summary["ndcg@10"] <= 1
    assert (tmp_path / "run").read_text().split("\n")[0].split()[1] == "Q0"
