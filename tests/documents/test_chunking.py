from pathlib import Path

import pytest

from assistant.documents.chunking import split_document
from assistant.documents.loaders import LoadedDocument, load
from tests.documents import writers
from tests.fixtures.paths import SEED_FILE


@pytest.mark.parametrize(("size", "overlap"), [(100, 0), (200, 40), (300, 120), (800, 120)])
def test_every_chunk_is_the_exact_slice_at_its_offsets(size, overlap):
    document = load(SEED_FILE)
    chunks = split_document(document, "seed.txt", size, overlap)
    assert len(chunks) > 1
    for chunk in chunks:
        assert chunk.text == document.text[chunk.start : chunk.end]
        assert len(chunk.text) <= size
    assert [c.start for c in chunks] == sorted(c.start for c in chunks)


def test_repeated_text_gets_distinct_offsets_and_ids():
    text = "\n\n".join(["The same paragraph repeats here."] * 6)
    chunks = split_document(LoadedDocument(Path("/x/rep.txt"), text), "rep.txt", 40, 0)
    assert len({c.start for c in chunks}) == len(chunks) == 6
    assert len({c.id for c in chunks}) == 6
    assert all(text[c.start : c.end] == c.text for c in chunks)


def test_ids_are_stable_and_depend_on_the_path():
    document = LoadedDocument(Path("/a/doc.txt"), "Alpha beta gamma. " * 50)
    first = split_document(document, "doc.txt", 120, 20)
    again = split_document(document, "doc.txt", 120, 20)
    elsewhere = split_document(LoadedDocument(Path("/b/doc.txt"), document.text), "doc.txt", 120, 20)
    assert [c.id for c in first] == [c.id for c in again]
    assert not {c.id for c in first} & {c.id for c in elsewhere}


def test_pdf_chunks_carry_their_page():
    text = "Page one text. " * 10 + "\n\n" + "Page two text. " * 10
    document = LoadedDocument(Path("/x/p.pdf"), text, (0, text.index("Page two")))
    chunks = split_document(document, "p.pdf", 60, 0)
    assert chunks[0].metadata["page"] == 1
    assert chunks[-1].metadata["page"] == 2


def test_chunks_of_plain_text_are_the_splitters_as_before():
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    document = load(SEED_FILE)
    chunks = split_document(document, "seed.txt", 300, 50)
    assert [c.text for c in chunks] == RecursiveCharacterTextSplitter(chunk_size=300, chunk_overlap=50).split_text(
        document.text
    )


def test_sections_are_preferred_boundaries_and_short_ones_are_packed(tmp_path):
    document = load(writers.write_docx(tmp_path / "observatory.docx"))
    spans = document.section_spans()
    starts = {start for start, _ in spans}
    ends = {len(document.text[:end].rstrip()) for _, end in spans}
    chunks = split_document(document, "observatory.docx", 200, 20)
    for chunk in chunks:
        inside = [start for start in starts if chunk.start < start < chunk.end]
        if inside:  # it crosses a heading only as whole short sections packed together
            assert chunk.start in starts and chunk.end in ends, chunk.text
    assert {chunk.start for chunk in chunks} >= {start for start, end in spans if end - start > 200}
    whole = split_document(document, "observatory.docx", 2000, 100)
    assert len(whole) == 1 and whole[0].text == document.text.strip()


def test_a_chunk_records_its_section_and_the_location_of_each_block(tmp_path):
    document = load(writers.write_xlsx(tmp_path / "sales.xlsx"))
    chunks = split_document(document, "sales.xlsx", 120, 0)
    assert chunks[0].metadata["section"] == "Sales" and chunks[-1].metadata["section"] == "Staff"
    for chunk in chunks:
        for offset, location in chunk.metadata["locations"]:
            assert document.location_at(max(offset, chunk.start)) == location


def test_the_chunks_and_their_gaps_give_back_the_whole_text(tmp_path):
    document = load(writers.write_pptx(tmp_path / "review.pptx"))
    chunks = split_document(document, "review.pptx", 80, 10)
    rebuilt, position = "", 0
    for chunk in chunks:
        rebuilt += chunk.text[max(0, position - chunk.start) :] + chunk.metadata.get("after", "")
        position = chunk.end + len(chunk.metadata.get("after", ""))
    assert rebuilt == document.text
