"""The conversation store: each user's conversations and their turns in one SQLite file, one transaction a turn."""

from __future__ import annotations

import contextlib
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from assistant.conversations.database import DATABASE_FILE, open_database, translated_errors
from assistant.conversations.records import (
    Conversation,
    Transcript,
    Turn,
    answer_columns,
    answer_from_columns,
    check_title,
    shown,
    title_from,
)
from assistant.core.config import Settings
from assistant.core.errors import ConversationNotFoundError
from assistant.core.types import Answer

Message = dict[str, str]
_CONVERSATION_COLUMNS = (
    "id, owner, collection, title, created, updated, "
    "(SELECT count(*) FROM turns WHERE turns.conversation = conversations.id) AS turns"
)


class ConversationStore:
    """Conversations of every user; each call names the user, and only sees that user's conversations.

    One connection serves all threads, one call at a time (a lock): a call takes milliseconds, an answer seconds.
    Other processes may open the same file; SQLite's locks and WAL keep them consistent.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._connection = open_database(self.path)
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> ConversationStore:
        return cls(Path(settings.data_dir or settings.index_dir) / DATABASE_FILE)

    def close(self) -> None:
        with self._lock:
            self._connection.close()

    # -- conversations ----------------------------------------------------------------------------
    def create(self, owner: str, collection: str, title: str | None = None) -> Conversation:
        """A new empty conversation; without a title it takes one from its first question."""
        title = "" if title is None else check_title(title)
        now = time.time()
        conversation = Conversation(secrets.token_hex(8), owner, collection, title, now, now, 0)
        with self._write() as connection:
            connection.execute(
                "INSERT INTO conversations (id, owner, collection, title, created, updated) VALUES (?, ?, ?, ?, ?, ?)",
                (conversation.id, owner, collection, title, now, now),
            )
        return conversation

    def list_for(self, owner: str, limit: int | None = None) -> list[Conversation]:
        """The user's conversations, the most recently updated first."""
        with self._read() as connection:
            rows = connection.execute(
                f"SELECT {_CONVERSATION_COLUMNS} FROM conversations WHERE owner = ? "
                "ORDER BY updated DESC, rowid DESC LIMIT ?",
                (owner, -1 if limit is None else limit),
            ).fetchall()
        return [_conversation(row) for row in rows]

    def get(self, owner: str, conversation_id: str) -> Conversation:
        """The conversation, when it is the user's; another user's id fails exactly like a missing one."""
        with self._read() as connection:
            return self._owned(connection, owner, conversation_id)

    def rename(self, owner: str, conversation_id: str, title: str) -> Conversation:
        title = check_title(title)
        with self._write() as connection:
            self._owned(connection, owner, conversation_id)
            connection.execute("UPDATE conversations SET title = ? WHERE id = ?", (title, conversation_id))
            return self._owned(connection, owner, conversation_id)

    def delete(self, owner: str, conversation_id: str) -> None:
        """Delete the conversation and its turns."""
        with self._write() as connection:
            self._owned(connection, owner, conversation_id)
            connection.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))

    # -- turns ------------------------------------------------------------------------------------
    def append(
        self, owner: str, conversation_id: str, question: str, answer: Answer, collection: str | None = None
    ) -> Turn:
        """Store one question and its answer in one transaction: after a crash the turn is there whole, or not at all.

        `collection` is the collection that answered (default: the conversation's). The first turn titles an
        untitled conversation.
        """
        columns = answer_columns(answer)  # before the transaction: a value JSON cannot hold fails here
        now = time.time()
        with self._write() as connection:
            conversation = self._owned(connection, owner, conversation_id)
            # After the largest, not the count: a recovered conversation may have lost a turn in the middle.
            (position,) = connection.execute(
                "SELECT COALESCE(MAX(position), 0) + 1 FROM turns WHERE conversation = ?", (conversation_id,)
            ).fetchone()
            answered_by = collection or conversation.collection
            connection.execute(
                "INSERT INTO turns (conversation, position, collection, question, answer, refused, citations, "
                "passages, sentences, extras, timings, created) "
                "VALUES (:conversation, :position, :collection, :question, :answer, :refused, :citations, "
                ":passages, :sentences, :extras, :timings, :created)",
                {
                    **columns,
                    "conversation": conversation_id,
                    "position": position,
                    "collection": answered_by,
                    "question": question,
                    "created": now,
                },
            )
            title = conversation.title or title_from(question)
            connection.execute(
                "UPDATE conversations SET updated = ?, title = ? WHERE id = ?", (now, title, conversation_id)
            )
        return Turn(conversation_id, position, question, answer, answered_by, now)

    def turns(self, owner: str, conversation_id: str) -> list[Turn]:
        """The conversation's turns in order, each answer with its citations and passages as they were."""
        return self.export(owner, conversation_id).turns

    def history(self, owner: str, conversation_id: str, last: int | None = None) -> list[Message]:
        """The last `last` turns (all when None) as `{"role", "content"}` messages, to answer a follow-up."""
        turns = self.turns(owner, conversation_id)
        chosen = turns if last is None else turns[-last:] if last > 0 else []
        messages: list[Message] = []
        for turn in chosen:
            messages += [{"role": "user", "content": turn.question}, {"role": "assistant", "content": turn.answer.text}]
        return messages

    def export(self, owner: str, conversation_id: str) -> Transcript:
        """The conversation and all its turns, read in one transaction."""
        with self._read() as connection:
            conversation = self._owned(connection, owner, conversation_id)
            rows = connection.execute(
                "SELECT * FROM turns WHERE conversation = ? ORDER BY position", (conversation_id,)
            ).fetchall()
        return Transcript(conversation, [_turn(row) for row in rows])

    # -- connection -------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: its queries see one state of the file, whatever other processes commit meanwhile."""
        with self._transaction("BEGIN") as connection:
            yield connection

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction; IMMEDIATE takes the write lock first, so two writers never deadlock on an upgrade."""
        with self._transaction("BEGIN IMMEDIATE") as connection:
            yield connection

    @contextlib.contextmanager
    def _transaction(self, begin: str) -> Iterator[sqlite3.Connection]:
        with self._lock, translated_errors(self.path):
            connection = self._connection
            connection.execute(begin)
            try:
                yield connection
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")

    @staticmethod
    def _owned(connection: sqlite3.Connection, owner: str, conversation_id: str) -> Conversation:
        row = connection.execute(
            f"SELECT {_CONVERSATION_COLUMNS} FROM conversations WHERE id = ? AND owner = ?",
            (conversation_id, owner),
        ).fetchone()
        if row is None:
            # The same message for a missing id and for another user's: it must not tell which.
            raise ConversationNotFoundError(
                f"No conversation {shown(conversation_id)} is yours; pick one from the list of your conversations."
            )
        return _conversation(row)


def _turn(row: sqlite3.Row) -> Turn:
    answer = answer_from_columns(row)
    return Turn(row["conversation"], row["position"], row["question"], answer, row["collection"], row["created"])


def _conversation(row: sqlite3.Row) -> Conversation:
    return Conversation(
        row["id"], row["owner"], row["collection"], row["title"], row["created"], row["updated"], row["turns"]
    )
