"""Split a loaded document into chunks that keep their character offsets, their section and their locations."""

from __future__ import annotations

import bisect
import hashlib
from dataclasses import dataclass

from assistant.core.types import Chunk
from assistant.documents.loaders import LoadedDocument


@dataclass(frozen=True)
class _Piece:
    start: int
    end: int


def chunk_id(path: str, start: int, text: str) -> str:
    """A stable id: the same file, place and words always give the same id."""
    return hashlib.sha1(f"{path}\x00{start}\x00{text}".encode()).hexdigest()


def split_document(document: LoadedDocument, source: str, chunk_size: int, chunk_overlap: int) -> list[Chunk]:
    """Recursive character splitting within sections; each chunk's text equals `document.text[start:end]`.

    Paragraph breaks are the splitter's preferred cuts. A document with sections (headings, slides, sheets,
    chapters) is split section by section, so no chunk starts mid-section unless the section is longer than a
    chunk; whole sections shorter than a chunk are packed together. Plain text is one section, as before.
    Metadata: `path`; `page` (PDFs); `section`; `locations`, the `[offset, location]` of each located block the
    chunk touches (a citation reads the location of its own sentence there); `after`, the white space between
    this chunk and the next, so that the chunks give back the whole text.
    """
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(chunk_size=chunk_size, chunk_overlap=chunk_overlap)
    text, path = document.text, str(document.path)
    pieces: list[_Piece] = []
    packing: _Piece | None = None  # whole short sections gathered into one chunk
    for section_start, section_end in document.section_spans():
        found = _split(splitter, text[section_start:section_end], section_start, chunk_overlap)
        if len(found) == 1 and packing is not None and found[0].end - packing.start <= chunk_size:
            packing = _Piece(packing.start, found[0].end)
            continue
        if packing is not None:
            pieces.append(packing)
        packing = found[0] if len(found) == 1 else None
        if len(found) > 1:
            pieces.extend(found)
    if packing is not None:
        pieces.append(packing)
    chunks = []
    block_starts = [block.start for block in document.blocks]
    for index, piece in enumerate(pieces):
        body = text[piece.start : piece.end]
        following = pieces[index + 1].start if index + 1 < len(pieces) else len(text)
        metadata = _metadata(document, block_starts, path, piece, text[piece.end : following])
        chunks.append(Chunk(chunk_id(path, piece.start, body), body, source, piece.start, piece.end, metadata))
    return chunks


def _split(splitter, text: str, base: int, chunk_overlap: int) -> list[_Piece]:
    """The splitter's pieces of `text` with their offsets (plus `base`), found by search."""
    pieces: list[_Piece] = []
    search_from, previous_start = 0, -1
    for piece in splitter.split_text(text):
        start = text.find(piece, search_from)
        if start < 0:  # an overlap longer than expected: look again just past the previous chunk
            start = text.find(piece, previous_start + 1)
        end = start + len(piece)
        pieces.append(_Piece(base + start, base + end))
        # The next chunk starts after this one's start, and no earlier than where the overlap allows.
        search_from, previous_start = max(start + 1, end - chunk_overlap), start
    return pieces


def _metadata(document: LoadedDocument, starts: list[int], path: str, piece: _Piece, after: str) -> dict:
    """The chunk's metadata; `starts` are the offsets of the document's blocks."""
    metadata: dict = {"path": path}
    page = document.page_at(piece.start)
    if page is not None:
        metadata["page"] = page
    if document.blocks:
        first = max(0, bisect.bisect_right(starts, piece.start) - 1)
        last = bisect.bisect_left(starts, piece.end)
        touched = document.blocks[first:last]
        if touched:
            metadata["locations"] = [[block.start, dict(block.location)] for block in touched]
            section = section_name(touched[0].location if touched[0].start <= piece.start else {})
            if section:
                metadata["section"] = section
    if after:
        metadata["after"] = after
    return metadata


def section_name(location) -> str | None:
    """The section a location belongs to, as people name it: a heading, chapter, sheet or slide."""
    for key in ("section", "chapter", "sheet"):
        if location.get(key):
            return str(location[key])
    if location.get("slide"):
        return f"slide {location['slide']}"
    return None
