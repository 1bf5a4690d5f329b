"""app.py without a browser: helpers, handlers over a fake answerer and a real Chroma, and the server's guards."""

from __future__ import annotations

import html
import socket
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
gr = pytest.importorskip("gradio")
import app  # noqa: E402
from assistant.assistant import Assistant  # noqa: E402
from assistant.config import Settings  # noqa: E402
from assistant.errors import ConfigurationError, InvalidQuestionError  # noqa: E402
from assistant.presentation import Turn  # noqa: E402
from assistant.store import ChromaStore  # noqa: E402
from assistant.types import Answer, Chunk, Citation, Hit, SentenceSupport  # noqa: E402

FIXTURES = Path(__file__).resolve().parent / "fixtures"
MB = 1024 * 1024


@pytest.mark.parametrize(
    ("name", "size", "problem"),
    [
        ("notes.txt", 10, None),
        ("Report.PDF", 10, None),
        ("page.html", 10, None),
        ("readme.md", 20 * MB, None),
        ("data.csv", 10, "files of type '.csv' are not accepted"),
        ("archive", 10, "files of type '(none)'"),
        ("big.txt", 20 * MB + 1, "larger than the 20 MB limit"),
        ("empty.md", 0, "the file is empty"),
    ],
)
def test_upload_problem_checks_type_and_size(name, size, problem):
    found = app.upload_problem(name, size, 20)
    assert found is None if problem is None else problem in found


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, None), ("", None), ("ann:secret", ("ann", "secret")), ("ann:pa:ss", ("ann", "pa:ss"))],
)
def test_parse_auth(value, expected):
    assert app.parse_auth(value) == expected


@pytest.mark.parametrize("value", ["ann", ":secret", "ann:"])
def test_parse_auth_rejects_malformed_values(value):
    with pytest.raises(ConfigurationError, match="user:password"):
        app.parse_auth(value)


@pytest.mark.parametrize(
    ("name", "expected"),
    [("../../etc/notes.txt", "notes.txt"), ("<img src=x>.md", "_img src_x_.md"), ("...", "document")],
)
def test_safe_file_name(name, expected):
    assert app.safe_file_name(name) == expected


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


def test_answer_modes_add_the_configured_generator(tmp_path):
    assert app.answer_modes(Settings(index_dir=tmp_path)) == ["extractive"]
    assert app.answer_modes(Settings(index_dir=tmp_path, generator="openai")) == ["extractive", "openai"]


def test_launch_options_are_safe_by_default(tmp_path, monkeypatch):
    monkeypatch.delenv("ASSISTANT_AUTH", raising=False)
    options = app.launch_options(Settings(index_dir=tmp_path))
    assert options["server_name"] == "127.0.0.1" and options["server_port"] == 7860
    assert options["allowed_paths"] == [] and options["auth"] is None
    assert options["max_file_size"] == 20 * MB and options["run_history"] is False
    monkeypatch.setenv("ASSISTANT_AUTH", "ann:secret")
    monkeypatch.setenv("ASSISTANT_PORT", "7999")
    options = app.launch_options(Settings(index_dir=tmp_path))
    assert options["auth"] == ("ann", "secret") and options["server_port"] == 7999


# -- handlers -------------------------------------------------------------------------------------------


class FakeAssistant:
    """Streams queued answers and records what it was asked."""

    def __init__(self, settings: Settings, answers: list[Answer | Exception]) -> None:
        self.settings = settings
        self.answers = answers
        self.calls: list[dict] = []

    def stream(self, question, history=None, **options):
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
    assert fake.calls == [{"question": "What did NATO <i>ask</i>?", "history": [], "k": 3, "sources": ["nato.txt"]}]


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
    assert '<span class="unsupported" title="Not supported by the cited passages">Russia agreed &#60;b&#62;' \
        in answer["content"]
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
    assert fake.calls[0]["history"] == [
        {"role": "user", "content": "First?"},
        {"role": "assistant", "content": "One. [1]"},
    ]
    assert fake.calls[0]["sources"] is None


@pytest.mark.parametrize(("configured", "mode", "options"), [
    ("extractive", "extractive", {}),
    ("openai", "openai", {}),
    ("openai", "extractive", {"generator": "extractive"}),
])
def test_respond_asks_for_a_mode_other_than_the_configured_one_by_name(tmp_path, configured, mode, options):
    fake = FakeAssistant(Settings(index_dir=tmp_path, generator=configured), [seed_answer()])
    _, chat, pending = app.add_question("Why?", [])
    list(app.ChatApp(fake).respond(pending, chat, [], mode, 4, None))
    assert {key: value for key, value in fake.calls[0].items() if key == "generator"} == options


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
    wrong = tmp_path / "table.csv"
    wrong.write_text("a,b\n")
    with pytest.warns(UserWarning, match="table.csv"):
        outputs = real_app.add_documents([str(FIXTURES / "lighthouse.txt"), str(wrong)])
    status, cleared, table, removable, scope = outputs
    status = html.unescape(status)
    assert "✓ lighthouse.txt: 2 passages indexed" in status and "✗ table.csv: files of type" in status
    assert cleared is None and "lighthouse.txt" in table
    assert (real_app.upload_dir / "lighthouse.txt").is_file()
    assert removable.constructor_args["choices"] == [("lighthouse.txt", str(real_app.upload_dir / "lighthouse.txt"))]
    assert scope.constructor_args["choices"] == ["lighthouse.txt"]


def test_remove_drops_the_document_and_its_uploaded_copy(real_app):
    real_app.add_documents([str(FIXTURES / "lighthouse.txt")])
    document_id = real_app.documents()[0]["id"]
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


# -- the server ------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_server_requires_login_and_serves_no_files_outside_its_cache(settings, fake_embedder, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the web")
    settings = settings.model_copy(update={"port": _free_port(), "auth": "ann:secret"})
    demo = app.build_app(Assistant(settings, ChromaStore(settings), fake_embedder))
    demo.launch(prevent_thread_lock=True, quiet=True, **app.launch_options(settings))
    try:
        base = f"http://127.0.0.1:{settings.port}"
        assert _status(f"{base}/config") == 401
        assert _status(f"{base}/gradio_api/file={secret}") in (401, 403)
    finally:
        demo.close()


def test_server_without_login_still_refuses_files_outside_its_cache(settings, fake_embedder, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the web")
    settings = settings.model_copy(update={"port": _free_port(), "auth": None})
    demo = app.build_app(Assistant(settings, ChromaStore(settings), fake_embedder))
    demo.launch(prevent_thread_lock=True, quiet=True, **app.launch_options(settings))
    try:
        base = f"http://127.0.0.1:{settings.port}"
        assert _status(f"{base}/config") == 200
        assert _status(f"{base}/gradio_api/file={secret}") == 403
        assert _status(f"{base}/gradio_api/file=/etc/passwd") == 403
    finally:
        demo.close()
