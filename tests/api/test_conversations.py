"""Stored conversations over HTTP: asked in, reopened with their sources, renamed, exported, deleted, kept private;
a damaged database is a 503 that changes nothing; a server killed with SIGKILL mid-answer loses at most that answer.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import threading
import time

import httpx
import pytest

from assistant.api.app import create_app
from assistant.conversations.database import DATABASE_FILE
from assistant.embedding.fake import FakeEmbedder
from assistant.workspace import Workspace
from tests.fixtures.accounts import make_users_file, workspace_settings
from tests.fixtures.paths import LIGHTHOUSE, SEED_FILE
from tests.fixtures.servers import assistant_serve, free_port, launch, stop, uvicorn_thread, wait_for

LAMP = "Who designed the Kestrel Point lighthouse?"
FOLLOW_UP = "When was it first lit?"
NATO = "What did NATO call on Russia to do?"


def settings_for(folder, accounts, **overrides):
    return workspace_settings(folder, users_file=accounts.path, **overrides)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """(base URL, accounts): alice's 'default' holds the seed, her 'Lighthouses' lighthouse.txt."""
    folder = tmp_path_factory.mktemp("conversations")
    accounts = make_users_file(folder / "users.json")
    workspace = Workspace.from_settings(settings_for(folder, accounts), FakeEmbedder())
    alice = workspace.user("alice")
    workspace.ingest(alice, [SEED_FILE])
    workspace.ingest(alice, [LIGHTHOUSE], workspace.create_collection(alice, "Lighthouses").id)
    with uvicorn_thread(create_app(workspace)) as url:
        yield url, accounts
    workspace.close()


def sse(response: httpx.Response) -> list[tuple[str, dict]]:
    events, kind = [], "message"
    for line in response.iter_lines():
        if line.startswith("event:"):
            kind = line[6:].strip()
        elif line.startswith("data:"):
            events.append((kind, json.loads(line[5:])))
    return events


def test_a_conversation_keeps_its_answers_with_their_sources_and_resolves_follow_ups(alice):
    conversation = alice.post("/api/conversations", json={"collection": "Lighthouses"})
    assert conversation.status_code == 201, conversation.text
    conversation_id = conversation.json()["id"]
    first = alice.post("/api/ask", json={"question": LAMP, "conversation": conversation_id}).json()
    assert (first["conversation"], first["turn"]) == (conversation_id, 1) and "Marta Olsen" in first["answer"]
    with alice.stream("POST", "/api/chat/stream", json={"question": FOLLOW_UP, "conversation": conversation_id}) as r:
        events = sse(r)
    kind, second = events[-1]
    assert kind == "answer" and second["turn"] == 2 and "1887" in second["answer"]

    listed = alice.get("/api/conversations").json()
    assert listed[0]["id"] == conversation_id and listed[0]["title"] == LAMP and listed[0]["turns"] == 2
    transcript = alice.get(f"/api/conversations/{conversation_id}").json()
    turns = transcript["turns"]
    assert [turn["question"] for turn in turns] == [LAMP, FOLLOW_UP]
    assert [turn["citations"] for turn in turns] == [first["citations"], second["citations"]]
    assert all(turn["passages"] and turn["passages"][0]["source"] == "lighthouse.txt" for turn in turns)
    assert transcript["conversation"]["collection"] == turns[0]["collection"]


def test_rename_export_and_delete(alice):
    conversation_id = alice.post("/api/conversations", json={"title": "Seed questions"}).json()["id"]
    alice.post("/api/ask", json={"question": NATO, "conversation": conversation_id})
    renamed = alice.patch(f"/api/conversations/{conversation_id}", json={"title": "NATO, Dec 2021"})
    assert renamed.status_code == 200 and renamed.json()["title"] == "NATO, Dec 2021"
    bad = alice.patch(f"/api/conversations/{conversation_id}", json={"title": "two\nlines"})
    assert bad.status_code == 422 and bad.json()["error"]["param"] == "title"

    markdown = alice.get(f"/api/conversations/{conversation_id}/export")
    assert markdown.status_code == 200 and markdown.headers["content-type"].startswith("text/markdown")
    assert 'filename="NATO-Dec-2021.md"' in markdown.headers["content-disposition"]
    assert f"## 1. {NATO}" in markdown.text and SEED_FILE.name in markdown.text and "Sources:" in markdown.text
    exported = alice.get(f"/api/conversations/{conversation_id}/export", params={"format": "json"}).json()
    assert exported == alice.get(f"/api/conversations/{conversation_id}").json()

    assert alice.delete(f"/api/conversations/{conversation_id}").json() == {"id": conversation_id, "deleted": True}
    assert alice.get(f"/api/conversations/{conversation_id}").status_code == 404
    assert conversation_id not in {c["id"] for c in alice.get("/api/conversations").json()}


def test_another_users_conversation_is_a_404_like_a_missing_one(alice, bob):
    conversation_id = alice.post("/api/conversations", json={}).json()["id"]
    alice.post("/api/ask", json={"question": NATO, "conversation": conversation_id})
    missing = "0123456789abcdef"
    for method, path, body in (
        ("GET", "/api/conversations/{id}", None),
        ("GET", "/api/conversations/{id}/export", None),
        ("PATCH", "/api/conversations/{id}", {"title": "Mine now"}),
        ("DELETE", "/api/conversations/{id}", None),
        ("POST", "/api/ask", {"question": NATO, "conversation": "{id}"}),
        ("POST", "/api/chat/stream", {"question": NATO, "conversation": "{id}"}),
    ):
        bodies = []
        for reference in (conversation_id, missing):
            filled = json.loads(json.dumps(body).replace("{id}", reference)) if body else None
            response = bob.request(method, path.replace("{id}", reference), json=filled)
            assert response.status_code == 404, (path, response.text)
            answer = response.json()
            answer["error"]["message"] = answer["error"]["message"].replace(reference, "ID")
            bodies.append(answer)
        assert bodies[0] == bodies[1] and bodies[0]["error"]["param"] == "conversation", path
    assert conversation_id not in {c["id"] for c in bob.get("/api/conversations").json()}
    assert alice.get(f"/api/conversations/{conversation_id}").json()["conversation"]["turns"] == 1


def test_a_conversation_stays_with_its_collection(alice):
    conversation_id = alice.post("/api/conversations", json={"collection": "Lighthouses"}).json()["id"]
    moved = alice.post("/api/ask", json={"question": NATO, "conversation": conversation_id, "collection": "default"})
    assert moved.status_code == 422 and moved.json()["error"]["param"] == "collection"
    both = {"question": LAMP, "conversation": conversation_id, "history": [{"role": "user", "content": "Hi"}]}
    assert alice.post("/api/ask", json=both).json()["error"]["param"] == "history"


def test_a_damaged_database_is_a_503_that_names_no_path_and_changes_nothing(tmp_path):
    accounts = make_users_file(tmp_path / "users.json")
    settings = settings_for(tmp_path, accounts)
    (tmp_path / "index").mkdir()
    damaged = b"these are not the conversations you are looking for\n" * 80
    (tmp_path / "index" / DATABASE_FILE).write_bytes(damaged)
    workspace = Workspace.from_settings(settings, FakeEmbedder())
    workspace.ingest(workspace.user("alice"), [SEED_FILE])
    with (
        uvicorn_thread(create_app(workspace)) as url,
        httpx.Client(base_url=url, headers=accounts.auth("alice"), timeout=30) as client,
    ):
        for method, path, body in (
            ("GET", "/api/conversations", None),
            ("POST", "/api/conversations", {}),
            ("POST", "/api/ask", {"question": NATO, "conversation": "0123456789abcdef"}),
        ):
            response = client.request(method, path, json=body)
            assert response.status_code == 503, response.text
            error = response.json()["error"]
            assert error["code"] == "corrupt_data" and "assistant conversations recover" in error["message"]
            assert str(tmp_path) not in response.text
        assert client.post("/api/ask", json={"question": NATO}).status_code == 200  # no conversation: answered
    assert (tmp_path / "index" / DATABASE_FILE).read_bytes() == damaged


@pytest.mark.integration
def test_a_server_killed_mid_answer_loses_at_most_the_answers_in_flight(tmp_path):
    """`assistant serve` under a burst of asks in conversations, SIGKILLed: the database opens clean afterwards,
    and every answer a client received is stored whole, in its own conversation."""
    accounts = make_users_file(tmp_path / "users.json")
    env = {
        "ASSISTANT_USERS_FILE": str(accounts.path),
        "ASSISTANT_EMBEDDING_BACKEND": "fake",
        "ASSISTANT_REFUSAL_THRESHOLD": "0.3",
    }
    port, log = free_port(), tmp_path / "serve.log"
    process = launch(assistant_serve(port, tmp_path / "index", "--no-ui"), log, env)
    url = f"http://127.0.0.1:{port}"
    received: dict[str, list[tuple[int, str, str]]] = {}  # conversation -> (turn, question, answer) as received
    stop_at = time.monotonic() + 120
    try:
        wait_for(process, f"{url}/healthz", log)
        with LIGHTHOUSE.open("rb") as handle:
            httpx.post(f"{url}/api/documents", files={"file": handle}, headers=accounts.auth("alice"), timeout=60)
        conversations = [
            httpx.post(f"{url}/api/conversations", json={}, headers=accounts.auth(name), timeout=30).json()["id"]
            for name in ("alice", "bob", "alice", "bob")
        ]
        lock = threading.Lock()

        def client(conversation_id: str, name: str) -> None:
            number = 0
            with httpx.Client(base_url=url, headers=accounts.auth(name), timeout=30) as http:
                while time.monotonic() < stop_at:
                    number += 1
                    question = f"Question {number} of {conversation_id}: who designed the lighthouse?"
                    try:
                        body = http.post("/api/ask", json={"question": question, "conversation": conversation_id})
                    except httpx.HTTPError:
                        return  # the server is gone
                    if body.status_code != 200:
                        return
                    reply = body.json()
                    with lock:
                        received.setdefault(conversation_id, []).append((reply["turn"], question, reply["answer"]))

        names = ["alice", "bob", "alice", "bob"]
        threads = [threading.Thread(target=client, args=pair) for pair in zip(conversations, names, strict=True)]
        for thread in threads:
            thread.start()
        while sum(len(turns) for turns in received.values()) < 60 and time.monotonic() < stop_at:
            time.sleep(0.02)
        os.kill(process.pid, signal.SIGKILL)  # mid-burst: four answers are in flight
        process.wait(timeout=30)
        for thread in threads:
            thread.join(timeout=60)
    finally:
        if process.poll() is None:
            stop(process)
    assert sum(len(turns) for turns in received.values()) >= 60

    database = tmp_path / "index" / DATABASE_FILE
    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    workspace = Workspace.from_settings(settings_for(tmp_path, accounts), FakeEmbedder())
    for conversation_id, name in zip(conversations, names, strict=True):
        stored = workspace.transcript(workspace.user(name), conversation_id).turns
        got = received.get(conversation_id, [])
        # Every received answer is stored, in order, in its own conversation; at most the one in flight more.
        assert [(t.position, t.question, t.answer.text) for t in stored[: len(got)]] == got
        assert len(got) <= len(stored) <= len(got) + 1
        assert [t.position for t in stored] == list(range(1, len(stored) + 1))
        assert all(conversation_id in t.question for t in stored)
    workspace.close()
