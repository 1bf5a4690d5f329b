"""Embedders: the fake, the builder's choice by settings, and the ONNX export of the packaged model."""

import json

import numpy as np
import pytest

from assistant.core.errors import ConfigurationError
from assistant.embedding.base import resolve_model_path
from assistant.embedding.build import build_embedder
from assistant.embedding.fake import FakeEmbedder
from assistant.embedding.onnx import OnnxEmbedder, export_onnx
from assistant.embedding.sentence_transformers import SentenceTransformerEmbedder

SENTENCES = [
    "NATO called on Russia to de-escalate.",
    "The harbour bell rings at noon every Sunday.",
    "p53 mutations are common in human cancers, and they change how cells respond to DNA damage.",
    "short",
]


def test_fake_embedder_is_deterministic_and_normalized():
    first, second = FakeEmbedder().embed(SENTENCES), FakeEmbedder().embed(SENTENCES)
    assert np.array_equal(first, second)
    assert np.allclose(np.linalg.norm(first, axis=1), 1.0)
    assert FakeEmbedder().embed([]).shape == (0, 64)


@pytest.mark.parametrize(
    ("backend", "kind", "name"),
    [
        ("torch", SentenceTransformerEmbedder, "all-MiniLM-L6-v2"),
        ("onnx", OnnxEmbedder, "all-MiniLM-L6-v2+onnx"),
        ("onnx-int8", OnnxEmbedder, "all-MiniLM-L6-v2+onnx-int8-q2"),
    ],
)
def test_the_builder_picks_the_backend_and_names_it(settings, backend, kind, name):
    embedder = build_embedder(settings.model_copy(update={"embedding_backend": backend}))
    assert isinstance(embedder, kind)
    assert embedder.name == name  # recorded in the index: another backend means a rebuilt index


def test_unknown_model_folder_is_a_configuration_error(tmp_path):
    with pytest.raises(ConfigurationError, match="no_such_model"):
        resolve_model_path(str(tmp_path / "no_such_model"))


def test_onnx_export_refuses_models_it_cannot_pool(tmp_path):
    (tmp_path / "modules.json").write_text(json.dumps([{"idx": 0, "name": "0", "path": "", "type": "x.Dense"}]))
    with pytest.raises(ConfigurationError, match="EMBEDDING_BACKEND=torch"):
        export_onnx(tmp_path, tmp_path / "cache")


@pytest.fixture(scope="module")
def onnx_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("onnx-cache")


@pytest.mark.integration
def test_onnx_matches_pytorch_and_is_exported_once(real_embedder, onnx_cache):
    onnx = OnnxEmbedder(cache_dir=onnx_cache, threads=2)  # texts of different lengths, run in parallel
    vectors, reference = onnx.embed(SENTENCES), real_embedder.embed(SENTENCES)
    assert vectors.shape == reference.shape == (4, 384)
    assert np.min(np.sum(vectors * reference, axis=1)) > 0.9999
    one_by_one = np.stack([onnx.embed([sentence])[0] for sentence in SENTENCES])  # the caller's thread
    assert np.allclose(one_by_one, vectors, atol=1e-6)
    exported = export_onnx(resolve_model_path("all-MiniLM-L6-v2"), onnx_cache)
    stamp = exported.stat().st_mtime_ns
    OnnxEmbedder(cache_dir=onnx_cache).embed(["again"])
    assert exported.stat().st_mtime_ns == stamp


@pytest.mark.integration
def test_int8_stays_close_to_pytorch(real_embedder, onnx_cache):
    vectors = OnnxEmbedder(cache_dir=onnx_cache, quantized=True).embed(SENTENCES)
    assert np.min(np.sum(vectors * real_embedder.embed(SENTENCES), axis=1)) > 0.97
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_pooled_spans_leave_out_special_tokens_and_truncated_text():
    from assistant.embedding.base import pool_spans

    tokens = np.array([[9.0, 9.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [9.0, -9.0]])
    offsets = [(0, 0), (0, 3), (4, 7), (8, 11), (0, 0)]  # [CLS] a b c [SEP]; the text went on past 11
    pooled = pool_spans(tokens, offsets, [(0, 7), (8, 11), (4, 5), (8, 20)])
    assert np.allclose(pooled[0], [2**-0.5, 2**-0.5]) and np.allclose(pooled[1], [2**-0.5, 2**-0.5])
    assert np.isnan(pooled[2]).all()  # no whole token inside
    assert np.isnan(pooled[3]).all()  # runs past the last token: the text was cut off


def test_chunks_carry_their_sentence_vectors_only_from_a_span_embedder(fake_embedder):
    from assistant.core.types import Chunk
    from assistant.embedding.sentences import embed_chunks

    chunk = Chunk("c", "Ada rings the bell. The mayor sleeps.", "town.txt", 10, 47)
    (plain,), vectors = embed_chunks(fake_embedder, [chunk])
    assert plain.sentence_vectors is None and vectors.shape == (1, fake_embedder.dimension)

    class Spans:
        name = "spans"

        def embed(self, texts):
            return fake_embedder.embed(texts)

        def embed_with_spans(self, texts, spans):
            pooled = [
                fake_embedder.embed([text[a:b] for a, b in text_spans])
                for text, text_spans in zip(texts, spans, strict=True)
            ]
            pooled[0][1] = np.nan  # as if cut off
            return self.embed(texts), pooled

    (carrying,), _ = embed_chunks(Spans(), [chunk])
    assert carrying.sentence_vectors.spans == ((10, 29),)  # offsets in the source; the cut-off one left out
    assert np.allclose(carrying.sentence_vectors.get(10, 29), fake_embedder.embed(["Ada rings the bell."])[0])
