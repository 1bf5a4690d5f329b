"""Every format ingested (real Chroma, fake embedder), asked about, cited with its location, and given back whole."""

from __future__ import annotations

import pytest

from assistant.core.errors import DocumentNotFoundError
from assistant.documents import ocr
from assistant.documents.formats.pdf import page_image
from assistant.documents.loaders import load
from assistant.documents.sources import document_of_chunk, marked_page, source_text, span_around
from tests.documents import writers

# (file, writer, question, words of the quote, location of the quote)
CASES = [
    ("observatory.docx", writers.write_docx, "When was the Solar Tower first light?", "Solar Tower",
     {"section": "Instruments", "table": 1, "row": 3}),
    ("review.pptx", writers.write_pptx, "How many engineers did the company hire in Lisbon?", "forty engineers",
     {"slide": 2}),
    ("sales.xlsx", writers.write_xlsx, "What revenue did the East region make?", "Region: East",
     {"sheet": "Sales", "row": 4}),
    ("cities.csv", writers.write_csv, "What is the population of Porto?", "Porto", {"row": 3}),
    ("voyage.epub", writers.write_epub, "What did the crew find on the island?", "fresh water",
     {"chapter": "The Island"}),
    ("budget.eml", writers.write_eml, "In which room is the budget meeting?", "room 4", {"part": "body"}),
    ("garden.odt", writers.write_odt, "Which bed do the tomatoes go in?", "south bed", {"section": "Garden plan"}),
    ("metals.pdf", lambda path: writers.write_pdf(path, [[(72, 700, "An opening page.")], writers.table_page()]),
     "What is the density of tin?", "Density: 7.31", {"page": 2}),
]  # fmt: skip


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    """All the formats in one folder, ingested into a real Chroma with the fake embedder."""
    folder = tmp_path_factory.mktemp("library")
    docs = folder / "docs"
    docs.mkdir()
    for name, write, *_ in CASES:
        write(docs / name)
    assistant = fake_assistant_in(folder / "index")
    report = assistant.ingest([docs], progress=False)
    assert report.skipped == 0 and report.files == len(CASES)
    return assistant, docs


def fake_assistant_in(index):
    """An assistant over a real Chroma with the fake embedder; its refusal threshold suits the bag-of-words fake."""
    from assistant.assistant import Assistant
    from assistant.core.config import Settings
    from assistant.embedding.fake import FakeEmbedder
    from assistant.retrieval.store import ChromaStore

    settings = Settings(
        index_dir=index, embedding_backend="fake", chunk_size=300, chunk_overlap=40, refusal_threshold=0.2
    )
    return Assistant(settings, ChromaStore(settings), FakeEmbedder())


@pytest.mark.parametrize(("name", "question", "words", "location"), [(c[0], c[2], c[3], c[4]) for c in CASES])
def test_each_format_answers_with_an_exact_located_quote(library, name, question, words, location):
    assistant, docs = library
    answer = assistant.ask(question, sources=[name])
    assert not answer.refused, answer.text
    citation = next(c for c in answer.citations if words in c.quote)
    assert citation.source == name and citation.location == location
    document = source_text(assistant.store, document_of_chunk(assistant.store, citation.chunk_id))
    assert document.text[citation.start : citation.end] == citation.quote
    assert document.text == load(docs / name).text, "the stored chunks give back the whole extracted text"
    assert document.location_at(citation.start) == location
    assert citation.to_dict()["location"] == location


def test_span_around_a_quote_is_cut_at_spaces_and_holds_the_quote():
    text = "alpha beta gamma delta epsilon zeta eta theta"
    span = span_around(text, text.index("delta"), text.index("delta") + 5, context=8)
    assert span.text == text[span.start : span.end] == "gamma delta epsilon"
    with pytest.raises(ValueError, match="start and end"):
        span_around(text, 5, 100)


def test_unknown_documents_and_chunks_say_so(library):
    assistant, _ = library
    with pytest.raises(DocumentNotFoundError, match="GET /api/documents"):
        source_text(assistant.store, "/no/such/file.docx")
    with pytest.raises(DocumentNotFoundError, match="chunk_id"):
        document_of_chunk(assistant.store, "0" * 40)


def test_the_quote_is_marked_on_a_text_layer_pdf_page(library):
    _, docs = library
    png, boxes = page_image(docs / "metals.pdf", 2, "The measurements were repeated three times.")
    assert png.startswith(b"\x89PNG") and boxes >= 1
    row = "Metal: Tin; Melting point: 231.93 C; Density: 7.31"  # our labelled row: its three cells are marked
    assert marked_page(str(docs / "metals.pdf"), 2, row)[1] == 3
    assert marked_page(str(docs / "metals.pdf"), 2, "Metal: Gold; Density: 19.3")[1] == 0
    assert marked_page(str(docs / "observatory.docx"), 1, "Solar") is None


@pytest.mark.skipif(not ocr.tesseract_available(), reason="needs Tesseract: `make system`")
def test_a_scanned_pdf_and_an_image_answer_with_a_located_quote(tmp_path):
    fake_assistant = fake_assistant_in(tmp_path / "index")
    docs = tmp_path / "scans"
    docs.mkdir()
    writers.write_scanned_pdf(docs / "scan.pdf")
    writers.render_text_image().save(docs / "notice.png", dpi=(300, 300))
    assert fake_assistant.ingest([docs], progress=False).files == 2
    answer = fake_assistant.ask("What does the lamp burn?", sources=["scan.pdf"])
    citation = next(c for c in answer.citations if "paraffin" in c.quote)
    assert citation.page == 1 and citation.location == {"page": 1}
    answer = fake_assistant.ask("When was the harbour lighthouse rebuilt?", sources=["notice.png"])
    assert any("1911" in c.quote and c.source == "notice.png" for c in answer.citations)
