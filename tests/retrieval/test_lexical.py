"""The BM25 index: Lucene scores, stemming, filters, incremental changes, saving, and following the store."""

import math

import numpy as np
import pytest

from assistant.core.errors import ConfigurationError
from assistant.core.types import Chunk
from assistant.documents.ingest import ingest
from assistant.retrieval.lexical import Analyzer, LexicalIndex, lexical_index_for
from assistant.retrieval.store import ChromaStore

TEXTS = {
    "a": "The harbour bell rings at noon every Sunday.",
    "b": "Invoice ZX-4471 was paid on 3 March; invoice ZX-4472 is overdue.",
    "c": "Bells and whistles: the town band rehearses on Sundays in the harbour hall.",
    "d": "Running shoes were sold out; the runner bought sandals.",
}


def chunks(texts=TEXTS, source="doc.txt"):
    return [Chunk(chunk_id, text, source, 0, len(text)) for chunk_id, text in texts.items()]


@pytest.fixture
def index():
    built = LexicalIndex(k1=1.2, b=0.75)
    built.add(chunks())
    return built


def lucene_bm25(query_terms, documents, k1, b):
    """The textbook Lucene BM25 (idf = ln(1 + (N - df + 0.5) / (df + 0.5))), written out for the check."""
    average = sum(len(terms) for terms in documents) / len(documents)
    scores = []
    for terms in documents:
        score = 0.0
        for term in set(query_terms):
            tf = terms.count(term)
            df = sum(term in other for other in documents)
            if tf:
                idf = math.log(1 + (len(documents) - df + 0.5) / (df + 0.5))
                score += idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len(terms) / average))
        scores.append(score)
    return scores


def test_scores_are_lucene_bm25(index):
    analyzer = Analyzer()
    documents = [[term for term, n in analyzer.counts(text).items() for _ in range(n)] for text in TEXTS.values()]
    query = "harbour bells on Sunday"
    scores = index.query(query).scores
    expected = lucene_bm25(analyzer.terms(query), documents, 1.2, 0.75)
    assert np.allclose(scores, expected, atol=1e-5)


@pytest.mark.parametrize(
    ("query", "best"),
    [
        ("ZX-4471", "b"),  # an identifier, split into words, still finds its chunk
        ("bells ringing on sundays", "a"),  # stemmed: bells/bell, ringing/rings, sundays/sunday
        ("run", "d"),
        ("band rehearsal", "c"),
    ],
)
def test_search_finds_the_chunk_with_the_words(index, query, best):
    assert index.search(query, 1)[0][0] == best


def test_search_returns_only_matches_best_first_and_at_most_k(index):
    found = index.search("harbour", 10)
    assert [chunk_id for chunk_id, _ in found] in (["a", "c"], ["c", "a"])
    assert found[0][1] >= found[1][1] > 0
    assert len(index.search("harbour", 1)) == 1
    assert index.search("the of and", 5) == []  # stop words only
    assert index.search("zeppelin", 5) == []


def test_search_can_be_restricted_to_sources():
    index = LexicalIndex()
    index.add(chunks({"x": "apple pie recipe"}, "cook.txt") + chunks({"y": "apple orchard map"}, "map.txt"))
    assert [chunk_id for chunk_id, _ in index.search("apple", 5, sources=["map.txt"])] == ["y"]
    assert index.search("apple", 5, sources=["none.txt"]) == []


def test_ceiling_bounds_every_score(index):
    for query in ("harbour bell", "invoice ZX-4471 ZX-4471 paid", "sandals"):
        scores = index.query(query)
        assert 0 < scores.scores.max() < scores.ceiling
    assert index.query("zeppelin").ceiling == 1.0


def test_add_replace_and_remove(index):
    index.add([Chunk("a", "Completely different words now.", "doc.txt", 0, 30)])
    found = index.search("harbour", 5)
    assert [chunk_id for chunk_id, _ in found] == ["c"] and found[0][1] > 0  # "a" no longer has the word
    index.remove(["c", "missing"])
    assert index.search("harbour", 5) == []
    assert len(index) == 3 and "c" not in index


def test_save_and_load_round_trip(tmp_path, index):
    index.path = tmp_path / "bm25.npz"
    index.save()
    assert not index.dirty
    loaded = LexicalIndex(tmp_path / "bm25.npz", k1=1.2, b=0.75)
    assert loaded.load()
    assert loaded.ids() == index.ids()
    assert np.allclose(loaded.query("invoice overdue").scores, index.query("invoice overdue").scores)


def test_load_ignores_missing_unreadable_or_other_parameters(tmp_path, index):
    path = tmp_path / "bm25.npz"
    assert not LexicalIndex(path).load()
    index.path = path
    index.save()
    assert not LexicalIndex(path, k1=2.0).load()  # saved with k1=1.2
    path.write_bytes(b"not a numpy file")
    assert not LexicalIndex(path, k1=1.2, b=0.75).load()


@pytest.mark.parametrize(("k1", "b"), [(-1.0, 0.5), (1.0, 1.5)])
def test_bad_parameters_are_rejected(k1, b):
    with pytest.raises(ConfigurationError, match="k1"):
        LexicalIndex(k1=k1, b=b)


def test_sync_and_follow_the_store(tmp_path, settings, fake_embedder):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "one.txt").write_text("The lighthouse keeper retired in 1990.")
    (docs / "two.txt").write_text("Invoice ZX-4471 was paid in March.")
    store = ChromaStore(settings)
    ingest([docs], store, fake_embedder, settings)
    index = lexical_index_for(settings)
    index.follow(store)  # first use: built from the store's chunks, then saved beside the index
    assert index.ids() == store.chunk_ids()
    assert index.path.parent == settings.index_dir and index.path.is_file()
    (docs / "three.txt").write_text("A third file about kites.")
    ingest([docs], store, fake_embedder, settings)  # another writer: this index is not told
    index.follow(store)
    assert index.ids() == store.chunk_ids() and index.search("kites", 1)


def test_a_chroma_server_keeps_the_index_in_memory(settings):
    server = settings.model_copy(update={"chroma_url": "http://127.0.0.1:8000"})
    assert lexical_index_for(server).path is None


def test_searches_during_changes_see_one_consistent_index(tmp_path):
    """Threads searching while another adds, removes and saves chunks never fail and never mix two states."""
    import threading

    index = LexicalIndex(tmp_path / "bm25.npz")
    index.add(chunks())
    stop = threading.Event()
    failures = []

    def change():
        revision = 0
        while not stop.is_set():
            revision += 1
            fresh = {f"n{revision}-{i}": f"harbour word{revision}x{i} ledger{i}" for i in range(20)}
            index.add(chunks(fresh, "log.txt"))
            index.save()
            index.remove(fresh)

    def search():
        try:
            for _ in range(300):
                scores = index.query("harbour ledger3 word7x3")
                assert len(scores.ids) == len(scores.scores) == len(scores.rows)
                assert all(0 < score <= scores.ceiling for _, score in scores.top(50))
                assert set(scores.of(scores.ids)) == set(scores.ids)
        except Exception as error:  # noqa: BLE001 - reported by the main thread
            failures.append(error)

    writer = threading.Thread(target=change)
    readers = [threading.Thread(target=search) for _ in range(4)]
    writer.start()
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join()
    stop.set()
    writer.join()
    assert not failures, failures[:3]
    assert index.search("harbour", 5) and LexicalIndex(tmp_path / "bm25.npz").load()
