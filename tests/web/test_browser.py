"""The chat page in a real browser: Debian chromium driven by Playwright against `python app.py` on loopback."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from tests.fixtures.browser import ANSWERED, NEEDS_CHROMIUM, page_server
from tests.fixtures.paths import DATA, ROOT

FIXTURES = DATA

pytestmark = [
    pytest.mark.browser,
    NEEDS_CHROMIUM,
    pytest.mark.timeout(300),
]
playwright_sync = pytest.importorskip("playwright.sync_api")
expect = playwright_sync.expect
expect.set_options(timeout=60_000)  # the first answer waits for the embedding model to load


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`python app.py` on a free loopback port over a fresh index of the seeds; yields its URL."""
    with page_server(tmp_path_factory.mktemp("app"), max_upload_mb="20") as url:
        yield url


class PageWatch:
    """Every request the page makes and every dialog it opens (a dialog means script ran)."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.dialogs: list[str] = []


@pytest.fixture
def page(server, browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    watch = PageWatch()
    page.on("request", lambda request: watch.requests.append(request.url))

    def on_dialog(dialog) -> None:
        watch.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.goto(server, wait_until="load")
    page.locator("#question textarea").wait_for()
    page.watch = watch
    yield page
    outside = [url for url in watch.requests if not url.startswith((server, "data:", "blob:"))]
    assert outside == [], f"the page fetched from outside the app: {outside}"
    assert watch.dialogs == [], f"a script ran in the page: {watch.dialogs}"
    context.close()


def ask(page, question: str):
    """Type a question, send it, and return the locator of its answer (or refusal) bubble."""
    answered = page.locator(ANSWERED)
    before = answered.count()
    page.locator("#question textarea").fill(question)
    page.locator("#question textarea").press("Enter")
    expect(answered).to_have_count(before + 1)
    return answered.nth(before)


def upload(page, path: Path) -> None:
    page.locator("#upload input[type=file]").set_input_files(str(path))


def test_answer_shows_the_quote_highlighted_in_its_passage(page, tmp_path):
    ask(page, "Who did the NATO secretary-general welcome?")  # waits out the model's loading; then a clean chat
    page.locator("#clear").click()
    expect(page.locator(ANSWERED)).to_have_count(0)
    answer = ask(page, "What did NATO call on Russia to do?")
    expect(answer).to_contain_text("call on Russia")
    expect(answer.locator("sup.cite-ref").first).to_have_text("[1]")
    sources = page.locator("#chat .sources").last
    expect(sources).to_be_visible()
    expect(sources.locator(".doc").first).to_have_text("nato_statement_russia_ukraine_buildup_2021-12-16.txt")
    expect(sources.locator(".score").first).to_contain_text("score 0.")
    mark = sources.locator("mark").first
    expect(mark).to_be_visible()
    quote = mark.inner_text()
    assert "call on Russia" in quote and quote in answer.inner_text()
    passage = sources.locator("blockquote.passage").first.inner_text()
    assert len(passage) > len(quote), "the quote is shown inside its surrounding passage"
    expect(page.locator("#chat")).to_contain_text("Sources (")
    page.wait_for_timeout(1000)  # the chat renders Markdown asynchronously; let the panel settle
    expect(mark).to_be_visible()
    shot = page.screenshot(path=str(tmp_path / "screenshot.png"))
    assert shot.startswith(b"\x89PNG")
    if os.environ.get("UPDATE_SCREENSHOT"):  # `UPDATE_SCREENSHOT=1 pytest tests/web/test_browser.py` refreshes
        (ROOT / "docs" / "screenshot.png").write_bytes(shot)


def test_follow_up_is_read_in_the_context_of_the_conversation(page):
    ask(page, "What did the secretary-general say about further aggression against Ukraine?")
    follow_up = ask(page, "And what did he say about the price?")
    expect(follow_up).to_contain_text("high price")
    expect(page.locator("#chat .sources")).to_have_count(2)


def test_unanswerable_question_is_refused_with_the_closest_passages(page):
    refusal = ask(page, "How many troops did Russia deploy?")
    expect(refusal).to_have_class("refusal")
    expect(refusal).to_contain_text("No answer in your documents")
    expect(page.locator("#chat")).to_contain_text("Closest passages (")
    expect(page.locator("#chat .sources .source").first).to_contain_text("score 0.")
    expect(page.locator("#chat mark")).to_have_count(0)


def test_example_question_is_asked_on_click_and_clear_empties_the_chat(page):
    page.get_by_text("What did NATO call on Russia to do?").first.click()
    expect(page.locator(ANSWERED)).to_have_count(1)
    page.locator("#clear").click()
    expect(page.locator(ANSWERED)).to_have_count(0)
    ask(page, "Who did the NATO secretary-general welcome to NATO headquarters?")
    expect(page.locator(ANSWERED)).to_have_count(1)


def test_export_downloads_the_conversation_with_its_citations(page, tmp_path):
    ask(page, "What did NATO call on Russia to do?")
    ask(page, "How many troops did Russia deploy?")
    with page.expect_download() as download_info:
        page.locator("#export").click()
    path = tmp_path / "conversation.md"
    download_info.value.save_as(path)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Conversation")
    assert "## 1. What did NATO call on Russia to do?" in text
    assert "Sources:" in text and "nato_statement_russia_ukraine_buildup_2021-12-16.txt" in text
    assert "No answer in the documents" in text and "Closest passages" in text


def test_uploaded_document_is_listed_answered_from_and_removed(page, tmp_path):
    document = tmp_path / "lighthouse.txt"
    shutil.copyfile(FIXTURES / "lighthouse.txt", document)
    upload(page, document)
    expect(page.locator("#upload-status")).to_contain_text("✓ lighthouse.txt")
    expect(page.locator("#documents")).to_contain_text("lighthouse.txt")
    answer = ask(page, "Who designed the Kestrel Point lighthouse?")
    expect(answer).to_contain_text("Marta Olsen")
    expect(page.locator("#chat .sources .doc").first).to_have_text("lighthouse.txt")

    page.locator("#remove-choice input").click()
    page.get_by_role("option", name="lighthouse.txt").click()
    page.locator("#remove").click()
    expect(page.locator("#upload-status")).to_contain_text("Removed lighthouse.txt")
    expect(page.locator("#documents")).not_to_contain_text("lighthouse.txt")


def test_upload_of_a_wrong_type_or_too_large_file_is_refused_clearly(page, tmp_path):
    wrong = tmp_path / "tool.exe"
    wrong.write_bytes(b"MZ\x90\x00")
    upload(page, wrong)
    # Gradio refuses it in the page before it is sent; app.py refuses it too when it arrives another way.
    expect(page.get_by_text(re.compile("Invalid file type: tool.exe|tool.exe: files of type")).first).to_be_visible()
    large = tmp_path / "large.txt"
    with large.open("wb") as file:
        file.truncate(21 * 1024 * 1024)  # sparse: 21 MB on paper, over the 20 MB limit
    upload(page, large)
    refused = re.compile(r'exceed the maximum allowed size of [\d.]+ ?[KMG]b: "large.txt"|large.txt: .* MB limit')
    expect(page.get_by_text(refused).first).to_be_visible()
    expect(page.locator("#documents")).not_to_contain_text("tool.exe")
    expect(page.locator("#documents")).not_to_contain_text("large.txt")


def test_document_with_html_script_and_image_markup_renders_as_inert_text(page, tmp_path):
    document = tmp_path / "xss.md"
    shutil.copyfile(FIXTURES / "xss.md", document)
    upload(page, document)
    expect(page.locator("#upload-status")).to_contain_text("✓ xss.md")
    answer = ask(page, "What badge did the zebra committee approve?")
    expect(answer).to_contain_text("<script>alert('xss-script')</script>")
    ask(page, "What do crossing guards wear shaped like a zebra?")
    ask(page, "What appears on every crossing sign?")
    chat = page.locator("#chat")
    expect(chat).to_contain_text("onerror=")
    expect(chat).to_contain_text("![x](http://example.invalid/x.png)")
    for selector in ("script", "img", "iframe", "svg[onload]", "a[href^='javascript']", ".katex"):
        assert chat.locator(f".message-content {selector}").count() == 0, f"{selector} was rendered"
    page.wait_for_timeout(500)  # give a fired onerror or image request the chance to show up
    assert not [url for url in page.watch.requests if "example.invalid" in url]


def upload_when_ready(page, path: Path) -> None:
    """Upload once the page has loaded its documents (the upload needs the page's state in place)."""
    expect(page.locator("#documents")).to_contain_text("nato_statement")
    upload(page, path)


def open_citation(page, source: str):
    """Choose the latest answer's citation of `source` in the viewer; returns the viewer's highlighted quote."""
    page.locator("#viewer-choice input").click()
    page.get_by_role("option", name=re.compile(re.escape(source))).first.click()
    return page.locator("#viewer mark.viewer-quote")


def test_a_citation_opens_in_its_whole_document_with_the_quote_highlighted(page, tmp_path):
    from tests.documents import writers

    upload_when_ready(page, writers.write_docx(tmp_path / "observatory.docx"))
    expect(page.locator("#upload-status")).to_contain_text("✓ observatory.docx")
    answer = ask(page, "When was the Solar Tower first light?")
    expect(answer).to_contain_text("1924")
    sources = page.locator("#chat .sources").last
    quote = sources.locator("mark").first.inner_text()
    mark = open_citation(page, "observatory.docx")
    expect(mark).to_have_text(quote)
    expect(mark).to_be_in_viewport()
    viewer = page.locator("#viewer")
    expect(viewer.locator(".where")).to_contain_text("section Instruments, table 1, row 3")
    expect(viewer.locator(".viewer-text")).to_contain_text("Public nights are held")  # the whole document


def test_a_pdf_citation_shows_its_page_with_the_quote_marked_and_scrolls_to_it(page, tmp_path):
    from tests.documents import writers

    filler = [[(72, 740 - 14 * n, f"Page {p} line {n}: routine notes about the calibration log.") for n in range(45)]
              for p in range(1, 4)]  # fmt: skip
    upload_when_ready(page, writers.write_pdf(tmp_path / "metals.pdf", [*filler, writers.table_page()]))
    expect(page.locator("#upload-status")).to_contain_text("✓ metals.pdf")
    answer = ask(page, "What is the density of tin?")
    expect(answer).to_contain_text("7.31")
    quote = page.locator("#chat .sources").last.locator("mark").first.inner_text()
    mark = open_citation(page, "metals.pdf")
    expect(mark).to_have_text(quote)
    expect(page.locator("#viewer .where")).to_have_text("page 4")
    expect(page.locator("#viewer img.viewer-page")).to_be_visible()
    expect(page.locator("#viewer img.viewer-page")).to_have_attribute("data-marks", "3")  # the row's three cells
    expect(mark).to_be_in_viewport()  # scrolled: the text above it is three pages long
    box = page.locator("#viewer .viewer-text").bounding_box()
    assert box is not None and box["height"] <= 440, "the document scrolls inside the viewer"
