"""Build the embedder that the settings name; each backend is imported only when chosen."""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.core.errors import ConfigurationError
from assistant.embedding.base import Embedder

if TYPE_CHECKING:
    from assistant.core.config import Settings


def build_embedder(settings: Settings) -> Embedder:
    """The embedder that the settings name (nothing is loaded until the first `embed`)."""
    match settings.embedding_backend:
        case "onnx" | "onnx-int8" as backend:
            from assistant.embedding.onnx import OnnxEmbedder

            return OnnxEmbedder(
                settings.embedding_model,
                quantized=backend == "onnx-int8",
                cache_dir=settings.model_cache_dir,
                threads=settings.embedding_threads,
            )
        case "torch":
            from assistant.embedding.sentence_transformers import SentenceTransformerEmbedder

            return SentenceTransformerEmbedder(settings.embedding_model, settings.embedding_batch_size)
        case "fake":
            from assistant.embedding.fake import FakeEmbedder

            return FakeEmbedder()
    raise ConfigurationError(
        f"Unknown embedding backend {settings.embedding_backend!r}; use onnx-int8, onnx, torch or fake."
    )
