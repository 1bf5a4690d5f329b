"""The command line end to end in real subprocesses: the real model and index, a fast --help, a killed ingest."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.fixtures.paths import ROOT, SEED_FILE, SEEDS

pytestmark = pytest.mark.integration


def run(*args, check=True, env=None):
    result = subprocess.run(
        [sys.executable, "-m", "assistant", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        timeout=300,
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    index = tmp_path_factory.mktemp("cli") / "index"
    first = json.loads(run("ingest", str(SEEDS), "--index", str(index), "--json").stdout)
    assert first["files"] == 1 and first["chunks_embedded"] > 0 and first["skipped"] == 0
    return index, first


def test_second_ingest_embeds_nothing(index):
    path, first = index
    second = json.loads(run("ingest", str(SEEDS), "--index", str(path), "--json").stdout)
    assert second["chunks_embedded"] == 0
    assert second["chunks_unchanged"] == first["chunks_embedded"]
    assert set(second) == {"files", "skipped", "chunks_embedded", "chunks_unchanged", "chunks_removed", "seconds"}


def test_ask_json_is_the_design_contract(index):
    result = run("ask", "What did NATO call on Russia to do?", "--index", str(index[0]), "--json")
    answer = json.loads(result.stdout)
    assert set(answer) == {"answer", "refused", "citations", "timings"}
    assert not answer["refused"] and "de-escalate" in answer["answer"]
    text = SEED_FILE.read_text(encoding="utf-8")
    for citation in answer["citations"]:
        assert set(citation) == {"n", "source", "chunk_id", "quote", "start", "end", "score"}
        assert text[citation["start"] : citation["end"]] == citation["quote"]


def test_ask_plain_prints_answer_then_sources(index):
    out = run("ask", "Who is NATO's secretary-general?", "--index", str(index[0])).stdout
    assert "Stoltenberg" in out and "Sources:" in out and "[1] nato_statement" in out


def test_help_is_fast_and_lists_commands():
    started = time.perf_counter()
    out = run("--help").stdout
    assert "ingest" in out and "ask" in out
    probe = subprocess.run(
        [sys.executable, "-c", "import sys, assistant.cli as c; c.build_parser(); print('torch' in sys.modules)"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert probe.stdout.strip() == "False", "building the CLI must not import torch"
    assert time.perf_counter() - started < 60


def test_interrupted_ingest_still_answers_and_next_run_completes(tmp_path):
    """Kill an ingest part-way (SIGKILL): the index keeps answering and the next run finishes the job."""
    docs = tmp_path / "docs"
    docs.mkdir()
    base = SEED_FILE.read_text(encoding="utf-8")
    for number in range(30):
        (docs / f"doc{number:02d}.txt").write_text(f"Document number {number}.\n\n{base}", encoding="utf-8")
    index = tmp_path / "index"
    small_chunks = {"ASSISTANT_CHUNK_SIZE": "200", "ASSISTANT_CHUNK_OVERLAP": "20"}  # ~20 chunks a file: 2+ batches
    command = [sys.executable, "-m", "assistant", "-v", "ingest", str(docs), "--index", str(index), "--json"]
    process = subprocess.Popen(
        command, cwd=ROOT, stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env={**os.environ, **small_chunks}
    )
    for line in process.stderr:
        if "INFO assistant.documents.ingest: stored" in line:  # the first batch of files is stored; more are on the way
            process.send_signal(signal.SIGKILL)
            break
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL, "the ingest finished before it could be interrupted"
    question = ("ask", "What did NATO call on Russia to do?", "--index", str(index), "--json")
    answer = json.loads(run(*question, env=small_chunks).stdout)
    assert not answer["refused"]
    resumed = json.loads(run("ingest", str(docs), "--index", str(index), "--json", env=small_chunks).stdout)
    assert resumed["files"] == 30 and resumed["chunks_embedded"] > 0 and resumed["chunks_unchanged"] > 0
    again = json.loads(run("ingest", str(docs), "--index", str(index), "--json", env=small_chunks).stdout)
    assert again["chunks_embedded"] == 0
    assert again["chunks_unchanged"] == resumed["chunks_embedded"] + resumed["chunks_unchanged"]
