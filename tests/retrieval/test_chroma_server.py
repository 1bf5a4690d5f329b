"""Scale-out: a real Chroma server on loopback behind ASSISTANT_CHROMA_URL; two `assistant serve` processes on it."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path
from unittest import mock

import httpx
import pytest

from assistant.assistant import Assistant
from assistant.core.config import Settings
from assistant.documents.loaders import load
from assistant.retrieval.store import ChromaStore
from tests.fixtures.paths import ROOT, SEED_FILE, SEEDS
from tests.fixtures.servers import assistant_serve, free_port, launch, running, stop, wait_for

pytestmark = pytest.mark.integration
SEED_TEXT = load(SEED_FILE).text
SEED_QUESTIONS = [json.loads(line) for line in (ROOT / "tests" / "data" / "seed_questions.jsonl").open()]
# Every sixth question, answerable and not: enough to compare the stores, and affordable on a busy 2-core machine.
SAMPLE = SEED_QUESTIONS[::6]
LIGHTHOUSE = ROOT / "tests" / "data" / "lighthouse.txt"


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory):
    chroma = Path(sys.executable).parent / "chroma"
    if not chroma.is_file():
        pytest.skip(f"no `chroma` command beside {sys.executable} (it comes with the chromadb package)")
    folder = tmp_path_factory.mktemp("chroma")
    port = free_port()
    command = [str(chroma), "run", "--path", str(folder / "data"), "--host", "127.0.0.1", "--port", str(port)]
    with running(command, "/api/v2/heartbeat", port, folder / "chroma.log") as url:
        yield url


def remote_assistant(chroma_url: str, embedder, index_dir: Path, **overrides) -> Assistant:
    """An Assistant configured the way users do it: through the ASSISTANT_CHROMA_URL environment variable."""
    with mock.patch.dict(os.environ, {"ASSISTANT_CHROMA_URL": chroma_url}):
        settings = Settings(index_dir=index_dir, **overrides)
    assert settings.chroma_url == chroma_url
    return Assistant(settings, ChromaStore(settings), embedder)


@pytest.fixture(scope="module")
def remote(chroma_url, real_embedder, tmp_path_factory):
    """The seeds ingested into the Chroma server: (assistant, report of the first ingest)."""
    unused = tmp_path_factory.mktemp("remote") / "index"
    assistant = remote_assistant(chroma_url, real_embedder, unused)
    report = assistant.ingest([SEEDS], progress=False)
    assert not unused.exists(), "the embedded store was used although ASSISTANT_CHROMA_URL is set"
    return assistant, report


def test_ingest_through_the_server_is_incremental(remote):
    assistant, first = remote
    assert first.files == 1 and first.chunks_embedded > 0
    again = assistant.ingest([SEEDS], progress=False)
    assert again.chunks_embedded == 0 and again.chunks_unchanged == first.chunks_embedded
    assert assistant.store.count() == first.chunks_embedded
    assert [doc.source for doc in assistant.documents()] == [SEED_FILE.name]


def test_server_answers_equal_embedded_answers(remote, seeded_index):
    assistant, _ = remote
    for item in SAMPLE:
        got, expected = assistant.ask(item["question"]).to_dict(), seeded_index.ask(item["question"]).to_dict()
        assert (got["answer"], got["refused"]) == (expected["answer"], expected["refused"]), item["id"]
        for citation in got["citations"]:
            assert SEED_TEXT[citation["start"] : citation["end"]] == citation["quote"]


def test_sync_replaces_changed_and_removes_vanished_files(chroma_url, real_embedder, tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    shutil.copy(SEED_FILE, folder)
    shutil.copy(LIGHTHOUSE, folder)
    assistant = remote_assistant(chroma_url, real_embedder, tmp_path / "index", collection="sync-test")
    assert assistant.ingest([folder], progress=False).files == 2
    (folder / LIGHTHOUSE.name).write_text(LIGHTHOUSE.read_text() + "\nThe light was automated in 1979.\n")
    changed = assistant.ingest([folder], progress=False)
    assert changed.chunks_embedded > 0 and changed.chunks_removed > 0
    assert "1979" in assistant.ask("When was the light automated?").text
    (folder / LIGHTHOUSE.name).unlink()
    removed = assistant.ingest([folder], progress=False)
    assert removed.chunks_removed > 0
    assert [doc.source for doc in assistant.documents()] == [SEED_FILE.name]
    assert assistant.ask("Who designed the Kestrel Point lighthouse?").refused


@pytest.fixture(scope="module")
def two_servers(remote, chroma_url, tmp_path_factory):
    """Two `assistant serve --no-ui` processes on the one Chroma server, started side by side."""
    folder = tmp_path_factory.mktemp("two")
    ports = [free_port(), free_port()]
    # The same embedder as the `remote` fixture's (real_embedder, PyTorch): a different one would rebuild the index.
    env = {"ASSISTANT_CHROMA_URL": chroma_url, "ASSISTANT_EMBEDDING_BACKEND": "torch"}
    logs = [folder / f"serve-{n}.log" for n in (1, 2)]
    processes = [
        launch(assistant_serve(port, folder / f"index-{n}", "--no-ui"), log, env)
        for n, port, log in zip((1, 2), ports, logs, strict=True)
    ]
    try:
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        for process, url, log in zip(processes, urls, logs, strict=True):
            wait_for(process, url + "/healthz", log)
        yield urls
    finally:
        for process in processes:
            stop(process)


def test_two_servers_answer_consistently(two_servers, remote):
    assistant, _ = remote
    first, second = two_servers
    for item in SAMPLE[1::2]:
        answers = [
            httpx.post(f"{url}/api/ask", json={"question": item["question"]}, timeout=60).json()
            for url in (first, second)
        ]
        expected = assistant.ask(item["question"]).to_dict()
        for answer in answers:
            assert (answer["answer"], answer["citations"]) == (expected["answer"], expected["citations"]), item["id"]


def test_a_document_uploaded_to_one_server_is_served_by_the_other(two_servers):
    first, second = two_servers
    with LIGHTHOUSE.open("rb") as handle:
        uploaded = httpx.post(f"{first}/api/documents", files={"file": (LIGHTHOUSE.name, handle)}, timeout=120)
    assert uploaded.status_code == 201, uploaded.text
    [document] = uploaded.json()["documents"]
    assert document["id"] in {doc["id"] for doc in httpx.get(f"{second}/api/documents").json()["documents"]}
    answer = httpx.post(
        f"{second}/api/ask", json={"question": "Who designed the Kestrel Point lighthouse?"}, timeout=60
    ).json()
    assert "Marta Olsen" in answer["answer"]
    assert httpx.delete(f"{second}/api/documents/{document['id']}", timeout=60).status_code == 200
    assert document["id"] not in {doc["id"] for doc in httpx.get(f"{first}/api/documents").json()["documents"]}
    assert httpx.post(
        f"{first}/api/ask", json={"question": "Who designed the Kestrel Point lighthouse?"}, timeout=60
    ).json()["refused"]
    health = [httpx.get(f"{url}/healthz").json() for url in (first, second)]
    assert health[0] == health[1] and health[0]["store"] == "chroma-server"


def test_a_document_replaced_through_one_server_is_current_on_the_other(two_servers):
    """The replacement has as many chunks as the original: the other server must notice all the same."""
    first, second = two_servers
    question = {"question": "Who designed the Kestrel Point lighthouse?"}
    original = LIGHTHOUSE.read_text()
    replaced = original.replace("Marta Olsen", "Ingrid Berg")
    try:
        for text, designer in ((original, "Marta Olsen"), (replaced, "Ingrid Berg")):
            upload = {"file": (LIGHTHOUSE.name, text.encode())}
            response = httpx.post(f"{first}/api/documents", files=upload, timeout=120)
            assert response.status_code == 201, response.text
            for url in (first, second):
                answer = httpx.post(f"{url}/api/ask", json=question, timeout=60).json()
                assert designer in answer["answer"], (url, answer["answer"])
                assert all(c["quote"] in text for c in answer["citations"] if c["source"] == LIGHTHOUSE.name)
    finally:
        for document in httpx.get(f"{first}/api/documents").json()["documents"]:
            if document["source"] == LIGHTHOUSE.name:
                httpx.delete(f"{first}/api/documents/{document['id']}", timeout=60)
