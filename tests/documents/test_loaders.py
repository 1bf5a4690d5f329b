import codecs

import pytest

from assistant.core.errors import UnsupportedDocumentError
from assistant.documents.loaders import decode_text, html_to_text, load
from tests.documents.writers import write_pdf

TEXT = "Zoë met the café owner — “naïve” façade. Second line."


@pytest.mark.parametrize(
    "data",
    [
        TEXT.encode("utf-8"),
        codecs.BOM_UTF8 + TEXT.encode("utf-8"),
        TEXT.encode("utf-16"),  # with BOM
        TEXT.encode("utf-16-le"),
        TEXT.encode("utf-16-be"),
    ],
    ids=["utf8", "utf8-bom", "utf16-bom", "utf16-le", "utf16-be"],
)
def test_unicode_encodings_decode_exactly(data):
    assert decode_text(data, "x.txt") == TEXT


def test_latin1_is_detected():
    text = "Le café de la gare est fermé à côté du théâtre. Déjà vu, très élégant, où est la clé? " * 3
    assert decode_text(text.encode("latin-1"), "x.txt") == text


def test_cyrillic_legacy_encoding_is_detected():
    text = "Привет, как дела? Это тестовый документ на русском языке. " * 3
    assert decode_text(text.encode("cp1251"), "x.txt") == text


def test_windows_newlines_are_normalized():
    assert decode_text(b"one\r\ntwo\rthree", "x.txt") == "one\ntwo\nthree"


def test_html_keeps_visible_text_only():
    html = "<html><head><title>T</title><style>p{}</style></head><body><p>Hello <b>world</b></p>"
    html += "<script>alert(1)</script><noscript>no</noscript></body></html>"
    assert html_to_text(html) == "Hello\nworld"


def test_pdf_pages_are_recorded(tmp_path):
    path = write_pdf(
        tmp_path / "two_pages.pdf", [[(72, 720, "First page says alpha.")], [(72, 720, "Second page says beta.")]]
    )
    document = load(path)
    assert "alpha" in document.text and "beta" in document.text
    assert document.page_at(document.text.index("alpha")) == 1
    assert document.page_at(document.text.index("beta")) == 2


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.txt", b"", "empty"),
        ("blank.md", b"  \n\n ", "empty"),
        ("binary.txt", bytes(range(256)) * 4, "binary"),
        ("corrupt.pdf", b"%PDF-1.4 this is not really a pdf", "PDF"),
        ("image.png", b"\x89PNG\r\n\x1a\n", "image"),
        ("program.exe", b"MZ\x90\x00", "unsupported file type"),
        ("empty.html", b"<html><script>x()</script></html>", "no text"),
    ],
)
def test_bad_files_are_refused_with_a_reason(tmp_path, name, data, reason):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(UnsupportedDocumentError) as caught:
        load(path)
    assert reason in str(caught.value)
    assert name in str(caught.value)
