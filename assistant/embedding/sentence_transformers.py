"""The packaged sentence-transformers model run by PyTorch (the reference the ONNX backends are measured against)."""

from __future__ import annotations

import logging
import threading

import numpy as np

from assistant.core.config import PACKAGED_EMBEDDING_MODEL
from assistant.embedding.base import pool_spans, resolve_model_path, use_offline_environment

logger = logging.getLogger(__name__)


class SentenceTransformerEmbedder:
    """A sentence-transformers model loaded from disk on first use (never from a hub)."""

    def __init__(self, model: str = PACKAGED_EMBEDDING_MODEL, batch_size: int = 32) -> None:
        self.name = model
        self.batch_size = batch_size
        self._model = None
        self._lock = threading.Lock()

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self.model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    def embed_with_spans(
        self, texts: list[str], spans: list[list[tuple[int, int]]]
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """The texts' vectors and their spans' vectors, pooled from the same pass (see SpanEmbedder)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32), []
        model = self.model
        outputs = model.encode(texts, batch_size=self.batch_size, output_value=None, show_progress_bar=False)
        vectors, pooled = [], []
        for text, output, text_spans in zip(texts, outputs, spans, strict=True):
            offsets = model.tokenizer(
                text, return_offsets_mapping=True, truncation=True, max_length=model.max_seq_length
            )["offset_mapping"]
            tokens = output["token_embeddings"].float().numpy()[: len(offsets)]
            vector = output["sentence_embedding"].float().numpy()
            vectors.append(vector / max(float(np.linalg.norm(vector)), 1e-12))
            pooled.append(pool_spans(tokens, [tuple(pair) for pair in offsets], text_spans))
        return np.asarray(vectors, dtype=np.float32), pooled

    @property
    def dimension(self) -> int:
        return int(self.model.get_sentence_embedding_dimension())

    @property
    def model(self):
        with self._lock:
            if self._model is None:
                self._model = _load_sentence_transformer(self.name)
        return self._model


def _load_sentence_transformer(model: str):
    use_offline_environment()
    path = resolve_model_path(model)
    from sentence_transformers import SentenceTransformer

    logger.info("loading embedding model from %s", path)
    return SentenceTransformer(str(path), device="cpu")
