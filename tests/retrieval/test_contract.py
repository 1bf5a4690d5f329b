"""The promises every Retriever keeps, over a real Chroma in tmp_path: one test class, one subclass per retriever."""

from __future__ import annotations

import pytest

from assistant.retrieval.retrievers import DenseRetriever, HybridRetriever, LexicalRetriever, Retriever
from tests.fixtures.assistants import CORPUS


@pytest.fixture
def indexed(small_corpus):
    return small_corpus


class RetrieverContract:
    """Subclasses provide the `retriever` fixture (built over `indexed`)."""

    def test_at_most_k_hits_best_first_ranked_from_one(self, retriever: Retriever):
        hits = retriever.retrieve("harbour keeper bell", 2)
        assert 1 <= len(hits) <= 2
        assert [hit.rank for hit in hits] == list(range(1, len(hits) + 1))
        assert all(first.score >= second.score for first, second in zip(hits, hits[1:], strict=False))
        assert all(0.0 <= hit.score <= 1.0 + 1e-6 for hit in hits)

    def test_the_passage_with_the_words_comes_first(self, retriever: Retriever):
        assert retriever.retrieve("invoice ZX-4471 paid", 3)[0].chunk.source == "invoices.txt"

    def test_hits_are_exact_slices_of_their_documents(self, retriever: Retriever, indexed):
        for hit in retriever.retrieve("lighthouse keeper", 4):
            assert CORPUS[hit.chunk.source][hit.chunk.start : hit.chunk.end] == hit.chunk.text

    def test_sources_restrict_the_search(self, retriever: Retriever):
        hits = retriever.retrieve("keeper", 4, sources=["lighthouse.txt"])
        assert hits and {hit.chunk.source for hit in hits} == {"lighthouse.txt"}
        assert retriever.retrieve("keeper", 4, sources=["nowhere.txt"]) == []


class TestDenseRetriever(RetrieverContract):
    @pytest.fixture
    def retriever(self, indexed):
        return DenseRetriever(indexed.store, indexed.query_embedder)


class TestLexicalRetriever(RetrieverContract):
    @pytest.fixture
    def retriever(self, indexed):
        return LexicalRetriever(indexed.store, indexed.lexical)


class TestHybridRetriever(RetrieverContract):
    @pytest.fixture
    def retriever(self, indexed):
        return HybridRetriever(indexed.store, indexed.query_embedder, indexed.lexical)
