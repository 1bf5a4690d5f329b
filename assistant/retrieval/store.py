"""The Chroma store: chunks with their vectors, and a record per ingested file."""

from __future__ import annotations

import base64
import functools
import json
import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar
from urllib.parse import urlparse

import numpy as np

from assistant.core.config import Settings
from assistant.core.errors import ConfigurationError
from assistant.core.types import Chunk, DocumentRecord, Hit, SentenceVectors

logger = logging.getLogger(__name__)

_SETTINGS_ID = "__index_settings__"
_PLACEHOLDER_VECTOR = [1.0]  # file records need a vector; Chroma has no vector-less collections
_JSON_SUFFIX = ".json"  # a chunk metadata key holding a JSON-encoded list or dict
# A chunk's sentence vectors: their spans as JSON, the vectors as int8 (each scaled to its largest component; a
# cosine needs no scale), base64: 512 characters a sentence. Stored with the chunk, so they go wherever it goes.
_SENTENCE_SPANS = "sentence_spans"
_SENTENCE_VECTORS = "sentence_vectors"


Method = TypeVar("Method", bound=Callable[..., Any])


def _refetching(method: Method) -> Method:
    """Run `method` again, once, with fresh collections when another client dropped and recreated them.

    A process that rebuilds the index (settings changed) deletes the collections; the handles that other
    processes (or other stores in this one) hold then name collections that no longer exist.
    """

    @functools.wraps(method)
    def wrapper(self: ChromaStore, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except Exception as error:
            from chromadb.errors import NotFoundError  # chromadb is loaded by now

            if not isinstance(error, NotFoundError):
                raise
            logger.info("the Chroma collections were recreated by another client; fetching them again")
            self._chunks = self._files = None
            return method(self, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


class ChromaStore:
    """Chunks in `<collection>-chunks` (cosine space); file records and index settings in `<collection>-files`."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._client = None
        self._connect_lock = threading.Lock()  # two threads connecting at once confuse Chroma's tenant setup
        self._chunks = None
        self._files = None

    # -- connection -------------------------------------------------------------------------------
    @property
    def client(self):
        with self._connect_lock:
            if self._client is None:
                self._client = _connect(self.settings)
        return self._client

    @property
    def chunks(self):
        if self._chunks is None:
            self._chunks = self.client.get_or_create_collection(
                f"{self.settings.collection}-chunks",
                metadata={"hnsw:space": "cosine"},
                embedding_function=None,
            )
        return self._chunks

    @property
    def files(self):
        if self._files is None:
            self._files = self.client.get_or_create_collection(
                f"{self.settings.collection}-files", embedding_function=None
            )
        return self._files

    def reset(self) -> None:
        """Drop every chunk and file record (used when the index settings change)."""
        for name in (f"{self.settings.collection}-chunks", f"{self.settings.collection}-files"):
            try:
                self.client.delete_collection(name)
            except Exception:  # noqa: BLE001 - chroma raises different types for a missing collection
                logger.debug("collection %s did not exist", name)
        self._chunks = self._files = None

    # -- index settings and file records ----------------------------------------------------------
    @_refetching
    def index_settings(self) -> dict[str, Any] | None:
        found = self.files.get(ids=[_SETTINGS_ID], include=["documents"])
        return json.loads(found["documents"][0]) if found["ids"] else None

    @_refetching
    def set_index_settings(self, values: dict[str, Any]) -> None:
        self.files.upsert(
            ids=[_SETTINGS_ID], documents=[json.dumps(values, sort_keys=True)], embeddings=[_PLACEHOLDER_VECTOR]
        )

    @_refetching
    def file_records(self) -> dict[str, DocumentRecord]:
        """The records of the ingested documents, by id (absolute path)."""
        found = self.files.get(include=["metadatas"])
        return {
            record_id: DocumentRecord(record_id, meta["source"], meta["sha256"], int(meta["chunks"]))
            for record_id, meta in zip(found["ids"], found["metadatas"], strict=True)
            if record_id != _SETTINGS_ID
        }

    @_refetching
    def set_file_records(self, records: Sequence[DocumentRecord]) -> None:
        """Upsert document records in one write (each Chroma write costs a commit)."""
        if not records:
            return
        self.files.upsert(
            ids=[record.id for record in records],
            metadatas=[{"source": r.source, "sha256": r.sha256, "chunks": r.chunks} for r in records],
            documents=[record.source for record in records],
            embeddings=[_PLACEHOLDER_VECTOR] * len(records),
        )

    @_refetching
    def delete_file_record(self, path: str) -> None:
        self.files.delete(ids=[path])

    # -- chunks -----------------------------------------------------------------------------------
    @_refetching
    def chunk_ids_of(self, path: str) -> set[str]:
        return set(self.chunks.get(where={"path": path}, include=[])["ids"])

    @_refetching
    def chunk_ids(self) -> set[str]:
        """The ids of every stored chunk."""
        return set(self.chunks.get(include=[])["ids"])

    def vectors(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        """The stored vectors of `ids` by id (ids not in the store are left out)."""
        return {chunk.id: vector for chunk, vector in self.get_with_vectors(ids)}

    @_refetching
    def get_with_vectors(self, ids: Sequence[str]) -> list[tuple[Chunk, np.ndarray]]:
        """The chunks of `ids` with their stored vectors, in one read (ids not in the store are left out)."""
        if not ids:
            return []
        found = self.chunks.get(ids=list(ids), include=["documents", "metadatas", "embeddings"])
        vectors = np.asarray(found["embeddings"], dtype=np.float32)
        rows = zip(found["ids"], found["documents"], found["metadatas"], vectors, strict=True)
        return [(_to_chunk(chunk_id, text, metadata), vector) for chunk_id, text, metadata, vector in rows]

    @_refetching
    def add(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        """Upsert chunks with their vectors, in batches Chroma accepts."""
        limit = self._max_batch()
        for begin in range(0, len(chunks), limit):
            batch = chunks[begin : begin + limit]
            self.chunks.upsert(
                ids=[chunk.id for chunk in batch],
                documents=[chunk.text for chunk in batch],
                metadatas=[_chunk_metadata(chunk) for chunk in batch],
                embeddings=vectors[begin : begin + limit],
            )

    @_refetching
    def delete(self, ids: Iterable[str]) -> None:
        ids = list(ids)
        limit = self._max_batch()
        for begin in range(0, len(ids), limit):
            self.chunks.delete(ids=ids[begin : begin + limit])

    @_refetching
    def count(self) -> int:
        return self.chunks.count()

    @_refetching
    def get(self, ids: Sequence[str]) -> list[Chunk]:
        if not ids:
            return []  # chroma rejects an empty id list
        found = self.chunks.get(ids=list(ids), include=["documents", "metadatas"])
        by_id = {
            chunk_id: _to_chunk(chunk_id, text, metadata)
            for chunk_id, text, metadata in zip(found["ids"], found["documents"], found["metadatas"], strict=True)
        }
        return [by_id[chunk_id] for chunk_id in ids if chunk_id in by_id]

    @_refetching
    def query(self, vector: np.ndarray, k: int, where: dict[str, Any] | None = None) -> list[Hit]:
        """The k chunks nearest to `vector`, best first, scored by cosine similarity (fewer when there are fewer).

        No count first: Chroma returns what there is, and a count costs as much as the query (3 ms on 17k chunks).
        """
        found = self.chunks.query(
            query_embeddings=[np.asarray(vector, dtype=np.float32)],
            n_results=k,
            where=where,
            include=["documents", "metadatas", "distances"],
        )
        rows = zip(found["ids"][0], found["documents"][0], found["metadatas"][0], found["distances"][0], strict=True)
        return [
            Hit(_to_chunk(chunk_id, text, metadata), 1.0 - float(distance), rank)
            for rank, (chunk_id, text, metadata, distance) in enumerate(rows, start=1)
        ]

    @_refetching
    def nearest(self, vector: np.ndarray, k: int, where: dict[str, Any] | None = None) -> list[tuple[str, float]]:
        """The ids of the k chunks nearest to `vector` with their cosine similarity, best first (no texts read)."""
        found = self.chunks.query(
            query_embeddings=[np.asarray(vector, dtype=np.float32)],
            n_results=k,
            where=where,
            include=["distances"],
        )
        pairs = zip(found["ids"][0], found["distances"][0], strict=True)
        return [(chunk_id, 1.0 - float(distance)) for chunk_id, distance in pairs]

    def _max_batch(self) -> int:
        try:
            return max(1, min(5000, int(self.client.get_max_batch_size())))
        except Exception:  # noqa: BLE001 - older clients and servers do not report it
            return 1000


def _connect(settings: Settings):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ConfigurationError(
                f"ASSISTANT_CHROMA_URL must look like http://host:port; got {settings.chroma_url!r}."
            )
        return chromadb.HttpClient(
            host=url.hostname,
            port=url.port or (443 if url.scheme == "https" else 8000),
            ssl=url.scheme == "https",
            settings=chroma_settings,
        )
    settings.index_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.index_dir), settings=chroma_settings)


def _chunk_metadata(chunk: Chunk) -> dict[str, Any]:
    """Chroma's metadata of a chunk: lists and dicts (a chunk's locations) become JSON under `<key>.json`."""
    metadata = {}
    for key, value in chunk.metadata.items():
        if isinstance(value, list | tuple | dict):  # Chroma keeps only str, int, float and bool values
            metadata[f"{key}{_JSON_SUFFIX}"] = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        elif value is not None:
            metadata[key] = value
    metadata.update(source=chunk.source, start=chunk.start, end=chunk.end)
    if chunk.sentence_vectors is not None and chunk.sentence_vectors.spans:
        metadata.update(_encode_sentence_vectors(chunk.sentence_vectors))
    return metadata


def _encode_sentence_vectors(stored: SentenceVectors) -> dict[str, str]:
    vectors = np.asarray(stored.vectors, dtype=np.float32)
    scale = np.abs(vectors).max(axis=1, keepdims=True)
    quantized = np.round(vectors / np.maximum(scale, 1e-12) * 127).astype(np.int8)
    return {
        _SENTENCE_SPANS: json.dumps([list(span) for span in stored.spans], separators=(",", ":")),
        _SENTENCE_VECTORS: base64.b64encode(quantized.tobytes()).decode("ascii"),
    }


def _decode_sentence_vectors(spans: str, vectors: str) -> SentenceVectors:
    pairs = tuple((int(start), int(end)) for start, end in json.loads(spans))
    matrix = np.frombuffer(base64.b64decode(vectors), dtype=np.int8).astype(np.float32).reshape(len(pairs), -1)
    return SentenceVectors(pairs, matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12))


def _to_chunk(chunk_id: str, text: str, metadata: dict[str, Any]) -> Chunk:
    extra = {}
    sentence_vectors = None
    if isinstance(metadata.get(_SENTENCE_SPANS), str) and isinstance(metadata.get(_SENTENCE_VECTORS), str):
        sentence_vectors = _decode_sentence_vectors(metadata[_SENTENCE_SPANS], metadata[_SENTENCE_VECTORS])
    for key, value in metadata.items():
        if key in ("source", "start", "end", _SENTENCE_SPANS, _SENTENCE_VECTORS):
            continue
        if key.endswith(_JSON_SUFFIX) and isinstance(value, str):
            extra[key.removesuffix(_JSON_SUFFIX)] = json.loads(value)
        else:
            extra[key] = value
    start, end = int(metadata["start"]), int(metadata["end"])
    return Chunk(chunk_id, text, metadata["source"], start, end, extra, sentence_vectors)
