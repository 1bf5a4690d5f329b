"""Split a loaded document into chunks that keep their character offsets."""

from __future__ import annotations

import hashlib

from assistant.core.types import Chunk
from assistant.documents.loaders import LoadedDocument


def chunk_id(path: str, start: int, text: str) -> str:
    """A stable id: the same file, place and words always give the same id."""
    return hashlib.sha1(f"{path}\x00{start}\x00{text}".encode()).hexdigest()


def split_document(document: LoadedDocument, source: str, chunk_size: int, chunk_overlap: int) -> list[Chunk]:
    """Recursive character splitting; each chunk's text equals `document.text[start:end]`."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(chunk_size=chunk_size, chunk_overlap=chunk_overlap)
    text = document.text
    path = str(document.path)
    chunks: list[Chunk] = []
    search_from, previous_start = 0, -1
    for piece in splitter.split_text(text):
        start = text.find(piece, search_from)
        if start < 0:  # an overlap longer than expected: look again just past the previous chunk
            start = text.find(piece, previous_start + 1)
        end = start + len(piece)
        metadata: dict = {"path": path}
        page = document.page_at(start)
        if page is not None:
            metadata["page"] = page
        chunks.append(Chunk(chunk_id(path, start, piece), piece, source, start, end, metadata))
        # The next chunk starts after this one's start, and no earlier than where the overlap allows.
        search_from, previous_start = max(start + 1, end - chunk_overlap), start
    return chunks
