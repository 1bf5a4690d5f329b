"""What every format loader builds: a document's text, with the location of each block of it."""

from __future__ import annotations

import bisect
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import ParseError

from assistant.core.errors import UnsupportedDocumentError

# A location names where a block stands in its file: {"page": 3}, {"slide": 2, "part": "notes"},
# {"sheet": "Sales", "row": 14}, {"section": "Results"}, {"chapter": "Two"}. Values are str or int.
Location = Mapping[str, str | int]
# What the readers of the formats raise on a damaged file (beyond our own UnsupportedDocumentError): python-docx,
# python-pptx and openpyxl walk the XML they expect and fail with AttributeError where a part is not what they expect.
READ_ERRORS = (
    AttributeError,
    zipfile.BadZipFile,
    zlib.error,
    KeyError,
    ValueError,
    TypeError,
    IndexError,
    OSError,
    ParseError,
    SyntaxError,  # lxml's XMLSyntaxError
    EOFError,
)


@dataclass(frozen=True)
class Block:
    """A located span of the text from `start` on; `opens_section` marks a preferred chunk boundary."""

    start: int
    location: Location
    opens_section: bool = False


@dataclass(frozen=True)
class LoadedDocument:
    """A document's text; `page_starts[i]` is where page i+1 begins (PDFs); `blocks` locate the rest, in order."""

    path: Path
    text: str
    page_starts: tuple[int, ...] = field(default_factory=tuple)
    blocks: tuple[Block, ...] = field(default_factory=tuple)

    def page_at(self, offset: int) -> int | None:
        """The 1-based page holding character `offset`, or None for documents without pages."""
        index = bisect.bisect_right(self.page_starts, offset)
        return index or None

    def block_at(self, offset: int) -> Block | None:
        """The block holding character `offset` (the last one starting at or before it)."""
        index = bisect.bisect_right(self.blocks, offset, key=lambda block: block.start) - 1
        return self.blocks[index] if index >= 0 else None

    def location_at(self, offset: int) -> dict[str, str | int] | None:
        """Where character `offset` stands: its block's location, else its page, else None."""
        block = self.block_at(offset)
        if block is not None:
            return dict(block.location)
        page = self.page_at(offset)
        return {"page": page} if page is not None else None

    def section_spans(self) -> list[tuple[int, int]]:
        """(start, end) of each section: a heading, slide, sheet or chapter to the next (the whole text if none)."""
        starts = sorted({0, *(block.start for block in self.blocks if block.opens_section)})
        ends = [*starts[1:], len(self.text)]
        return [(start, end) for start, end in zip(starts, ends, strict=True) if start < end]


class TextBuilder:
    """Builds a document's text block by block, recording each block's location.

    Blocks are joined by `separator` (a blank line by default; a newline for the rows of a table or sheet).
    A block whose location equals the previous block's is not recorded again, unless it opens a section.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.parts: list[str] = []
        self.length = 0
        self.blocks: list[Block] = []

    def add(
        self, text: str, location: Location | None, *, separator: str = "\n\n", opens_section: bool = False
    ) -> int | None:
        """Append one block and return where it starts (blank text is ignored: None)."""
        text = text.strip()
        if not text:
            return None
        if self.parts:
            self.parts.append(separator)
            self.length += len(separator)
        if location is not None:
            last = self.blocks[-1] if self.blocks else None
            if opens_section or last is None or dict(last.location) != dict(location):
                self.blocks.append(Block(self.length, dict(location), opens_section))
        start = self.length
        self.parts.append(text)
        self.length += len(text)
        return start

    def build(self) -> LoadedDocument:
        text = "".join(self.parts)
        if not text.strip():
            raise UnsupportedDocumentError(str(self.path), "no text could be extracted")
        return LoadedDocument(self.path, text, blocks=tuple(self.blocks))


def table_lines(rows: list[list[str]]) -> list[str]:
    """The rows of a table, one line each, every cell labelled by its column's header (the first row).

    `Metal: Tin; Melting point: 231.93 C`: a row read alone still says what each value is. Empty cells are left
    out; a column without a header is labelled by its number. A one-row table is its cells, joined.
    """
    rows = [[" ".join(cell.split()) for cell in row] for row in rows]
    rows = [row for row in rows if any(row)]
    if not rows:
        return []
    header, body = rows[0], rows[1:]
    if not body:
        return ["; ".join(cell for cell in header if cell)]
    lines = ["; ".join(cell for cell in header if cell)]
    for row in body:
        cells = [
            f"{header[i] if i < len(header) and header[i] else f'column {i + 1}'}: {value}"
            for i, value in enumerate(row)
            if value
        ]
        if cells:
            lines.append("; ".join(cells))
    return lines


def refuse(path: Path, reason: str) -> UnsupportedDocumentError:
    """The error that makes ingest skip `path`, saying why."""
    return UnsupportedDocumentError(str(path), reason)
