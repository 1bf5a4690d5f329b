"""A text-keyed LRU cache of vectors in front of any Embedder."""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

from assistant.embedding.base import Embedder


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
