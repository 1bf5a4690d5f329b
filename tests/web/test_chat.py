"""The chat handlers without a browser: questions streamed over a fake assistant, documents over a real Chroma."""

from __future__ import annotations

import html
from pathlib import Path

import pytest

gr = pytest.importorskip("gradio")
from assistant.assistant import Assistant  # noqa: E402
from assistant.core.config import Settings  # noqa: E402
from assistant.core.errors import InvalidQuestionError  # noqa: E402
from assistant.core.types import Answer, Chunk, Citation, Hit, SentenceSupport  # noqa: E402
from assistant.retrieval.store import ChromaStore  # noqa: E402
from assistant.web import chat as app  # noqa: E402
from assistant.web.presentation import Turn  # noqa: E402
from tests.fixtures.paths import LIGHTHOUSE  # noqa: E402


def test_old_exports_are_dropped_and_recent_ones_kept(tmp_path):
    import os
    import time

    old, recent = tmp_path / "old", tmp_path / "recent"
    for folder in (old, recent):
        folder.mkdir()
        (folder / "conversation.md").write_text("x")
    long_ago = time.time() - 2 * app.EXPORT_MAX_AGE_S
    os.utime(old, (long_ago, long_ago))
    app._drop_older_than(tmp_path, app.EXPORT_MAX_AGE_S)
    assert not old.exists() and (recent / "conversation.md").is_file()


class FakeAssistant:
    """Streams queued answers and records what it was asked."""

    def __init__(self, settings: Settings, answers: list[Answer | Exception]) -> None:
        self.settings = settings
        self.answers = answers
        self.calls: list[dict] = []

    def stream(self, question, history=None, **options):  # as Assistant.stream
        self.calls.append({"question": question, "history": history, **options})
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        yield answer.text[:5]
        yield answer.text[5:]
        yield answer

    def documents(self):
        return []


def seed_answer() -> Answer:
    chunk = Chunk("c1", "NATO said: <b>We call on Russia to de-escalate.</b> More.", "nato.txt", 10, 66)
    quote = "We call on Russia to de-escalate."
    start = chunk.start + chunk.text.index(quote)
    citation = Citation(1, "nato.txt", "c1", quote, start, start + len(quote), 0.9)
    return Answer(f"{quote} [1]", [citation], False, {"total": 0.25}, [Hit(chunk, 0.71, 1)])


def run(chat_app, question, chat=None, turns=None, k=4, scope=None):
    _, chat, pending = app.add_question(question, chat or [])
    return list(chat_app.respond(pending, chat, turns or [], "extractive", k, scope))


def test_respond_streams_then_shows_the_answer_with_its_sources_panel(tmp_path):
    fake = FakeAssistant(Settings(index_dir=tmp_path), [seed_answer()])
    chat_app = app.ChatApp(fake)
    updates = run(chat_app, "What did NATO <i>ask</i>?", k=3, scope=["nato.txt"])
    assert len(updates) == 3  # two streamed pieces, then the answer
    assert 'class="answer streaming"' in updates[0][0][-1]["content"]
    chat, turns, download = updates[-1]
    question, answer, sources = chat
    assert "&#60;i&#62;ask" in question["content"]
    assert 'class="answer"' in answer["content"] and "cite-ref" in answer["content"]
    assert sources["metadata"] == {"title": "Source (1)", "duration": 0.25}
    assert "<mark>We call on Russia to de&#45;escalate.</mark>" in sources["content"]
    assert "score 0.710" in sources["content"] and "&#60;b&#62;" in sources["content"]
    assert [turn.question for turn in turns] == ["What did NATO <i>ask</i>?"]
    exported = Path(download.value["path"]).read_text()
    assert "## 1. What did NATO \\<i\\>ask\\</i\\>?" in exported and "`nato.txt`" in exported
    assert fake.calls == [
        {
            "question": "What did NATO <i>ask</i>?",
            "history": [],
            "k": 3,
            "sources": ["nato.txt"],
            "generator": "extractive",
        }
    ]


def test_respond_flags_unsupported_and_removed_sentences_of_a_generated_answer(tmp_path):
    seed = seed_answer()
    extra = "Russia agreed <b>at once</b>."
    text = f"{seed.text} {extra}"
    sentences = [
        SentenceSupport(seed.text, "supported", (1,), 0.9, 0, len(seed.text)),
        SentenceSupport(extra, "unsupported", (), 0.2, len(seed.text) + 1, len(text)),
        SentenceSupport("Visit <a href=x>this</a>.", "removed", (), 0.0, None, None, "link"),
    ]
    generated = Answer(text, seed.citations, False, seed.timings, seed.passages, sentences, 0.5)
    chat, _, download = run(app.ChatApp(FakeAssistant(Settings(index_dir=tmp_path), [generated])), "Why?")[-1]
    answer, sources = chat[-2:]
    assert (
        '<span class="unsupported" title="Not supported by the cited passages">Russia agreed &#60;b&#62;'
        in answer["content"]
    )
    assert "1 of 2 sentences supported by their citations" in answer["content"]
    assert "Removed: Visit &#60;a href&#61;x&#62;this&#60;/a&#62;. (link)" in answer["content"]
    assert "<b>" not in answer["content"] and "<a " not in answer["content"]
    assert sources["metadata"]["title"] == "Source (1) · 1 of 2 sentences supported"
    exported = Path(download.value["path"]).read_text()
    assert "*1 of 2 sentences supported by their citations.*" in exported and "Removed:" in exported


def test_respond_passes_the_conversation_as_history(tmp_path):
    fake = FakeAssistant(Settings(index_dir=tmp_path), [seed_answer()])
    earlier = [Turn("First?", Answer("One. [1]", [], False))]
    run(app.ChatApp(fake), "And then?", turns=earlier)
    assert fake.calls[0]["history"] == [("First?", "One. [1]")]
    assert fake.calls[0]["sources"] is None


@pytest.mark.parametrize("mode", ["extractive", "openai"])
def test_respond_asks_with_the_chosen_answer_mode(tmp_path, mode):
    fake = FakeAssistant(Settings(index_dir=tmp_path, generator="openai"), [seed_answer()])
    _, chat, pending = app.add_question("Why?", [])
    list(app.ChatApp(fake).respond(pending, chat, [], mode, 4, None))
    assert fake.calls[0]["generator"] == mode


def test_respond_shows_assistant_errors_in_the_chat_and_forgets_the_turn(tmp_path):
    fake = FakeAssistant(Settings(index_dir=tmp_path), [InvalidQuestionError("The question is <too> long.")])
    chat, turns, _ = run(app.ChatApp(fake), "x" * 50)[-1]
    assert 'class="error"' in chat[-1]["content"] and "&#60;too&#62;" in chat[-1]["content"]
    assert turns == []


def test_blank_question_adds_nothing(tmp_path):
    assert app.add_question("   ", []) == ("", [], "")
    fake = FakeAssistant(Settings(index_dir=tmp_path), [])
    assert len(list(app.ChatApp(fake).respond("", [], [], "extractive", 4, None))) == 1


@pytest.fixture
def real_app(settings, fake_embedder):
    """ChatApp over a real Chroma in tmp_path with the fake embedder."""
    return app.ChatApp(Assistant(settings, ChromaStore(settings), fake_embedder))


def test_upload_ingests_accepted_files_and_refuses_others(real_app, tmp_path):
    wrong = tmp_path / "tool.exe"
    wrong.write_bytes(b"MZ\x90\x00")
    with pytest.warns(UserWarning, match="tool.exe"):
        outputs = real_app.add_documents([str(LIGHTHOUSE), str(wrong)])
    status, cleared, table, removable, scope = outputs
    status = html.unescape(status)
    assert "✓ lighthouse.txt: 2 passages indexed" in status and "✗ tool.exe: unsupported file type '.exe'" in status
    assert cleared is None and "lighthouse.txt" in table
    assert (real_app.upload_dir / "lighthouse.txt").is_file()
    assert removable.constructor_args["choices"] == [("lighthouse.txt", str(real_app.upload_dir / "lighthouse.txt"))]
    assert scope.constructor_args["choices"] == ["lighthouse.txt"]


def test_remove_drops_the_document_and_its_uploaded_copy(real_app):
    real_app.add_documents([str(LIGHTHOUSE)])
    document_id = real_app.documents()[0].id
    status, table, _, _ = real_app.remove(document_id)
    assert "Removed lighthouse.txt (2 passages)" in html.unescape(status) and "No documents" in table
    assert real_app.documents() == [] and not Path(document_id).exists()
    assert "Choose a document" in real_app.remove(None)[0]


def test_examples_follow_the_indexed_documents(real_app, tmp_path):
    assert real_app.examples() == []
    seed = tmp_path / "nato_statement_russia_ukraine_buildup_2021-12-16.txt"
    seed.write_text("NATO called on Russia to de-escalate.")
    real_app.assistant.ingest([seed])
    assert {"text": "What did NATO call on Russia to do?"} in real_app.examples()
