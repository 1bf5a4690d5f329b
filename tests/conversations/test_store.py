"""The conversation store: each user's own conversations, turns kept whole with their sources, follow-ups."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import fields, replace

import pytest

from assistant.answering.conversation import expand_followup, normalize_history
from assistant.conversations.records import TITLE_CHARS, check_title, title_from
from assistant.conversations.store import ConversationStore
from assistant.core.config import Settings
from assistant.core.errors import ConversationNotFoundError, InvalidNameError, NotFoundError
from assistant.core.types import Answer


def test_a_conversation_is_created_listed_renamed_and_deleted(store, answer_for):
    first = store.create("alice", "papers")
    second = store.create("alice", "notes", title="Lamp questions")
    store.create("bob", "papers")
    assert (first.owner, first.collection, first.title, first.turns) == ("alice", "papers", "", 0)
    store.append("alice", first.id, "Who lit the lamp?", answer_for("a"))
    assert [c.id for c in store.list_for("alice")] == [first.id, second.id]  # the most recently updated first
    assert store.list_for("alice", limit=1)[0].id == first.id
    assert store.get("alice", first.id).turns == 1
    renamed = store.rename("alice", first.id, "  The lamp  ")
    assert renamed.title == "The lamp" and store.get("alice", first.id).title == "The lamp"
    store.delete("alice", first.id)
    assert [c.id for c in store.list_for("alice")] == [second.id]
    with pytest.raises(ConversationNotFoundError):
        store.get("alice", first.id)
    rows = store._connection.execute("SELECT count(*) FROM turns WHERE conversation = ?", (first.id,)).fetchone()
    assert rows[0] == 0  # its turns went with it


def test_the_first_question_titles_an_untitled_conversation_and_a_given_title_stays(store, answer_for):
    untitled = store.create("alice", "papers")
    store.append("alice", untitled.id, "  Who lit\nthe lamp on the  island?  ", answer_for("a"))
    store.append("alice", untitled.id, "And when?", answer_for("b"))
    assert store.get("alice", untitled.id).title == "Who lit the lamp on the island?"
    titled = store.create("alice", "papers", title="Mine")
    store.append("alice", titled.id, "Who lit the lamp?", answer_for("a"))
    assert store.get("alice", titled.id).title == "Mine"


@pytest.mark.parametrize(
    ("question", "title"),
    [
        ("Who lit the lamp?", "Who lit the lamp?"),
        ("  spaced \t out\n question ", "spaced out question"),
        ("x" * TITLE_CHARS, "x" * TITLE_CHARS),
        ("x" * (TITLE_CHARS + 1), "x" * (TITLE_CHARS - 1) + "…"),
        (
            "What did the keeper of the northern lighthouse write in the log on the night of the storm?",
            "What did the keeper of the northern lighthouse write in the…",
        ),
        ("\x00\x1b[31m", "[31m"),
        ("", "Untitled conversation"),
    ],
)
def test_a_title_from_a_question_is_one_trimmed_line_cut_at_a_word(question, title):
    assert title_from(question) == title and len(title) <= TITLE_CHARS


@pytest.mark.parametrize("title", ["", "   ", "a\nb", "a\x00b", "x" * 201, None])
def test_a_bad_title_is_refused(store, title):
    conversation = store.create("alice", "papers")
    with pytest.raises(InvalidNameError) as raised:
        store.rename("alice", conversation.id, title)
    assert raised.value.param == "title"
    with pytest.raises(InvalidNameError):
        check_title(title)


def test_a_reopened_answer_is_the_stored_one_with_its_citations_exactly(tmp_path, answer_for):
    path = tmp_path / "conversations.sqlite3"
    first = ConversationStore(path)
    conversation = first.create("alice", "papers")
    answers = [answer_for("one"), answer_for("two", generated=True), answer_for("three", refused=True)]
    for number, answer in enumerate(answers):
        first.append("alice", conversation.id, f"Question {number}?", answer)
    first.close()

    reopened = ConversationStore(path)  # as after a restart
    turns = reopened.turns("alice", conversation.id)
    assert [turn.answer for turn in turns] == answers
    assert [turn.question for turn in turns] == ["Question 0?", "Question 1?", "Question 2?"]
    assert [turn.position for turn in turns] == [1, 2, 3]
    assert {turn.collection for turn in turns} == {"papers"}
    for turn, answer in zip(turns, answers, strict=True):
        assert [c.to_dict() for c in turn.answer.citations] == [c.to_dict() for c in answer.citations]
        assert turn.answer.to_dict() == answer.to_dict()
    stored = reopened._connection.execute("SELECT citations FROM turns WHERE position = 1").fetchone()[0]
    assert json.loads(stored) == [c.to_dict() for c in answers[0].citations]  # Citation.to_dict() as it is
    assert "page" not in json.loads(stored)[0] and json.loads(stored)[1]["page"] == 3
    reopened.close()


def test_a_plain_field_an_answer_gains_is_stored_without_a_new_schema(store, answer_for):
    """Every optional text field of Answer (today `fallback`, when the answer fell back to quotes) is kept."""
    optional_text = {field.name: "quotes" for field in fields(Answer) if field.type == "str | None"}
    answer = replace(answer_for("a", generated=True), **optional_text)
    conversation = store.create("alice", "papers")
    store.append("alice", conversation.id, "Q?", answer)
    assert store.turns("alice", conversation.id)[0].answer == answer


def test_a_turn_records_the_collection_that_answered_it(store, answer_for):
    conversation = store.create("alice", "papers")
    assert store.append("alice", conversation.id, "Q?", answer_for("a")).collection == "papers"
    assert store.append("alice", conversation.id, "Q?", answer_for("a"), collection="notes").collection == "notes"
    assert [turn.collection for turn in store.turns("alice", conversation.id)] == ["papers", "notes"]


def test_history_lets_a_follow_up_resolve_after_reopening(tmp_path, answer_for):
    path = tmp_path / "conversations.sqlite3"
    store = ConversationStore(path)
    conversation = store.create("alice", "papers")
    store.append("alice", conversation.id, "Who kept the Skerryvore lighthouse?", answer_for("a"))
    store.append("alice", conversation.id, "When was it built?", answer_for("b"))
    store.close()

    history = ConversationStore(path).history("alice", conversation.id)
    assert history == [
        {"role": "user", "content": "Who kept the Skerryvore lighthouse?"},
        {"role": "assistant", "content": answer_for("a").text},
        {"role": "user", "content": "When was it built?"},
        {"role": "assistant", "content": answer_for("b").text},
    ]
    assert normalize_history(history) == history  # the shape the answering layer reads
    assert expand_followup("And its height?", history) == "When was it built? And its height?"
    assert ConversationStore(path).history("alice", conversation.id, last=1) == history[2:]
    assert ConversationStore(path).history("alice", conversation.id, last=0) == []


def test_an_export_holds_the_conversation_and_every_turn_with_its_sources(store, answer_for):
    conversation = store.create("alice", "papers")
    store.append("alice", conversation.id, "Who lit the lamp?", answer_for("a", generated=True))
    transcript = store.export("alice", conversation.id)
    assert transcript.conversation.title == "Who lit the lamp?" and transcript.conversation.turns == 1
    exported = json.loads(json.dumps(transcript.to_dict()))
    assert exported["conversation"]["id"] == conversation.id
    (turn,) = exported["turns"]
    assert turn["question"] == "Who lit the lamp?" and turn["citations"][1]["page"] == 3
    assert turn["passages"][0]["chunk_id"] == "a-c1" and turn["supported_fraction"] == 0.5


def test_the_web_pages_markdown_export_reads_stored_turns(store, answer_for):
    """The lead renders Markdown with web/presentation.py; stored turns have the fields it reads."""
    from assistant.web.presentation import conversation_markdown

    conversation = store.create("alice", "papers")
    store.append("alice", conversation.id, "Who lit the lamp?", answer_for("a"))
    store.append("alice", conversation.id, "And the boiling point of mercury?", answer_for("b", refused=True))
    markdown = conversation_markdown(store.turns("alice", conversation.id))
    assert "## 1. Who lit the lamp?" in markdown and "“burned all night”" in markdown
    assert "Closest passages:" in markdown


def _failure(call, conversation_id: str) -> tuple[type, str]:
    with pytest.raises(NotFoundError) as raised:
        call(conversation_id)
    return type(raised.value), str(raised.value).replace(conversation_id, "<id>")


@pytest.mark.parametrize("method", ["get", "turns", "history", "export", "rename", "delete", "append"])
def test_another_users_conversation_fails_exactly_like_a_missing_one(store, answer_for, method):
    alices = store.create("alice", "papers", title="Secret plans")
    store.append("alice", alices.id, "What are the plans?", answer_for("a"))
    extra = {"rename": ("Mine now",), "append": ("Q?", answer_for("b"))}.get(method, ())

    def call(conversation_id: str):
        return getattr(store, method)("bob", conversation_id, *extra)

    foreign = _failure(call, alices.id)
    assert foreign == _failure(call, "0123456789abcdef")
    assert foreign[0] is ConversationNotFoundError and "alice" not in foreign[1] and "Secret" not in foreign[1]
    assert store.get("alice", alices.id).title == "Secret plans" and store.get("alice", alices.id).turns == 1
    assert store.list_for("bob") == []


@pytest.mark.parametrize("conversation_id", ["", "x" * 10_000, "a\x00b", "' OR 1=1 --", None, 5])
def test_a_garbage_id_is_simply_not_found(store, conversation_id):
    store.create("alice", "papers")
    with pytest.raises(ConversationNotFoundError) as raised:
        store.get("alice", conversation_id)
    assert len(str(raised.value)) < 300


def test_the_database_lives_in_the_data_folder_or_beside_the_index(tmp_path):
    in_index = ConversationStore.from_settings(Settings(index_dir=tmp_path / "index"))
    in_data = ConversationStore.from_settings(Settings(index_dir=tmp_path / "index", data_dir=tmp_path / "data"))
    assert in_index.path == tmp_path / "index" / "conversations.sqlite3"
    assert in_data.path == tmp_path / "data" / "conversations.sqlite3"
    in_index.close(), in_data.close()


def test_the_database_is_in_wal_mode_with_foreign_keys_and_a_schema_version(store):
    connection = store._connection
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert connection.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert [tuple(row) for row in connection.execute("SELECT version FROM schema_version")] == [(1,)]
    with pytest.raises(sqlite3.IntegrityError):  # a turn cannot exist without its conversation
        connection.execute("INSERT INTO turns VALUES ('nope', 1, 'c', 'q', 'a', 0, '[]', '[]', NULL, '{}', '{}', 0)")
