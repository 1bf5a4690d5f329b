"""A writer killed with SIGKILL mid-write: the database opens cleanly and every committed turn is there, whole."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from assistant.conversations.store import ConversationStore
from assistant.core.types import Answer, Chunk, Citation, Hit

ROOT = Path(__file__).resolve().parents[2]
ROUNDS = 3
COMMITTED_BEFORE_KILL = 25


def answer(number: int) -> Answer:
    """A large answer (about 20 KB a row, several pages) whose every field depends on `number`."""
    text = f"Answer {number}: " + f"the lamp burned on night {number}. " * 200
    chunk = Chunk(f"chunk-{number}", text[:4000], f"log-{number}.txt", number, number + 4000, {"page": number})
    return Answer(
        text=text + "[1]",
        citations=[Citation(1, f"log-{number}.txt", f"chunk-{number}", text[:50], number, number + 50, 0.5, number)],
        refused=False,
        timings={"total": number / 1000},
        passages=[Hit(chunk, 0.5, 1)],
    )


def write_forever(path: str, owner: str, conversation_id: str) -> None:
    """The child: append turns until killed, printing each position once its transaction has committed."""
    store = ConversationStore(Path(path))
    while True:
        position = store.get(owner, conversation_id).turns + 1
        turn = store.append(owner, conversation_id, f"question {position}", answer(position))
        print(turn.position, flush=True)


def _kill_mid_write(path: Path, conversation_id: str, round_number: int) -> int:
    """Run a writer, SIGKILL it once it has committed some more turns; the last position it reported."""
    code = "import sys; from tests.conversations.test_kill import write_forever; write_forever(*sys.argv[1:])"
    command = [sys.executable, "-c", code, str(path), "alice", conversation_id]
    child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    reported, deadline = [], time.monotonic() + 120
    try:
        while len(reported) < COMMITTED_BEFORE_KILL and time.monotonic() < deadline:
            line = child.stdout.readline()
            if not line:
                break
            reported.append(int(line))
        time.sleep(0.004 * round_number)  # land the kill at a different point of a write each round
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
        reported += [int(line) for line in child.stdout.read().split()]
    assert child.returncode == -signal.SIGKILL
    assert len(reported) >= COMMITTED_BEFORE_KILL, "the writer did not start"
    return reported[-1]


def test_a_writer_killed_mid_write_loses_at_most_the_turn_it_was_writing(tmp_path):
    path = tmp_path / "conversations.sqlite3"
    store = ConversationStore(path)
    conversation = store.create("alice", "papers")
    store.close()
    for round_number in range(ROUNDS):
        last_reported = _kill_mid_write(path, conversation.id, round_number)
        store = ConversationStore(path)  # opens: it passes PRAGMA quick_check
        assert store._connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        turns = store.turns("alice", conversation.id)
        # Every reported turn is there; at most the one being written when killed went in unreported.
        assert last_reported <= len(turns) <= last_reported + 1
        assert [turn.position for turn in turns] == list(range(1, len(turns) + 1))
        for turn in turns:  # whole: the question, its answer, citations and passages, none cut short
            assert turn.question == f"question {turn.position}" and turn.answer == answer(turn.position)
        assert store.get("alice", conversation.id).turns == len(turns)
        store.close()
