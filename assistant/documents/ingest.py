"""Sync documents into the store: embed what is new, keep what is unchanged, remove what is gone."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.core.config import Settings
from assistant.core.errors import DocumentNotFoundError, UnsupportedDocumentError
from assistant.core.types import Chunk, DocumentRecord, IngestReport
from assistant.documents.chunking import split_document
from assistant.documents.loaders import LoadedDocument, is_supported, load
from assistant.embedding.base import Embedder
from assistant.embedding.sentences import embed_chunks
from assistant.retrieval.store import ChromaStore

if TYPE_CHECKING:
    from assistant.retrieval.lexical import LexicalIndex

logger = logging.getLogger(__name__)

INDEX_SCHEMA = 2  # 2: chunks carry their sentences' vectors (embedding/sentences.py)
# Chunks embedded and stored together, across files: each Chroma write is a commit, and the embedder sorts a
# batch by length, so bigger batches are faster. An interrupted run loses at most one batch.
EMBED_BATCH = 256


@dataclass(frozen=True)
class SourceDocument:
    """A document to ingest: its id (a file's absolute path), the name shown in citations, its bytes' hash, a loader."""

    id: str
    source: str
    sha256: str
    load: Callable[[], LoadedDocument]


def index_signature(settings: Settings, embedder: Embedder) -> dict:
    """What an index was built with; a change means every chunk must be rebuilt."""
    return {
        "schema": INDEX_SCHEMA,
        "embedder": embedder.name,
        "chunk_size": settings.chunk_size,
        "chunk_overlap": settings.chunk_overlap,
    }


def ingest(
    paths: Sequence[Path | str],
    store: ChromaStore,
    embedder: Embedder,
    settings: Settings,
    progress: bool | None = None,
    lexical: LexicalIndex | None = None,
) -> IngestReport:
    """Bring the index in line with the files under `paths` and report what changed.

    `lexical`, the BM25 index of hybrid retrieval, is kept in step with the store's chunks and saved.
    """
    roots = [Path(path).expanduser().resolve() for path in paths]
    for root, given in zip(roots, paths, strict=True):
        if not root.exists():
            raise DocumentNotFoundError(f"No such file or folder: {given}. Check the path and try again.")
    report = IngestReport()
    with _syncing(store, embedder, settings, report, lexical) as sync:
        records = store.file_records()
        seen = sync(_files(roots, report), records, progress)
        for path in _vanished(records, seen, roots):
            removed = remove_document(path, store)
            report.chunks_removed += removed
            logger.info("removed %s (%d chunks): the file is gone", records[path].source, removed)
    return report


def ingest_texts(
    texts: Iterable[tuple[str, str, str]],
    store: ChromaStore,
    embedder: Embedder,
    settings: Settings,
    progress: bool | None = None,
    lexical: LexicalIndex | None = None,
) -> IngestReport:
    """Make the index hold exactly these documents, given in memory as `(id, source, text)` (a benchmark corpus).

    Unchanged documents are skipped, as files are; documents of the index that are not given are removed.
    """
    documents = [
        SourceDocument(
            doc_id, source, _sha256(text.encode()), lambda doc_id=doc_id, text=text: _in_memory(doc_id, text)
        )
        for doc_id, source, text in texts
    ]
    report = IngestReport()
    with _syncing(store, embedder, settings, report, lexical) as sync:
        records = store.file_records()
        seen = sync(documents, records, progress)
        for doc_id in records.keys() - seen:
            report.chunks_removed += remove_document(doc_id, store)
    return report


def remove_document(document_id: str, store: ChromaStore) -> int:
    """Remove one ingested document's chunks and record; returns the number of chunks removed."""
    removed = store.chunk_ids_of(document_id)
    store.delete(removed)
    store.delete_file_record(document_id)
    return len(removed)


@contextmanager
def _syncing(
    store: ChromaStore, embedder: Embedder, settings: Settings, report: IngestReport, lexical: LexicalIndex | None
) -> Iterator[Callable[[Iterable[SourceDocument], dict[str, DocumentRecord], bool | None], set[str]]]:
    """Around one ingest run: the index rebuilt if its settings changed, BM25 kept in step, the run timed."""
    started = time.perf_counter()
    with lexical.writing() if lexical is not None else nullcontext():
        _rebuild_if_settings_changed(store, settings, embedder)
        if lexical is not None:
            lexical.ensure_loaded()
        empty = store.count() == 0  # then no document has chunks to look up

        def sync(documents, records, progress) -> set[str]:
            writer = _BatchWriter(store, embedder, report, lexical)
            seen: set[str] = set()
            for document in _progress(list(documents), progress):
                if document.id not in seen:  # a file named twice (a folder and a file in it) is read once
                    seen.add(document.id)
                    _sync_document(document, records.get(document.id), store, settings, report, writer, empty)
            writer.flush()
            return seen

        yield sync
        if lexical is not None:
            lexical.sync(store)  # drops removed chunks; adds chunks stored by an earlier, interrupted run
            lexical.save()
    report.seconds = time.perf_counter() - started


def _sync_document(
    document: SourceDocument,
    record: DocumentRecord | None,
    store: ChromaStore,
    settings: Settings,
    report: IngestReport,
    writer: _BatchWriter,
    empty: bool,
) -> None:
    if record is not None and record.sha256 == document.sha256 and record.source == document.source:
        report.files += 1
        report.chunks_unchanged += record.chunks
        return
    existing = set() if empty else store.chunk_ids_of(document.id)
    try:
        loaded = document.load()
    except UnsupportedDocumentError as error:
        _skip(report, document.id, error.reason)
        if existing or record is not None:  # it was indexed before it became unreadable
            report.chunks_removed += remove_document(document.id, store)
        return
    chunks = split_document(loaded, document.source, settings.chunk_size, settings.chunk_overlap)
    wanted = {chunk.id for chunk in chunks}
    stale = existing - wanted
    writer.delete(stale)
    report.chunks_removed += len(stale)
    new = [chunk for chunk in chunks if chunk.id not in existing]
    report.chunks_unchanged += len(chunks) - len(new)
    writer.add(new, DocumentRecord(document.id, document.source, document.sha256, len(chunks)))
    report.files += 1
    logger.info("indexed %s: %d chunks (%d to embed)", document.source, len(chunks), len(new))


class _BatchWriter:
    """Embeds and stores the new chunks of many documents together, then writes those documents' records."""

    def __init__(self, store: ChromaStore, embedder: Embedder, report: IngestReport, lexical) -> None:
        self.store, self.embedder, self.report, self.lexical = store, embedder, report, lexical
        self.chunks: list[Chunk] = []
        self.records: list[DocumentRecord] = []

    def add(self, chunks: Sequence[Chunk], record: DocumentRecord) -> None:
        self.chunks.extend(chunks)
        self.records.append(record)
        if len(self.chunks) >= EMBED_BATCH:
            self.flush()

    def delete(self, chunk_ids: set[str]) -> None:
        """Remove chunks from the store, and from the BM25 index at once so that searches meanwhile agree."""
        self.store.delete(chunk_ids)
        if self.lexical is not None:
            self.lexical.remove(chunk_ids)

    def flush(self) -> None:
        for begin in range(0, len(self.chunks), EMBED_BATCH):
            batch = self.chunks[begin : begin + EMBED_BATCH]
            batch, vectors = embed_chunks(self.embedder, batch)
            self.store.add(batch, vectors)
            if self.lexical is not None:
                self.lexical.add(batch)
            self.report.chunks_embedded += len(batch)
        # Written last: a run killed before this leaves the files looking changed, so the next run finishes them.
        self.store.set_file_records(self.records)
        logger.info("stored %d files (%d chunks embedded so far)", len(self.records), self.report.chunks_embedded)
        self.chunks, self.records = [], []


def _rebuild_if_settings_changed(store: ChromaStore, settings: Settings, embedder: Embedder) -> None:
    wanted = index_signature(settings, embedder)
    current = store.index_settings()
    if current is not None and current != wanted:
        logger.warning("index settings changed (%s -> %s): rebuilding the index", current, wanted)
        store.reset()
    if current != wanted:
        store.set_index_settings(wanted)


def _files(roots: Iterable[Path], report: IngestReport) -> Iterator[SourceDocument]:
    """The supported files under `roots` (hidden ones left out), each hashed; the others reported as skipped."""
    for root in roots:
        if root.is_file():
            candidates, base = [root], root.parent
        else:
            candidates, base = sorted(p for p in root.rglob("*") if p.is_file()), root
        for path in candidates:
            relative = path.relative_to(base)
            if any(part.startswith(".") for part in relative.parts):
                continue  # hidden files and folders (.git, .DS_Store) are not documents
            if not is_supported(path):
                _skip(report, str(path), f"unsupported file type {path.suffix or '(none)'!r}")
                continue
            yield SourceDocument(str(path), relative.as_posix(), _sha256(path.read_bytes()), lambda p=path: load(p))


def _in_memory(doc_id: str, text: str) -> LoadedDocument:
    if not text.strip():
        raise UnsupportedDocumentError(doc_id, "no text")
    return LoadedDocument(Path(doc_id), text)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _vanished(records: dict[str, DocumentRecord], seen: set[str], roots: Sequence[Path]) -> list[str]:
    folders = [root for root in roots if root.is_dir()]
    return [
        path for path in records if path not in seen and any(Path(path).is_relative_to(folder) for folder in folders)
    ]


def _skip(report: IngestReport, path: str, reason: str) -> None:
    logger.warning("skipped %s: %s", path, reason)
    report.skipped += 1
    report.skipped_files.append((path, reason))


def _progress(documents: list[SourceDocument], enabled: bool | None) -> Iterable[SourceDocument]:
    if enabled is False or len(documents) < 2:
        return documents
    from tqdm import tqdm

    return tqdm(documents, desc="ingest", unit="file", disable=None if enabled is None else not enabled)
