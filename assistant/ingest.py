"""Sync files into the store: embed what is new, keep what is unchanged, remove what is gone."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.chunking import split_document
from assistant.config import Settings
from assistant.embeddings import Embedder
from assistant.errors import DocumentNotFoundError, UnsupportedDocumentError
from assistant.loaders import is_supported, load
from assistant.store import ChromaStore
from assistant.types import Chunk, IngestReport

if TYPE_CHECKING:
    from assistant.lexical import LexicalIndex

logger = logging.getLogger(__name__)

INDEX_SCHEMA = 1
# Chunks embedded and stored together, across files: each Chroma write is a commit, and the embedder sorts a
# batch by length, so bigger batches are faster. An interrupted run loses at most one batch.
EMBED_BATCH = 256


@dataclass(frozen=True)
class SourceFile:
    """A file to ingest: its absolute path and the name shown in citations."""

    path: Path
    source: str


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
    started = time.perf_counter()
    report = IngestReport()
    roots = [Path(path).expanduser().resolve() for path in paths]
    for root, given in zip(roots, paths, strict=True):
        if not root.exists():
            raise DocumentNotFoundError(f"No such file or folder: {given}. Check the path and try again.")
    with lexical.writing() if lexical is not None else nullcontext():
        _rebuild_if_settings_changed(store, settings, embedder)
        if lexical is not None:
            lexical.ensure_loaded()
        _sync_files(roots, store, embedder, settings, report, progress, lexical)
        if lexical is not None:
            lexical.sync(store)  # drops removed chunks; adds chunks stored by an earlier, interrupted run
            lexical.save()
    report.seconds = time.perf_counter() - started
    return report


def _sync_files(
    roots: list[Path],
    store: ChromaStore,
    embedder: Embedder,
    settings: Settings,
    report: IngestReport,
    progress: bool | None,
    lexical: LexicalIndex | None,
) -> None:
    records = store.file_records()
    empty = store.count() == 0  # then no file has chunks to look up
    files = list(_discover(roots, report))
    seen: set[str] = set()
    writer = _BatchWriter(store, embedder, report, lexical)
    for source_file in _progress(files, progress):
        if str(source_file.path) in seen:
            continue  # named twice (a folder and a file in it)
        seen.add(str(source_file.path))
        _sync_file(source_file, records.get(str(source_file.path)), store, settings, report, writer, empty)
    writer.flush()
    for path in _vanished(records, seen, roots):
        removed = remove_document(path, store)
        report.chunks_removed += removed
        logger.info("removed %s (%d chunks): the file is gone", records[path]["source"], removed)


def remove_document(path: str, store: ChromaStore) -> int:
    """Remove one ingested file's chunks and record; returns the number of chunks removed."""
    removed = store.chunk_ids_of(path)
    store.delete(removed)
    store.delete_file_record(path)
    return len(removed)


def _sync_file(
    source_file: SourceFile,
    record: dict | None,
    store: ChromaStore,
    settings: Settings,
    report: IngestReport,
    writer: _BatchWriter,
    empty: bool,
) -> None:
    path = str(source_file.path)
    sha256 = hashlib.sha256(source_file.path.read_bytes()).hexdigest()
    if record is not None and record.get("sha256") == sha256 and record.get("source") == source_file.source:
        report.files += 1
        report.chunks_unchanged += int(record.get("chunks", 0))
        return
    existing = set() if empty else store.chunk_ids_of(path)
    try:
        document = load(source_file.path)
    except UnsupportedDocumentError as error:
        _skip(report, path, error.reason)
        if existing or record is not None:  # it was indexed before it became unreadable
            report.chunks_removed += remove_document(path, store)
        return
    chunks = split_document(document, source_file.source, settings.chunk_size, settings.chunk_overlap)
    wanted = {chunk.id for chunk in chunks}
    stale = existing - wanted
    writer.delete(stale)
    report.chunks_removed += len(stale)
    new = [chunk for chunk in chunks if chunk.id not in existing]
    report.chunks_unchanged += len(chunks) - len(new)
    writer.add(new, (path, source_file.source, sha256, len(chunks)))
    report.files += 1
    logger.info("indexed %s: %d chunks (%d to embed)", source_file.source, len(chunks), len(new))


class _BatchWriter:
    """Embeds and stores the new chunks of many files together, then writes those files' records."""

    def __init__(self, store: ChromaStore, embedder: Embedder, report: IngestReport, lexical) -> None:
        self.store, self.embedder, self.report, self.lexical = store, embedder, report, lexical
        self.chunks: list[Chunk] = []
        self.records: list[tuple[str, str, str, int]] = []

    def add(self, chunks: Sequence[Chunk], record: tuple[str, str, str, int]) -> None:
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
            self.store.add(batch, self.embedder.embed([chunk.text for chunk in batch]))
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


def _discover(roots: Iterable[Path], report: IngestReport) -> Iterable[SourceFile]:
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
            yield SourceFile(path, relative.as_posix())


def _vanished(records: dict[str, dict], seen: set[str], roots: Sequence[Path]) -> list[str]:
    folders = [root for root in roots if root.is_dir()]
    return [
        path
        for path in records
        if path not in seen and any(Path(path).is_relative_to(folder) for folder in folders)
    ]


def _skip(report: IngestReport, path: str, reason: str) -> None:
    logger.warning("skipped %s: %s", path, reason)
    report.skipped += 1
    report.skipped_files.append((path, reason))


def _progress(files: list[SourceFile], enabled: bool | None) -> Iterable[SourceFile]:
    if enabled is False or len(files) < 2:
        return files
    from tqdm import tqdm

    return tqdm(files, desc="ingest", unit="file", disable=None if enabled is None else not enabled)
