"""Dense, BM25 and hybrid retrieval against a real Chroma in a temp dir, with the fake embedder."""

import pytest

from assistant.assistant import Assistant
from assistant.core.errors import ConfigurationError
from assistant.retrieval.lexical import LexicalIndex
from assistant.retrieval.retrievers import (
    DenseRetriever,
    HybridRetriever,
    LexicalRetriever,
    source_filter,
)
from assistant.retrieval.store import ChromaStore


@pytest.fixture
def assistant(small_corpus):
    return small_corpus


@pytest.mark.parametrize(
    ("sources", "expected"),
    [
        (None, None),
        ([], None),
        (["a.txt"], {"source": "a.txt"}),
        (["a.txt", "b.txt", "a.txt"], {"source": {"$in": ["a.txt", "b.txt"]}}),
    ],
)
def test_source_filter(sources, expected):
    assert source_filter(sources) == expected


@pytest.mark.parametrize(
    ("mode", "kind"), [("dense", DenseRetriever), ("bm25", LexicalRetriever), ("hybrid", HybridRetriever)]
)
def test_the_assistant_builds_the_configured_retriever(settings, fake_embedder, mode, kind):
    built = Assistant(settings.model_copy(update={"retrieval": mode}), ChromaStore(settings), fake_embedder)
    assert isinstance(built.retriever, kind)
    assert (built.lexical is None) == (mode == "dense")


def test_ingest_keeps_the_bm25_index_in_step(assistant, tmp_path):
    assert assistant.lexical.ids() == assistant.store.chunk_ids()
    assert assistant.lexical.path.is_file()
    docs = tmp_path / "docs"
    (docs / "kites.txt").unlink()
    (docs / "new.txt").write_text("A new file about zeppelins.")
    assistant.ingest([docs])
    assert assistant.lexical.ids() == assistant.store.chunk_ids()
    assert assistant.lexical.search("zeppelins", 1) and not assistant.lexical.search("kites", 1)
    removed = assistant.remove_document(str(docs / "new.txt"))
    assert removed == 1 and not assistant.lexical.search("zeppelins", 1)
    reloaded = LexicalIndex(assistant.lexical.path)
    assert reloaded.load() and reloaded.ids() == assistant.store.chunk_ids()


@pytest.mark.parametrize("mode", ["bm25", "hybrid"])
def test_an_exact_identifier_is_found(assistant, mode):
    retriever = LexicalRetriever(assistant.store, assistant.lexical) if mode == "bm25" else assistant.retriever
    hits = retriever.retrieve("Was ZX-4472 paid?", 2)
    assert hits[0].chunk.source == "invoices.txt"


@pytest.mark.parametrize(("weight", "other"), [(1.0, "dense"), (0.0, "bm25")])
def test_the_weight_moves_hybrid_to_one_side(assistant, weight, other):
    hybrid = HybridRetriever(assistant.store, assistant.embedder, assistant.lexical, dense_weight=weight)
    side = (
        DenseRetriever(assistant.store, assistant.embedder)
        if other == "dense"
        else LexicalRetriever(assistant.store, assistant.lexical)
    )
    query = "when did the keeper retire"
    expected = side.retrieve(query, 4)
    found = hybrid.retrieve(query, len(expected))
    assert [hit.chunk.id for hit in found] == [hit.chunk.id for hit in expected]
    assert [hit.score for hit in found] == pytest.approx([hit.score * (weight or 1.0) for hit in expected])


def test_hybrid_scores_a_chunk_found_by_one_side_with_both(assistant):
    hybrid = HybridRetriever(assistant.store, assistant.embedder, assistant.lexical, dense_weight=0.5, candidates=1)
    query = "invoice ZX-4471"
    vector = assistant.embedder.embed([query])[0]
    hit = hybrid.retrieve(query, 1)[0]
    cosine = float(assistant.store.vectors([hit.chunk.id])[hit.chunk.id] @ vector)
    scores = assistant.lexical.query(query)
    words = scores.of([hit.chunk.id])[hit.chunk.id] / scores.ceiling
    assert hit.score == pytest.approx(0.5 * cosine + 0.5 * words, abs=1e-5)


@pytest.mark.parametrize(
    ("options", "message"), [({"dense_weight": 1.5}, "dense_weight"), ({"candidates": 0}, "candidates")]
)
def test_hybrid_rejects_bad_options(assistant, options, message):
    with pytest.raises(ConfigurationError, match=message):
        HybridRetriever(assistant.store, assistant.embedder, assistant.lexical, **options)


def test_the_bm25_index_is_rebuilt_when_missing(assistant):
    assistant.lexical.path.unlink()
    fresh = Assistant(assistant.settings, ChromaStore(assistant.settings), assistant.embedder)
    assert fresh.retriever.retrieve("ZX-4471", 1)[0].chunk.source == "invoices.txt"
    assert fresh.lexical.path.is_file()


def test_reingest_in_a_new_process_reuses_the_saved_bm25_index(assistant, tmp_path):
    stamp = assistant.lexical.path.stat().st_mtime_ns
    fresh = Assistant(assistant.settings, ChromaStore(assistant.settings), assistant.embedder)
    fresh.ingest([tmp_path / "docs"])
    assert fresh.lexical.ids() == assistant.store.chunk_ids()
    assert not fresh.lexical.dirty and fresh.lexical.path.stat().st_mtime_ns == stamp  # nothing re-analysed


@pytest.mark.parametrize("mode", ["bm25", "hybrid"])
def test_no_matching_words_or_chunks_is_no_error(assistant, mode):
    retriever = LexicalRetriever(assistant.store, assistant.lexical) if mode == "bm25" else assistant.retriever
    assert retriever.retrieve("zeppelin", 3, sources=["no-such-file.txt"]) == []
    assert LexicalRetriever(assistant.store, assistant.lexical).retrieve("zeppelin", 3) == []
