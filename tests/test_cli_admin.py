"""The admin commands in-process (`main(argv)`): users, collections, conversations, and `--collection` on ingest/ask.

A real users file (cheap Argon2), a real Chroma and SQLite in tmp_path, the fake embedder.
"""

from __future__ import annotations

import io
import json

import pytest

from assistant.cli import EXIT_USAGE, main
from assistant.conversations.database import DATABASE_FILE
from tests.fixtures.paths import LIGHTHOUSE, SEEDS

LAMP = "Who designed the Kestrel Point lighthouse?"


@pytest.fixture(autouse=True)
def environment(monkeypatch, tmp_path):
    """The fake embedder, an index in tmp_path, cheap Argon2 for the users the tests add."""
    from argon2 import PasswordHasher

    monkeypatch.setenv("ASSISTANT_EMBEDDING_BACKEND", "fake")
    monkeypatch.setenv("ASSISTANT_REFUSAL_THRESHOLD", "0.3")
    monkeypatch.setenv("ASSISTANT_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.delenv("ASSISTANT_USERS_FILE", raising=False)
    monkeypatch.setattr(
        "assistant.accounts.passwords.HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )


def run(capsys, monkeypatch, *argv: str, stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys, monkeypatch, *argv: str, stdin: str = "") -> dict:
    code, out, err = run(capsys, monkeypatch, *argv, "--json", stdin=stdin)
    assert code == 0, err
    return json.loads(out)


def test_users_are_added_listed_keyed_revoked_and_removed(capsys, monkeypatch, tmp_path):
    users = str(tmp_path / "users.json")
    added = run_json(capsys, monkeypatch, "users", "add", "alice", "--admin", "--password-stdin", "--file", users,
                     stdin="a-long-password\n")  # fmt: skip
    assert added == {"added": "alice", "admin": True, "file": users}
    run_json(capsys, monkeypatch, "users", "add", "bob", "--password-stdin", "--file", users, stdin="bobs-password\n")
    key = run_json(capsys, monkeypatch, "users", "key", "bob", "--label", "laptop", "--file", users)["api_key"]
    assert key.startswith("ask_") and key not in (tmp_path / "users.json").read_text()
    listed = run_json(capsys, monkeypatch, "users", "list", "--file", users)["users"]
    assert [(user["name"], user["admin"]) for user in listed] == [("alice", True), ("bob", False)]
    assert [k["label"] for k in listed[1]["api_keys"]] == ["laptop"]
    assert run_json(capsys, monkeypatch, "users", "revoke", "bob", "--file", users)["revoked"] == 1
    run_json(capsys, monkeypatch, "users", "passwd", "bob", "--password-stdin", "--file", users, stdin="another-one\n")
    run_json(capsys, monkeypatch, "users", "remove", "bob", "--file", users)
    assert [user["name"] for user in run_json(capsys, monkeypatch, "users", "list", "--file", users)["users"]] == [
        "alice"
    ]


@pytest.mark.parametrize(
    ("argv", "stdin", "message"),
    [
        (["users", "list"], "", "Pass --file PATH, or set ASSISTANT_USERS_FILE"),
        (["users", "add", "../x", "--password-stdin"], "a-long-password\n", "A user name may hold only"),
        (["users", "add", "carol", "--password-stdin"], "short\n", "at least 8 characters"),
        (["users", "add", "alice", "--password-stdin"], "a-long-password\n", "already has a user 'alice'"),
        (["users", "passwd", "nobody", "--password-stdin"], "a-long-password\n", "has no user 'nobody'"),
    ],
)
def test_user_commands_refuse_bad_input_clearly(capsys, monkeypatch, tmp_path, argv, stdin, message):
    users = tmp_path / "users.json"
    run(capsys, monkeypatch, "users", "add", "alice", "--password-stdin", "--file", str(users), stdin="long-enough\n")
    file_option = [] if argv == ["users", "list"] else ["--file", str(users)]
    code, out, err = run(capsys, monkeypatch, *argv, *file_option, stdin=stdin)
    assert code == EXIT_USAGE and out == "" and message in err


def test_collections_keep_ingests_and_questions_apart(capsys, monkeypatch):
    run_json(capsys, monkeypatch, "ingest", str(SEEDS))
    made = run_json(capsys, monkeypatch, "collections", "create", "Lighthouses")["create"]
    assert made["name"] == "Lighthouses" and made["owner"] == "local"
    assert run_json(capsys, monkeypatch, "ingest", str(LIGHTHOUSE), "--collection", "Lighthouses")["files"] == 1
    answer = run_json(capsys, monkeypatch, "ask", LAMP, "--collection", "Lighthouses")
    assert "Marta Olsen" in answer["answer"] and {c["source"] for c in answer["citations"]} == {"lighthouse.txt"}
    elsewhere = run_json(capsys, monkeypatch, "ask", LAMP)  # 'default' holds only the seed
    assert all(c["source"] != "lighthouse.txt" for c in elsewhere["citations"])
    listed = run_json(capsys, monkeypatch, "collections", "list")["collections"]
    assert [c["label"] for c in listed] == ["default", "Lighthouses"]
    run_json(capsys, monkeypatch, "collections", "rename", "Lighthouses", "Towers")
    run_json(capsys, monkeypatch, "collections", "share", "Towers", "*")
    assert run_json(capsys, monkeypatch, "collections", "delete", "Towers")["delete"]["name"] == "Towers"
    code, _, err = run(capsys, monkeypatch, "ask", LAMP, "--collection", "Towers")
    assert code == EXIT_USAGE and "No collection 'Towers'" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["collections", "create", "../x"], "cannot hold '/'"),
        (["collections", "create", "/etc/passwd"], "absolute path"),
        (["collections", "create", "x" * 300], "at most 64 characters"),
        (["ingest", str(LIGHTHOUSE), "--collection", "../../etc"], "cannot hold '/'"),
        (["ask", LAMP, "--collection", ".."], "dots only"),
        (["ask", LAMP, "--collection", "nowhere"], "No collection 'nowhere'"),
    ],
)
def test_collection_names_that_try_to_escape_get_a_clear_error(capsys, monkeypatch, tmp_path, argv, message):
    run_json(capsys, monkeypatch, "ingest", str(SEEDS))
    before = sorted(path.name for path in (tmp_path / "index").iterdir())
    code, out, err = run(capsys, monkeypatch, *argv)
    assert code == EXIT_USAGE and out == "" and message in err and len(err) < 400
    assert sorted(path.name for path in (tmp_path / "index").iterdir()) == before


def test_ask_in_a_conversation_then_list_export_and_recover_it(capsys, monkeypatch, tmp_path):
    run_json(capsys, monkeypatch, "ingest", str(LIGHTHOUSE))
    from assistant.core.config import Settings
    from assistant.workspace import Workspace

    workspace = Workspace.from_settings(Settings())
    conversation = workspace.start_conversation(workspace.user())
    workspace.close()
    first = run_json(capsys, monkeypatch, "ask", LAMP, "--conversation", conversation.id)
    second = run_json(capsys, monkeypatch, "ask", "When was it first lit?", "--conversation", conversation.id)
    assert (first["turn"], second["turn"]) == (1, 2) and "1887" in second["answer"]
    [listed] = run_json(capsys, monkeypatch, "conversations", "list")["conversations"]
    assert listed["id"] == conversation.id and listed["title"] == LAMP and listed["turns"] == 2
    code, markdown, _ = run(capsys, monkeypatch, "conversations", "export", conversation.id)
    assert code == 0 and f"## 1. {LAMP}" in markdown and "lighthouse.txt" in markdown

    database = tmp_path / "index" / DATABASE_FILE
    database.write_bytes(database.read_bytes()[:4096])  # cut short: SQLite cannot read it
    code, _, err = run(capsys, monkeypatch, "ask", LAMP, "--conversation", conversation.id)
    assert code == EXIT_USAGE and "is damaged" in err and "assistant conversations recover" in err
    recovered = run_json(capsys, monkeypatch, "conversations", "recover")
    assert recovered["path"] == str(database) and recovered["kept_as"].startswith(str(database) + ".corrupt-")
    assert run_json(capsys, monkeypatch, "conversations", "list")["conversations"] == []  # opens again, empty


def test_another_users_conversation_is_not_found_from_the_command_line(capsys, monkeypatch, tmp_path):
    users = str(tmp_path / "users.json")
    for name in ("alice", "bob"):
        run(capsys, monkeypatch, "users", "add", name, "--password-stdin", "--file", users, stdin="long-enough\n")
    monkeypatch.setenv("ASSISTANT_USERS_FILE", users)
    run_json(capsys, monkeypatch, "ingest", str(LIGHTHOUSE))  # as alice, the first user
    first = run_json(capsys, monkeypatch, "ask", LAMP)
    assert first["citations"]
    from assistant.core.config import Settings
    from assistant.workspace import Workspace

    workspace = Workspace.from_settings(Settings())
    conversation = workspace.start_conversation(workspace.user("alice"))
    workspace.close()
    code, _, err = run(capsys, monkeypatch, "conversations", "export", conversation.id, "--user", "bob")
    assert code == EXIT_USAGE and f"No conversation '{conversation.id}' is yours" in err
    code, _, err = run(capsys, monkeypatch, "ingest", str(LIGHTHOUSE), "--user", "bob")
    assert code == EXIT_USAGE and "only its owner" in err
    code, _, err = run(capsys, monkeypatch, "ask", LAMP, "--user", "carol")
    assert code == EXIT_USAGE and "No user 'carol'" in err
