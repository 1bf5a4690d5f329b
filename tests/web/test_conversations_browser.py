"""Users, collections and stored conversations in a real browser: Debian chromium against `python app.py`.

Two users log in with their passwords (a real users file, real Argon2), the real packaged embedder and a real
Chroma answer: a collection is made, a document uploaded to it, a question and a follow-up asked; after a reload
the conversation is found with its sources and continued; the second user sees none of it.
"""

from __future__ import annotations

import re

import pytest

from tests.fixtures.accounts import PASSWORDS, make_users_file
from tests.fixtures.browser import ANSWERED, NEEDS_CHROMIUM, page_server
from tests.fixtures.paths import LIGHTHOUSE

FIRST_QUESTION = "Who designed the Kestrel Point lighthouse?"

pytestmark = [
    pytest.mark.browser,
    NEEDS_CHROMIUM,
    pytest.mark.timeout(420),
]
playwright_sync = pytest.importorskip("playwright.sync_api")
expect = playwright_sync.expect


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`python app.py` with a users file of alice (admin) and bob, over an index of the seeds; yields its URL."""
    work = tmp_path_factory.mktemp("accounts-app")
    users = make_users_file(work / "users.json", cheap=False)  # the real Argon2 cost, as the product makes them
    # The index that predates collections: it opens as the collection 'default'.
    with page_server(work, users_file=str(users.path)) as url:
        yield url


def logged_in(browser, server: str, name: str):
    """A new browser session (its own cookies) logged in as `name` through the login form."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(90_000)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(server, wait_until="load")
    page.get_by_label("username").fill(name)
    page.get_by_label("password").fill(PASSWORDS[name])
    page.get_by_role("button", name="Login").click()
    page.locator("#question textarea").wait_for()
    expect(page.locator("#signed-in")).to_contain_text(f"Signed in as {name}")
    page.outside_requests = lambda: [url for url in requests if not url.startswith((server, "data:", "blob:"))]
    return context, page


def ask(page, question: str):
    """Send a question; the locator of its answer (or refusal) bubble."""
    answered = page.locator(ANSWERED)
    before = answered.count()
    page.locator("#question textarea").fill(question)
    page.locator("#question textarea").press("Enter")
    expect(answered).to_have_count(before + 1, timeout=90_000)
    return answered.nth(before)


def test_a_conversation_in_a_new_collection_survives_a_reload_and_stays_private(browser, server):
    alice_context, page = logged_in(browser, server, "alice")
    expect(page.locator("#documents")).to_contain_text("nato_statement")  # alice's 'default', chosen at first

    # 1. Create a collection.
    page.locator("#collection-name input, #collection-name textarea").first.fill("Lighthouses")
    page.locator("#collection-create").click()
    expect(page.locator("#collection-status")).to_contain_text("Created 'Lighthouses'")
    expect(page.locator("#collection input")).to_have_value("Lighthouses")
    expect(page.locator("#documents")).to_contain_text("No documents yet")

    # 2. Upload a document to it.
    page.locator("#upload input[type=file]").set_input_files(str(LIGHTHOUSE))
    expect(page.locator("#upload-status")).to_contain_text("✓ lighthouse.txt")
    expect(page.locator("#documents")).to_contain_text("lighthouse.txt")
    expect(page.locator("#documents")).not_to_contain_text("nato_statement")

    # 3. A question, then a follow-up that needs the first question to be understood.
    answer = ask(page, FIRST_QUESTION)
    expect(answer).to_contain_text("Marta Olsen")
    follow_up = ask(page, "When was it first lit?")
    expect(follow_up).to_contain_text("1887")
    expect(page.locator("#chat .sources .doc")).to_have_text(["lighthouse.txt", "lighthouse.txt"])
    expect(page.locator("#conversations")).to_contain_text(FIRST_QUESTION)  # titled from the first question

    # 4. Reload: the conversation is listed; reopened, it shows both answers with their sources, and continues.
    page.reload(wait_until="load")
    page.locator("#question textarea").wait_for()
    expect(page.locator(ANSWERED)).to_have_count(0)
    page.locator("#conversations").get_by_text(FIRST_QUESTION).click()
    expect(page.locator(ANSWERED)).to_have_count(2)
    expect(page.locator(ANSWERED).first).to_contain_text("Marta Olsen")
    expect(page.locator("#chat .sources .doc")).to_have_text(["lighthouse.txt", "lighthouse.txt"])
    expect(page.locator("#chat .sources mark").first).to_contain_text("Marta Olsen")
    expect(page.locator("#collection input")).to_have_value("Lighthouses")
    again = ask(page, "What can be seen for twenty-three nautical miles?")
    expect(again).to_contain_text("Fresnel")
    page.locator("#viewer-choice input").click()  # the source viewer reads the collection that holds the quote
    page.get_by_role("option", name=re.compile("lighthouse.txt")).first.click()
    expect(page.locator("#viewer mark.viewer-quote")).to_contain_text("Fresnel")
    assert page.outside_requests() == []

    # 5. The second user sees neither the conversation nor the collection.
    bob_context, other = logged_in(browser, server, "bob")
    expect(other.locator("#conversations")).not_to_contain_text(FIRST_QUESTION)
    other.locator("#collection input").click()
    options = other.get_by_role("option")
    expect(options).to_have_count(1)
    expect(options.first).to_contain_text("default (shared, read-only)")
    assert "Lighthouses" not in other.content() and "Marta Olsen" not in other.content()
    assert other.outside_requests() == []
    bob_context.close()
    alice_context.close()
