"""ChromaStore over a real embedded Chroma in tmp_path: chunks with offsets, records, settings, queries, refetching."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from assistant.core.errors import ConfigurationError
from assistant.core.types import Chunk, DocumentRecord, SentenceVectors
from assistant.retrieval.store import ChromaStore

CHUNKS = [
    Chunk("c1", "The harbour bell rings at noon.", "town.txt", 0, 31, {"path": "/docs/town.txt", "page": 2}),
    Chunk("c2", "The mayor is Ada Lovelace.", "town.txt", 32, 58, {"path": "/docs/town.txt"}),
    Chunk("c3", "Invoice ZX-4471 is paid.", "bills.txt", 0, 24, {"path": "/docs/bills.txt", "empty": None}),
]
VECTORS = np.eye(3, 8, dtype=np.float32)


@pytest.fixture
def store(settings) -> ChromaStore:
    built = ChromaStore(settings)
    built.add(CHUNKS, VECTORS)
    return built


def test_chunks_come_back_with_their_offsets_and_metadata(store):
    assert store.count() == 3 and store.chunk_ids() == {"c1", "c2", "c3"}
    (first,) = store.get(["c1"])
    assert first == CHUNKS[0]
    assert store.get(["c3"])[0].metadata == {"path": "/docs/bills.txt"}  # None values are not stored
    assert store.get([]) == [] and store.get(["missing"]) == []
    assert [chunk.id for chunk in store.get(["c2", "c1"])] == ["c2", "c1"]


def test_query_and_nearest_rank_by_cosine(store):
    hits = store.query(VECTORS[1] + 0.5 * VECTORS[0], 3)
    assert [hit.chunk.id for hit in hits] == ["c2", "c1", "c3"] and [hit.rank for hit in hits] == [1, 2, 3]
    assert hits[0].score == pytest.approx(2 / 5**0.5, abs=1e-5) and hits[2].score == pytest.approx(0.0, abs=1e-5)
    assert store.nearest(VECTORS[2], 1) == [("c3", pytest.approx(1.0, abs=1e-5))]
    assert [hit.chunk.id for hit in store.query(VECTORS[1], 3, where={"source": "bills.txt"})] == ["c3"]


def test_vectors_and_chunk_ids_of_a_document(store):
    assert np.allclose(store.vectors(["c2"])["c2"], VECTORS[1])
    assert store.chunk_ids_of("/docs/town.txt") == {"c1", "c2"}
    store.delete(["c1", "missing"])
    assert store.chunk_ids_of("/docs/town.txt") == {"c2"}


def test_file_records_and_index_settings(store):
    assert store.index_settings() is None and store.file_records() == {}
    record = DocumentRecord("/docs/town.txt", "town.txt", "ab" * 32, 2)
    store.set_file_records([record])
    store.set_index_settings({"schema": 1, "embedder": "fake"})
    assert store.file_records() == {"/docs/town.txt": record}
    assert store.index_settings() == {"schema": 1, "embedder": "fake"}
    store.delete_file_record("/docs/town.txt")
    assert store.file_records() == {}


def test_reset_drops_everything(store):
    store.set_file_records([DocumentRecord("/docs/town.txt", "town.txt", "ab" * 32, 2)])
    store.reset()
    assert store.count() == 0 and store.file_records() == {} and store.index_settings() is None


def test_a_store_reads_another_clients_rebuilt_collections(settings, store):
    other = ChromaStore(settings)
    other.reset()
    other.add(CHUNKS[:1], VECTORS[:1])
    assert store.count() == 1  # the first store's handles named the dropped collections: it fetched them again


@pytest.mark.parametrize("url", ["localhost:8000", "ftp://host:1", "http://"])
def test_a_bad_chroma_url_names_the_setting(settings, url):
    with pytest.raises(ConfigurationError, match="ASSISTANT_CHROMA_URL"):
        ChromaStore(settings.model_copy(update={"chroma_url": url})).count()


def test_sentence_vectors_travel_with_their_chunk_and_stay_out_of_its_metadata(settings, store):
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(2, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    text = "The mayor is Ada. She rings the bell."
    chunk = Chunk("c4", text, "town.txt", 100, 100 + len(text), {"path": "/docs/town.txt"})
    spans = ((100, 117), (118, 137))
    store.add([replace(chunk, sentence_vectors=SentenceVectors(spans, vectors))], np.eye(1, 8, k=5, dtype=np.float32))
    (found,) = store.get(["c4"])
    assert found.metadata == {"path": "/docs/town.txt"} and found == chunk
    assert found.sentence_vectors.spans == spans
    assert np.sum(found.sentence_vectors.get(118, 137) * vectors[1]) > 0.999  # int8, a cosine unchanged
    assert found.sentence_vectors.get(0, 5) is None
    (hit,) = store.query(VECTORS[0], 1, where={"path": "/docs/town.txt"})
    assert hit.chunk.id == "c1" and hit.chunk.sentence_vectors is None  # stored without any
