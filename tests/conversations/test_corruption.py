"""A damaged conversation database: a clear error that names the file and the way out, never an empty database."""

from __future__ import annotations

import sqlite3

import pytest

from assistant.conversations.database import MIGRATIONS
from assistant.conversations.recovery import recover
from assistant.conversations.store import ConversationStore
from assistant.core.errors import ConfigurationError, CorruptDataError

CONVERSATIONS = 4
TURNS = 30
PAGE = 4096


@pytest.fixture
def filled(tmp_path, answer_for):
    """A closed database of 4 conversations of 30 turns each (the WAL folded into the file), and their ids."""
    path = tmp_path / "conversations.sqlite3"
    store = ConversationStore(path)
    ids = []
    for number in range(CONVERSATIONS):
        conversation = store.create(f"user{number % 2}", "papers")
        ids.append(conversation.id)
        for turn in range(TURNS):
            store.append(
                conversation.owner, conversation.id, f"question c{number}-t{turn}?", answer_for(f"c{number}-t{turn}")
            )
    store.close()
    assert not (tmp_path / "conversations.sqlite3-wal").exists()
    return path, ids


def _damaged_copies(good: bytes) -> dict[str, bytes]:
    return {
        "text": b"these are not the conversations you are looking for\n" * 80,
        "zeros": bytes(2 * PAGE),
        "first half": good[: len(good) // 2],
        "first page": good[:PAGE],
        "header only": good[:100],
    }


@pytest.mark.parametrize("kind", ["text", "zeros", "first half", "first page", "header only"])
def test_a_file_that_is_not_a_whole_database_is_refused_named_and_left_as_it_was(filled, kind):
    path, _ = filled
    damaged = _damaged_copies(path.read_bytes())[kind]
    path.write_bytes(damaged)
    with pytest.raises(CorruptDataError) as raised:
        ConversationStore(path)
    message = str(raised.value)
    assert str(path) in message and "assistant conversations recover" in message and raised.value.path == str(path)
    assert path.read_bytes() == damaged  # never emptied, never replaced


def _overwrite_page_holding(path, marker: bytes) -> None:
    data = bytearray(path.read_bytes())
    page = data.index(marker) // PAGE
    data[page * PAGE : (page + 1) * PAGE] = b"\xff" * PAGE
    path.write_bytes(bytes(data))


def test_a_damaged_page_fails_the_check_and_recovery_saves_every_other_turn(filled, answer_for):
    path, ids = filled
    _overwrite_page_holding(path, b"question c1-t20?")
    damaged = path.read_bytes()
    with pytest.raises(CorruptDataError, match="malformed"):
        ConversationStore(path)

    recovery = recover(path)
    assert recovery.kept_as.read_bytes() == damaged and recovery.kept_as.parent == path.parent  # kept, unchanged
    assert recovery.kept_as.name.startswith("conversations.sqlite3.corrupt-")
    assert recovery.conversations == CONVERSATIONS and recovery.read_errors > 0
    assert CONVERSATIONS * TURNS - 10 <= recovery.turns < CONVERSATIONS * TURNS  # one page: a handful of turns
    store = ConversationStore(path)  # opens cleanly now
    assert store._connection.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    saved = 0
    for number, conversation_id in enumerate(ids):
        turns = store.turns(f"user{number % 2}", conversation_id)
        saved += len(turns)
        for turn in turns:  # each saved turn is whole and is the one written at its place
            label = f"c{number}-t{turn.position - 1}"
            assert turn.question == f"question {label}?" and turn.answer == answer_for(label)
    assert saved == recovery.turns
    damaged_conversation = store.turns("user1", ids[1])
    assert len(damaged_conversation) < TURNS
    # The conversation goes on after its last turn, also when one in the middle was lost.
    assert store.append("user1", ids[1], "And then?", answer_for("next")).position == TURNS + 1
    store.close()


def test_when_the_conversations_table_is_lost_its_turns_are_counted_not_attributed_to_anyone(filled):
    path, _ = filled
    connection = sqlite3.connect(path)
    (root,) = connection.execute("SELECT rootpage FROM sqlite_master WHERE name = 'conversations'").fetchone()
    connection.close()
    data = bytearray(path.read_bytes())
    data[(root - 1) * PAGE : root * PAGE] = b"\xff" * PAGE
    path.write_bytes(bytes(data))

    recovery = recover(path)
    assert (recovery.conversations, recovery.turns) == (0, 0)
    assert recovery.skipped_turns == CONVERSATIONS * TURNS and recovery.kept_as.exists()
    assert ConversationStore(path).list_for("user0") == []


def test_recovery_of_a_file_that_is_not_a_database_keeps_it_and_starts_a_new_one(tmp_path):
    path = tmp_path / "conversations.sqlite3"
    path.write_bytes(b"not a database" * 100)
    recovery = recover(path)
    assert (recovery.conversations, recovery.turns) == (0, 0)
    assert recovery.kept_as.read_bytes() == b"not a database" * 100
    assert ConversationStore(path).list_for("anyone") == []


def test_recovery_keeps_the_wal_with_the_file_and_reads_what_it_holds(tmp_path, answer_for):
    path = tmp_path / "conversations.sqlite3"
    store = ConversationStore(path)
    conversation = store.create("alice", "papers")
    store.append("alice", conversation.id, "Kept only in the WAL?", answer_for("wal"))
    # Not closed: the turn is in conversations.sqlite3-wal, as when a server is killed.
    assert (tmp_path / "conversations.sqlite3-wal").stat().st_size > 0
    recovery = recover(path)
    assert (recovery.conversations, recovery.turns) == (1, 1)
    assert recovery.kept_as.with_name(recovery.kept_as.name + "-wal").exists()
    assert ConversationStore(path).turns("alice", conversation.id)[0].answer == answer_for("wal")
    store.close()


def test_recovering_a_missing_file_says_so(tmp_path):
    with pytest.raises(ConfigurationError, match="nothing to recover"):
        recover(tmp_path / "missing.sqlite3")


def test_another_sqlite_database_is_refused_not_written_to(tmp_path):
    path = tmp_path / "other.sqlite3"
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE invoices (id INTEGER)")
    connection.commit()
    connection.close()
    before = path.read_bytes()
    with pytest.raises(ConfigurationError, match="not a conversation database"):
        ConversationStore(path)
    assert path.read_bytes() == before


def test_a_database_from_a_newer_version_is_refused(tmp_path):
    path = tmp_path / "conversations.sqlite3"
    ConversationStore(path).close()
    connection = sqlite3.connect(path)
    connection.execute("UPDATE schema_version SET version = ?", (max(MIGRATIONS) + 1,))
    connection.commit()
    connection.close()
    with pytest.raises(ConfigurationError, match="newer assistant"):
        ConversationStore(path)
