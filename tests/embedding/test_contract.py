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


LONG = "A sentence of ten words that fills the token budget fast. " * 40 + "The last words are cut off."


class SpanEmbedderContract(EmbedderContract):
    """What an embedder with `embed_with_spans` (late chunking) promises besides."""

    def test_span_vectors_come_from_the_same_pass_as_the_texts_vectors(self, embedder):
        text = TEXTS[0] + " " + TEXTS[1]
        spans = [(0, len(TEXTS[0])), (len(TEXTS[0]) + 1, len(text)), (0, len(text))]
        vectors, (pooled,) = embedder.embed_with_spans([text], [spans])
        assert np.allclose(vectors, embedder.embed([text]), atol=1e-4)
        assert pooled.shape == (3, vectors.shape[1]) and np.allclose(np.linalg.norm(pooled, axis=1), 1.0, atol=1e-4)
        assert pooled[2] @ vectors[0] > 0.95  # the whole text pooled is the text's vector, but for [CLS] and [SEP]
        alone = embedder.embed([TEXTS[0], TEXTS[1]])
        assert pooled[0] @ alone[0] > pooled[0] @ alone[1] and pooled[1] @ alone[1] > pooled[1] @ alone[0]

    def test_a_span_cut_off_by_the_token_limit_has_no_vector(self, embedder):
        spans = [(0, 58), (len(LONG) - 27, len(LONG))]
        _, (pooled,) = embedder.embed_with_spans([LONG], [spans])
        assert np.isfinite(pooled[0]).all() and np.isnan(pooled[1]).all()


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
class TestSentenceTransformerEmbedder(SpanEmbedderContract):
    @pytest.fixture
    def embedder(self, real_embedder):
        return real_embedder


@pytest.mark.integration
@pytest.mark.parametrize("quantized", [False, True], ids=["fp32", "int8"])
class TestOnnxEmbedder(SpanEmbedderContract):
    @pytest.fixture
    def embedder(self, quantized):
        from assistant.core.config import Settings
        from assistant.embedding.onnx import OnnxEmbedder

        return OnnxEmbedder(quantized=quantized, cache_dir=Settings().model_cache_dir)
