"""The source viewer's pure parts: the citation choices, the document HTML with the quote marked, inert text."""

from __future__ import annotations

import base64

from assistant.core.types import Answer, Citation
from assistant.documents.sources import SourceText
from assistant.web import viewer
from assistant.web.presentation import Turn

TEXT = "Sheet: Sales\n\nRegion; Revenue\nRegion: East; Revenue: 1730\nRegion: <b>West</b>; Revenue: 12"


def citation(n: int, quote: str, **values) -> Citation:
    start = TEXT.index(quote)
    return Citation(n, "sales.xlsx", "c1", quote, start, start + len(quote), 0.9, **values)


def turn(*citations: Citation) -> Turn:
    return Turn("q", Answer("a", list(citations), refused=not citations))


def test_choices_list_the_latest_answer_with_citations():
    east = citation(1, "Region: East; Revenue: 1730", location={"sheet": "Sales", "row": 4})
    turns = [turn(east), turn()]
    assert viewer.citation_choices(turns) == [
        ("[1] sales.xlsx · sheet Sales, row 4: Region: East; Revenue: 1730", "0:1")
    ]
    assert viewer.find_citation(turns, "0:1") == east
    assert viewer.find_citation(turns, "5:1") is None and viewer.find_citation([], None) is None


def test_the_document_is_shown_whole_with_the_quote_marked_and_inert():
    quoted = citation(1, "Region: <b>West</b>; Revenue: 12", location={"sheet": "Sales", "row": 5})
    html = viewer.viewer_html(SourceText("/d/sales.xlsx", "sales.xlsx", TEXT), quoted)
    assert "sheet Sales, row 5" in html and "Region&#58; East" in html
    assert "<b>" not in html and 'class="viewer-quote"' in html
    marked = html.split('class="viewer-quote"')[1].split("</mark>")[0]
    assert "&#60;b&#62;West" in marked


def test_a_pdf_page_image_is_embedded_with_its_mark_count():
    quoted = citation(1, "Region: East; Revenue: 1730", page=2)
    png = b"\x89PNG-bytes"
    html = viewer.viewer_html(SourceText("/d/a.pdf", "a.pdf", TEXT), quoted, (png, 3))
    assert f'src="data:image/png;base64,{base64.b64encode(png).decode()}"' in html
    assert 'data-marks="3"' in html


def test_a_long_document_is_shown_in_a_window_around_the_quote(monkeypatch):
    monkeypatch.setattr(viewer, "MAX_VIEW_CHARS", 40)
    long_text = "x " * 100 + "the quoted words" + " y" * 100
    start = long_text.index("the quoted")
    quoted = Citation(1, "a.txt", "c", "the quoted words", start, start + 16, 0.5)
    html = viewer.viewer_html(SourceText("/d/a.txt", "a.txt", long_text), quoted)
    assert html.count("x ") < 20 and ">the quoted words</mark>" in html and "…" in html


def test_a_changed_document_still_finds_the_quote_or_says_it_is_gone():
    moved = Citation(1, "sales.xlsx", "c", "Region: East; Revenue: 1730", 0, 27, 0.5)
    assert ">Region&#58; East; Revenue&#58; 1730</mark>" in viewer.viewer_html(SourceText("i", "s", TEXT), moved)
    gone = Citation(1, "sales.xlsx", "c", "not there", 0, 9, 0.5)
    assert "no longer in this document" in viewer.viewer_html(SourceText("i", "s", TEXT), gone)


def test_every_format_uploads_through_the_page_and_opens_in_the_viewer(tmp_path):
    import gradio as gr

    from assistant.assistant import Assistant
    from assistant.core.config import Settings
    from assistant.embedding.fake import FakeEmbedder
    from assistant.retrieval.store import ChromaStore
    from assistant.web.chat import ChatApp
    from tests.documents import writers

    settings = Settings(index_dir=tmp_path / "index", embedding_backend="fake", refusal_threshold=0.2)
    assistant = Assistant(settings, ChromaStore(settings), FakeEmbedder())
    files = [
        writers.write_docx(tmp_path / "observatory.docx"),
        writers.write_pptx(tmp_path / "review.pptx"),
        writers.write_xlsx(tmp_path / "sales.xlsx"),
        writers.write_csv(tmp_path / "cities.csv"),
        writers.write_epub(tmp_path / "voyage.epub"),
        writers.write_eml(tmp_path / "budget.eml"),
        writers.write_odt(tmp_path / "garden.odt"),
        writers.write_pdf(tmp_path / "metals.pdf", [writers.table_page()]),
    ]
    status = ChatApp(assistant).add_documents([str(path) for path in files])[0]
    for path in files:
        assert f"✓ {path.name}" in status
    with gr.Blocks():
        panel = viewer.ViewerPanel(assistant, gr.State([]))
    answer = assistant.ask("How many engineers did the company hire in Lisbon?", sources=["review.pptx"])
    turns = [Turn("q", answer)]
    [(label, value)] = [choice for choice in viewer.citation_choices(turns) if "forty" in choice[0]]
    assert label.startswith("[1] review.pptx · slide 2")
    html = panel.show(turns, value)
    assert ">The company hired forty engineers in Lisbon.</mark>" in html and "Quarterly review" in html
    answer = assistant.ask("What is the density of tin?", sources=["metals.pdf"])
    html = panel.show([Turn("q", answer)], "0:1")
    assert 'data-marks="3"' in html and "page 1" in html
