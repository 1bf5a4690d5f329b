"""Plain text, Markdown and HTML: bytes decoded in whatever encoding they came in, HTML reduced to its visible text."""

from __future__ import annotations

import codecs
from pathlib import Path

from assistant.core.errors import UnsupportedDocumentError
from assistant.documents.formats.base import LoadedDocument

_INVISIBLE_TAGS = ("script", "style", "noscript", "template", "head", "svg", "iframe", "object")


def load_text(path: Path, data: bytes) -> LoadedDocument:
    """A text or Markdown file, as written."""
    return LoadedDocument(path, decode_text(data, str(path)))


def load_html(path: Path, data: bytes) -> LoadedDocument:
    """An HTML page's visible text."""
    return LoadedDocument(path, html_to_text(decode_text(data, str(path))))


def decode_text(data: bytes, name: str) -> str:
    """Decode bytes in UTF-8 (with or without BOM), UTF-16/32 with BOM, or a detected legacy encoding."""
    for bom, encoding in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return _normalize_newlines(data.decode(encoding, errors="replace"))
    utf16 = _bomless_utf16(data)
    if utf16 is not None:
        return _normalize_newlines(utf16)
    if b"\x00" in data or _looks_binary(data):
        raise UnsupportedDocumentError(name, "binary content, not text (is it a misnamed file?)")
    try:
        return _normalize_newlines(data.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    western = _as_western(data)
    if western is not None:
        return _normalize_newlines(western)
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    text = str(best) if best is not None else data.decode("latin-1")
    return _normalize_newlines(text)


def html_to_text(html: str) -> str:
    """The visible text of an HTML page: no scripts, styles or markup."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(list(_INVISIBLE_TAGS)):
        tag.decompose()
    lines = (line.strip() for line in soup.get_text("\n").splitlines())
    return "\n".join(line for line in lines if line)


def _bomless_utf16(data: bytes) -> str | None:
    """Decode UTF-16 without a BOM when every other byte of ASCII text is zero."""
    if len(data) < 4 or len(data) % 2:
        return None
    even_zeros = data[0::2].count(0) / (len(data) / 2)
    odd_zeros = data[1::2].count(0) / (len(data) / 2)
    encoding = "utf-16-be" if even_zeros > 0.4 and odd_zeros < 0.05 else None
    encoding = "utf-16-le" if odd_zeros > 0.4 and even_zeros < 0.05 else encoding
    if encoding is None:
        return None
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def _as_western(data: bytes) -> str | None:
    """Windows-1252/Latin-1 text, when it reads as mostly-ASCII prose with a few accented letters.

    Statistical detectors often mistake short French or German text for Baltic or Mac encodings;
    Cyrillic or Greek text decoded this way is almost all non-ASCII, so the ratio test rejects it.
    """
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    letters = sum(1 for char in text if char.isalpha())
    foreign = [char for char in text if ord(char) > 127]
    if not letters or len(foreign) / letters > 0.3:
        return None
    latin = sum(1 for char in foreign if char.isalpha() and "\u00c0" <= char <= "\u00ff" or char in "“”‘’–—…€«»°")
    return text if latin / len(foreign) > 0.9 else None


def _looks_binary(data: bytes) -> bool:
    sample = data[:8192]
    controls = sum(1 for byte in sample if byte < 32 and byte not in (9, 10, 12, 13, 27))
    return controls / len(sample) > 0.05


def _normalize_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
