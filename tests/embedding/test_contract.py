"""The promises every Embedder keeps (haystack-style contract tests): one test class, one subclass per embedder."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.embedding.base import Embedder
from assistant.embedding.cache import CachingEmbedder
from assistant.embedding.fake import FakeEmbedder

TEXTS = [
    "NATO called on Russia to de-escalate.",
    "The harbour bell rings at noon every Sunday.",
    "NATO called on Russia to de-escalate.",  # a repeat
    "p53 mutations are common in human cancers, and they change how cells respond to DNA damage.",
]


class EmbedderContract:
    """Subclasses provide the `embedder` fixture."""

    def test_it_has_a_name_for_the_index_signature(self, embedder: Embedder):
        assert isinstance(embedder.name, str) and embedder.name

    def test_one_unit_vector_per_text_in_order(self, embedder: Embedder):
        vectors = embedder.embed(TEXTS)
        assert vectors.shape[0] == len(TEXTS) and vectors.ndim == 2
        assert vectors.dtype == np.float32
        assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
        assert np.allclose(vectors[0], vectors[2], atol=1e-5)

    def test_the_same_text_gives_the_same_vector_alone_or_in_a_batch(self, embedder: Embedder):
        alone = embedder.embed([TEXTS[3]])[0]
        assert np.allclose(alone, embedder.embed(TEXTS)[3], atol=1e-4)

    def test_nothing_in_gives_an_empty_matrix(self, embedder: Embedder):
        assert embedder.embed([]).shape[0] == 0

    def test_related_texts_are_nearer_than_unrelated_ones(self, embedder: Embedder):
        question, answer, other = embedder.embed(
            ["Who did NATO call on to de-escalate?", TEXTS[0], "The harbour bell rings at noon."]
        )
        assert question @ answer > question @ other


class TestFakeEmbedder(EmbedderContract):
    @pytest.fixture
    def embedder(self):
        return FakeEmbedder()


class TestCachingEmbedder(EmbedderContract):
    @pytest.fixture
    def embedder(self):
        return CachingEmbedder(FakeEmbedder(), capacity=3)

    def test_each_distinct_text_reaches_the_model_once_while_cached(self):
        inner = FakeEmbedder()
        cached = CachingEmbedder(inner, capacity=10)
        cached.embed(TEXTS)
        cached.embed(TEXTS[:2])
        assert inner.calls == [3]  # three distinct texts, then nothing new


@pytest.mark.integration
class TestSentenceTransformerEmbedder(EmbedderContract):
    @pytest.fixture
    def embedder(self, real_embedder):
        return real_embedder


@pytest.mark.integration
@pytest.mark.parametrize("quantized", [False, True], ids=["fp32", "int8"])
class TestOnnxEmbedder(EmbedderContract):
    @pytest.fixture
    def embedder(self, quantized):
        from assistant.core.config import Settings
        from assistant.embedding.onnx import OnnxEmbedder

        return OnnxEmbedder(quantized=quantized, cache_dir=Settings().model_cache_dir)
