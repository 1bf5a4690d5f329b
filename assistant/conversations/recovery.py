"""Recovery of a damaged conversation database: the file is kept aside and what can be read goes into a new one."""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.conversations.database import open_database
from assistant.conversations.records import answer_from_columns
from assistant.core.errors import ConfigurationError

logger = logging.getLogger(__name__)

CONVERSATION_COLUMNS = ("id", "owner", "collection", "title", "created", "updated")
TURN_COLUMNS = (
    "conversation",
    "position",
    "collection",
    "question",
    "answer",
    "refused",
    "citations",
    "passages",
    "sentences",
    "extras",
    "timings",
    "created",
)
# Unreadable rows in a row after which a table is taken as read to its end (a lost page holds tens of rows).
MAX_UNREADABLE_STREAK = 10_000


@dataclass(frozen=True)
class Recovery:
    """What `recover` did: where the damaged file was kept and what the new database holds.

    `read_errors` counts the places (row ids) SQLite could not read; `skipped_turns` the turns read but left out
    because their conversation was lost or their answer could not be decoded.
    """

    path: Path
    kept_as: Path
    conversations: int
    turns: int
    read_errors: int
    skipped_turns: int


def recover(path: Path) -> Recovery:
    """Move the database at `path` aside (never deleted) and copy every readable conversation into a new one there.

    Run it while no server has the database open.
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigurationError(f"There is no conversation database at {path}; nothing to recover.")
    kept = _move_aside(path)
    with tempfile.TemporaryDirectory() as scratch:
        # Read a copy: opening the kept file could make SQLite write to it (replaying its WAL).
        copy = Path(scratch) / "damaged.sqlite3"
        for suffix in ("", "-wal"):
            if Path(f"{kept}{suffix}").exists():
                shutil.copyfile(f"{kept}{suffix}", f"{copy}{suffix}")
        conversations, turns, read_errors = _salvage(copy)
    saved_conversations, saved_turns, skipped = _write_new(path, conversations, turns)
    recovery = Recovery(path, kept, saved_conversations, saved_turns, read_errors, skipped)
    logger.warning("recovered %s: %s", path, recovery)
    return recovery


def _move_aside(path: Path) -> Path:
    """Rename the database and its WAL files to `<name>.corrupt-<time>[-n]`, next to where they were."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    kept, number = path.with_name(f"{path.name}.corrupt-{stamp}"), 1
    while any(Path(f"{kept}{suffix}").exists() for suffix in ("", "-wal", "-shm")):
        number += 1
        kept = path.with_name(f"{path.name}.corrupt-{stamp}-{number}")
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{path}{suffix}").exists():
            os.rename(f"{path}{suffix}", f"{kept}{suffix}")
    return kept


def _salvage(copy: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]], int]:
    """The rows SQLite can still read from the damaged copy, and the count of places it could not."""
    connection = sqlite3.connect(copy, isolation_level=None)
    try:
        conversations, conversation_errors = _readable_rows(connection, "conversations", CONVERSATION_COLUMNS)
        turns, turn_errors = _readable_rows(connection, "turns", TURN_COLUMNS)
    finally:
        connection.close()
    return conversations, turns, conversation_errors + turn_errors


def _readable_rows(connection: sqlite3.Connection, table: str, columns: tuple[str, ...]) -> tuple[list[dict], int]:
    """Every row of `table` that reads: a whole scan when it works, else row by row, stepping over what fails."""
    selected = ", ".join(columns)
    try:
        return [
            dict(zip(columns, row, strict=True)) for row in connection.execute(f"SELECT {selected} FROM {table}")
        ], 0
    except sqlite3.DatabaseError as error:
        logger.warning("reading %s whole failed (%s); reading it row by row", table, error)
    rows, after, errors, streak = [], 0, 0, 0
    query = f"SELECT rowid, {selected} FROM {table} WHERE rowid > ? ORDER BY rowid LIMIT 1"
    while streak < MAX_UNREADABLE_STREAK:
        try:
            row = connection.execute(query, (after,)).fetchone()
        except sqlite3.DatabaseError:
            errors, streak, after = errors + 1, streak + 1, after + 1
            continue
        if row is None:
            break
        rows.append(dict(zip(columns, row[1:], strict=True)))
        after, streak = row[0], 0
    return rows, errors


def _write_new(path: Path, conversations: list[dict], turns: list[dict]) -> tuple[int, int, int]:
    """Insert the salvaged rows into a new database at `path`; (conversations, turns, turns left out)."""
    connection = open_database(path)
    saved_conversations = saved_turns = skipped = 0
    try:
        connection.execute("BEGIN IMMEDIATE")
        for row in conversations:
            saved_conversations += _insert(connection, "conversations", CONVERSATION_COLUMNS, row)
        for row in turns:
            try:
                answer_from_columns(row)  # a turn whose answer cannot be shown again is not worth keeping
            except (ValueError, TypeError, KeyError):
                skipped += 1
                continue
            inserted = _insert(connection, "turns", TURN_COLUMNS, row)
            saved_turns, skipped = saved_turns + inserted, skipped + (1 - inserted)
        connection.execute("COMMIT")
    finally:
        connection.close()
    return saved_conversations, saved_turns, skipped


def _insert(connection: sqlite3.Connection, table: str, columns: tuple[str, ...], row: dict) -> int:
    """1 when the row went in; 0 when the new database's constraints refuse it (a lost conversation, a repeat)."""
    marks = ", ".join("?" for _ in columns)
    try:
        connection.execute(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", [row[c] for c in columns])
    except sqlite3.IntegrityError:
        return 0
    return 1
