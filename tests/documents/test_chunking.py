from pathlib import Path

import pytest

from assistant.documents.chunking import split_document
from assistant.documents.loaders import LoadedDocument, load
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
