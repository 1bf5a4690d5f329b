"""OCR with the real Tesseract: an image of known text and a scanned PDF made from it read back, and located."""

from __future__ import annotations

import difflib

import pytest

from assistant.documents import ocr
from assistant.documents.formats.pdf import page_image
from assistant.documents.loaders import load
from tests.documents import writers

pytestmark = pytest.mark.skipif(
    not ocr.tesseract_available(), reason=f"needs Tesseract, which is not installed: {ocr.INSTALL_HINT}"
)


def accuracy(read: str, truth: str) -> float:
    """Character accuracy: 1 - (edit operations / characters), from difflib's alignment, white space collapsed."""
    read, truth = " ".join(read.split()), " ".join(truth.split())
    matcher = difflib.SequenceMatcher(None, read, truth, autojunk=False)
    matched = sum(block.size for block in matcher.get_matching_blocks())
    return matched / max(len(read), len(truth))


def test_a_clean_300_dpi_image_is_read_at_95_percent_character_accuracy_or_better(tmp_path):
    path = tmp_path / "notice.png"
    writers.render_text_image().save(path, dpi=(300, 300))
    document = load(path)
    assert accuracy(document.text, writers.OCR_TEXT) >= 0.95
    assert document.text.count("\n") >= 2, "lines are kept"


def test_a_scanned_pdf_is_read_by_ocr_page_by_page(tmp_path):
    document = load(writers.write_scanned_pdf(tmp_path / "scan.pdf"))
    assert accuracy(document.text, writers.OCR_TEXT) >= 0.95
    assert document.location_at(document.text.index("paraffin")) == {"page": 1}


@pytest.mark.parametrize("suffix", [".jpg", ".tif"])
def test_jpeg_and_tiff_are_read_too(tmp_path, suffix):
    path = tmp_path / f"notice{suffix}"
    writers.render_text_image().convert("RGB").save(path, dpi=(300, 300))
    assert accuracy(load(path).text, writers.OCR_TEXT) >= 0.95


def test_the_quote_is_marked_on_the_scanned_page(tmp_path):
    path = writers.write_scanned_pdf(tmp_path / "scan.pdf")
    png, boxes = page_image(path, 1, "Its lamp burns paraffin and turns once every twelve seconds.")
    assert png.startswith(b"\x89PNG") and boxes == 10  # one box per word


def test_quote_boxes_follow_the_words_in_order():
    words = [
        ocr.OcrWord(text, (i * 10, 0, i * 10 + 8, 10), 95.0, (1, 1, 1)) for i, text in enumerate("a b c d".split())
    ]
    assert ocr.quote_boxes(words, "b  c") == [(10, 0, 18, 10), (20, 0, 28, 10)]
    assert ocr.quote_boxes(words, "c e") == []
