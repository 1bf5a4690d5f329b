"""The page's per-user handlers without a browser: collections, stored conversations and the viewer, per login.

Over a real Chroma and SQLite in tmp_path, the fake embedder and a real users file (cheap Argon2).
"""

from __future__ import annotations

import asyncio
import html
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest

gr = pytest.importorskip("gradio")
from assistant.web.chat import add_question  # noqa: E402
from assistant.web.history import HistoryPanel  # noqa: E402
from assistant.web.library import LibraryPanel  # noqa: E402
from assistant.web.sessions import CollectionViewer, Sessions, login_check  # noqa: E402
from tests.fixtures.paths import LIGHTHOUSE, SEED_FILE  # noqa: E402

LAMP = "Who designed the Kestrel Point lighthouse?"
ALICE, BOB = SimpleNamespace(username="alice"), SimpleNamespace(username="bob")


@pytest.fixture
def page(users_file, workspace_factory):
    """The panels of one page over a workspace where alice's 'default' holds the seed."""
    workspace = workspace_factory(users_file=users_file.path)
    workspace.ingest(workspace.user("alice"), [SEED_FILE])
    sessions = Sessions(workspace)
    with gr.Blocks():
        turns = gr.State([])
        panels = SimpleNamespace(
            workspace=workspace,
            library=LibraryPanel(sessions),
            history=HistoryPanel(sessions),
            viewer=CollectionViewer(sessions, turns),
        )
    panels.library.document_outputs = [gr.HTML(), gr.Dropdown(), gr.Dropdown()]
    return panels


def ask(page, request, question: str, collection: str | None, conversation: str | None, turns=None):
    """Ask through the page's handler; the last update (chat, turns, download, conversation, listing)."""
    _, chat, pending = add_question(question, [])
    updates = list(
        page.history.respond(pending, chat, turns or [], "extractive", 4, None, collection, conversation, request)
    )
    return updates


def test_a_created_collection_is_chosen_filled_and_asked_and_the_answer_stored(page, tmp_path):
    selector, info, table, _, _, status, name = page.library.create("Lighthouses", ALICE)
    assert "Created 'Lighthouses'" in html.unescape(status) and name == ""
    chosen = selector.value
    assert "Lighthouses" in [label for label, _ in selector.constructor_args["choices"]]
    upload = tmp_path / "lighthouse.txt"
    upload.write_text(LIGHTHOUSE.read_text())
    status, *_ = page.library.add_documents([str(upload)], chosen, ALICE, progress=None)
    assert "✓ lighthouse.txt" in html.unescape(status)

    updates = ask(page, ALICE, LAMP, chosen, None)
    chat, turns, _ = updates[-2][:3]
    assert "Marta Olsen" in chat[-2]["content"]
    *_, conversation, listing = updates[-1]
    assert listing.constructor_args["choices"] == [(LAMP, conversation)]
    follow_up = ask(page, ALICE, "When was it first lit?", chosen, conversation, turns)
    assert "1887" in follow_up[-2][0][-2]["content"] and follow_up[-1][3] == conversation

    reopened = page.history.open(conversation, ALICE)
    chat, turns, download, opened, collection, *_ = reopened
    assert (opened, collection) == (conversation, chosen) and len(turns) == 2 and download.value
    assert sum("lighthouse.txt" in message["content"] for message in chat if message.get("metadata")) == 2

    listing, status, _ = page.history.rename(conversation, "Towers of light", ALICE)
    assert listing.constructor_args["choices"] == [("Towers of light", conversation)] and "Renamed" in status
    assert page.history.open(conversation, BOB)[5].startswith('<span class="error">')  # not bob's
    listing, status = page.history.delete(conversation, ALICE)
    assert listing.constructor_args["choices"] == [] and "Deleted" in status


def test_another_user_sees_neither_the_collection_nor_the_conversation(page):
    chosen = page.library.create("Lighthouses", ALICE)[0].value
    signed_in, listing = page.history.load(BOB)
    assert "bob" in signed_in and listing.constructor_args["choices"] == []
    selector = page.library.load(BOB)[0]
    assert [label for label, _ in selector.constructor_args["choices"]] == ["default (shared, read-only)"]
    refused = ask(page, BOB, LAMP, chosen, None)[-1][0][-1]["content"]
    assert "No collection" in refused and "is yours or shared with you" in refused
    with pytest.warns(UserWarning, match="only its owner"):  # 'default' is shared with bob read-only
        status = page.library.add_documents([str(LIGHTHOUSE)], None, BOB, progress=None)[0]
    assert "only its owner" in status
    status = page.library.delete(chosen, BOB)[5]
    assert "No collection" in status and page.workspace.collection(page.workspace.user("alice"), chosen)


@pytest.mark.parametrize("name", ["../x", "/etc/passwd", "a\x00b", "x" * 100])
def test_collection_names_that_try_to_escape_are_refused_in_the_page(page, name):
    status = page.library.create(name, ALICE)[5]
    assert status.startswith('<span class="error">') and "Choose a short plain name" in html.unescape(status)
    assert [c.name for c in page.workspace.collections.list_for(page.workspace.user("alice"))] == ["default"]


def test_the_viewer_reads_the_quote_from_the_collection_that_holds_it(page, tmp_path):
    chosen = page.library.create("Lighthouses", ALICE)[0].value
    page.workspace.ingest(page.workspace.user("alice"), [LIGHTHOUSE], chosen)
    updates = ask(page, ALICE, LAMP, chosen, None)
    turns = updates[-2][1]
    citation = turns[-1].answer.citations[0]
    shown = page.viewer.show(turns, f"0:{citation.n}", ALICE)
    assert "viewer-quote" in shown and "Marta Olsen" in shown
    assert "no longer in any collection you may read" in page.viewer.show(turns, f"0:{citation.n}", BOB)


def test_logins_run_off_the_event_loop_and_check_the_password(page):
    check = login_check(lambda name, password: page.workspace.login(name, password))
    assert asyncio.iscoroutinefunction(check), "Gradio awaits a coroutine function, off its event loop"

    def run(name: str, password: str) -> bool:  # in a thread of its own: no event loop may be running there
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, check(name, password)).result()

    assert run("alice", "alice-password-1") is True
    assert run("alice", "wrong-password") is False
