"""The conversation database file: opened only after SQLite's own check passes, its schema made and migrated."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from assistant.core.errors import ConfigurationError, CorruptDataError

DATABASE_FILE = "conversations.sqlite3"
# Seconds a writer waits for another (thread or process) before SQLite gives up with "database is locked".
BUSY_SECONDS = 10.0
_CORRUPT_CODES = {sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB}

# Version n's statements bring a database of version n-1 to version n; a database records its version.
MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: (
        "CREATE TABLE schema_version (version INTEGER NOT NULL)",
        "INSERT INTO schema_version (version) VALUES (0)",
        """CREATE TABLE conversations (
            id TEXT PRIMARY KEY,
            owner TEXT NOT NULL,
            collection TEXT NOT NULL,
            title TEXT NOT NULL,
            created REAL NOT NULL,
            updated REAL NOT NULL
        )""",
        "CREATE INDEX conversations_of_owner ON conversations (owner, updated DESC)",
        """CREATE TABLE turns (
            conversation TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
            position INTEGER NOT NULL CHECK (position >= 1),
            collection TEXT NOT NULL,
            question TEXT NOT NULL,
            answer TEXT NOT NULL,
            refused INTEGER NOT NULL CHECK (refused IN (0, 1)),
            citations TEXT NOT NULL,
            passages TEXT NOT NULL,
            sentences TEXT,
            extras TEXT NOT NULL,
            timings TEXT NOT NULL,
            created REAL NOT NULL,
            PRIMARY KEY (conversation, position)
        )""",
    ),
}
SCHEMA_VERSION = max(MIGRATIONS)


def open_database(path: Path) -> sqlite3.Connection:
    """A connection to the database at `path` (made when missing), checked, in WAL mode, at the current schema.

    A file that is not a SQLite database, or fails `PRAGMA quick_check`, raises `CorruptDataError` and is left
    exactly as it was: nothing is written to it, and it is never replaced by an empty database.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path, timeout=BUSY_SECONDS, isolation_level=None, check_same_thread=False)
    try:
        with translated_errors(path):
            problems = [row[0] for row in connection.execute("PRAGMA quick_check").fetchall()]
            if problems != ["ok"]:
                raise corrupt_error(path, "; ".join(problems[:3]))
            _check_version(_version(connection, path), path)  # before any write: a foreign file stays untouched
            connection.execute("PRAGMA journal_mode=WAL")
            # FULL: a committed turn survives a power cut too; one sync per answer costs nothing next to the answer.
            connection.execute("PRAGMA synchronous=FULL")
            connection.execute("PRAGMA foreign_keys=ON")
            _migrate(connection, path)
    except BaseException:
        connection.close()
        raise
    connection.row_factory = sqlite3.Row
    return connection


@contextlib.contextmanager
def translated_errors(path: Path) -> Iterator[None]:
    """Turn SQLite's "malformed" and "not a database" errors into a `CorruptDataError` that says how to recover."""
    try:
        yield
    except sqlite3.DatabaseError as error:
        if (getattr(error, "sqlite_errorcode", 0) or 0) & 0xFF in _CORRUPT_CODES:
            raise corrupt_error(path, str(error)) from error
        raise


def corrupt_error(path: Path, detail: str) -> CorruptDataError:
    return CorruptDataError(
        f"The conversation database {path} is damaged ({detail}). It was left as it is. Stop the server, then run "
        f"`assistant conversations recover {path}`: it keeps the damaged file beside it (as "
        f"{path.name}.corrupt-<time>) and copies every conversation it can read into a new database.",
        str(path),
    )


def _migrate(connection: sqlite3.Connection, path: Path) -> None:
    if _version(connection, path) == SCHEMA_VERSION:
        return
    connection.execute("BEGIN IMMEDIATE")  # one process migrates; the others wait, then find it done
    try:
        version = _check_version(_version(connection, path), path)
        for target in range(version + 1, SCHEMA_VERSION + 1):
            for statement in MIGRATIONS[target]:
                connection.execute(statement)
            connection.execute("UPDATE schema_version SET version = ?", (target,))
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise


def _check_version(version: int, path: Path) -> int:
    if version > SCHEMA_VERSION:
        raise ConfigurationError(
            f"The conversation database {path} has schema version {version}, made by a newer assistant than "
            f"this one (which knows up to {SCHEMA_VERSION}). Upgrade the assistant, or set ASSISTANT_DATA_DIR "
            "to another folder."
        )
    return version


def _version(connection: sqlite3.Connection, path: Path) -> int:
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if not tables:
        return 0
    if "schema_version" not in tables:
        raise ConfigurationError(
            f"{path} is a SQLite database, but not a conversation database (its tables: {', '.join(sorted(tables))})."
            " Set ASSISTANT_DATA_DIR to a folder of its own."
        )
    row = connection.execute("SELECT version FROM schema_version").fetchone()
    return row[0] if row else 0
