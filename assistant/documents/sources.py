"""An ingested document's text, given back from its stored chunks, for viewers that highlight a citation in it.

The chunks hold every character of the extracted text except the white space between them, which each chunk
records (`after`); so the text is the one the citations' offsets point into, without reading or OCR-ing the
file again, and also with a Chroma server on another machine.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from pathlib import Path

from assistant.core.errors import DocumentNotFoundError
from assistant.core.types import Chunk
from assistant.retrieval.store import ChromaStore

# Characters of a document shown either side of a quote when only the span around it is asked for.
DEFAULT_CONTEXT = 400


@dataclass(frozen=True)
class SourceText:
    """An ingested document's extracted text; `locations` are (offset, location) of its located blocks, in order."""

    id: str
    source: str
    text: str
    locations: tuple[tuple[int, dict], ...] = field(default_factory=tuple)

    def location_at(self, offset: int) -> dict | None:
        """The location of the block holding character `offset`, if the document has located blocks."""
        index = bisect.bisect_right(self.locations, offset, key=lambda located: located[0]) - 1
        return dict(self.locations[index][1]) if index >= 0 else None

    @property
    def is_pdf(self) -> bool:
        return Path(self.id).suffix.lower() == ".pdf"


@dataclass(frozen=True)
class Span:
    """`text == document.text[start:end]`: the part of a document around a quote at `quote_start:quote_end`."""

    start: int
    end: int
    text: str
    quote_start: int
    quote_end: int


def source_text(store: ChromaStore, document_id: str) -> SourceText:
    """The extracted text of an ingested document (by id: its absolute path), rebuilt from its chunks."""
    chunks = sorted(store.get(sorted(store.chunk_ids_of(document_id))), key=lambda chunk: (chunk.start, chunk.end))
    if not chunks:
        raise DocumentNotFoundError(
            f"No ingested document with id {document_id!r}; GET /api/documents lists the ids of those there are."
        )
    return SourceText(document_id, chunks[0].source, _joined(chunks), _locations(chunks))


def document_of_chunk(store: ChromaStore, chunk_id: str) -> str:
    """The id of the document a chunk (a citation's `chunk_id`) comes from."""
    found = store.get([chunk_id])
    if not found or not found[0].metadata.get("path"):
        raise DocumentNotFoundError(f"No stored passage with chunk_id {chunk_id!r}; it may have been re-ingested.")
    return str(found[0].metadata["path"])


def span_around(text: str, start: int, end: int, context: int = DEFAULT_CONTEXT) -> Span:
    """The quote at `start:end` with up to `context` characters either side, cut at white space."""
    if not 0 <= start <= end <= len(text):
        raise ValueError(f"start and end must satisfy 0 <= start <= end <= {len(text)}; got {start} and {end}")
    left = max(0, start - context)
    if left > 0 and not text[left - 1].isspace():  # it would cut a word: start after the next space instead
        space = text.find(" ", left, start)
        left = space + 1 if space >= 0 else left
    right = min(len(text), end + context)
    if right < len(text) and not text[right].isspace():
        space = text.rfind(" ", end, right)
        right = space if space >= 0 else right
    return Span(left, right, text[left:right], start, end)


def _joined(chunks: list[Chunk]) -> str:
    """Chunks in order of offset, overlaps counted once, the gaps filled with the white space they recorded."""
    parts: list[str] = []
    position = 0
    previous: Chunk | None = None
    for chunk in chunks:
        if chunk.start > position:
            gap = chunk.start - position
            recorded = previous.metadata.get("after", "") if previous is not None else ""
            parts.append(recorded if len(recorded) == gap else "\n" * gap)  # indexes before `after` get newlines
        if chunk.end > position:
            parts.append(chunk.text[max(0, position - chunk.start) :])
            position = chunk.end
        previous = chunk
    return "".join(parts)


def _locations(chunks: list[Chunk]) -> tuple[tuple[int, dict], ...]:
    found: dict[int, dict] = {}
    for chunk in chunks:
        for offset, location in chunk.metadata.get("locations") or ():
            found.setdefault(int(offset), dict(location))
    if not found:  # PDFs indexed before locations were recorded still know their chunks' pages
        for chunk in chunks:
            if chunk.metadata.get("page") is not None:
                found.setdefault(chunk.start, {"page": int(chunk.metadata["page"])})
    return tuple(sorted(found.items()))


def marked_page(document_id: str, page: int, quote: str) -> tuple[bytes, int] | None:
    """A PNG of a PDF's page with the quote's region marked, and the boxes marked; None when the file is gone."""
    from assistant.core.errors import UnsupportedDocumentError
    from assistant.documents.formats.pdf import page_image

    path = Path(document_id)
    if path.suffix.lower() != ".pdf" or not path.is_file():
        return None
    try:
        return page_image(path, page, quote)
    except UnsupportedDocumentError:
        return None
