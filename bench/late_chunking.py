"""Experiment (not used by the product yet): sentence vectors pooled from their chunk's token vectors.

    .venv/bin/python bench/late_chunking.py      # ~1 minute; writes bench/results/calibration-late-chunking.json

The extractive answerer embeds each candidate sentence on its own. "Late chunking" instead runs the whole chunk
through the model once and mean-pools the output token vectors that fall inside each sentence, so a sentence's
vector carries its context, and could be computed at ingest for free (the chunk's forward pass runs anyway).
This runs bench/calibrate.py unchanged except that sentence vectors come from the PyTorch model's token vectors
(questions are still embedded by the configured embedder; sentences cut off by the 256-token limit fall back to
being embedded alone). Compare its output with bench/results/calibration.json.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.argv = [sys.argv[0], "--out", str(ROOT / "bench" / "results" / "calibration-late-chunking.json")]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))
import calibrate  # noqa: E402
import numpy as np  # noqa: E402
from sentence_transformers import SentenceTransformer  # noqa: E402

from assistant import assistant as assistant_module  # noqa: E402
from assistant.core.text import split_sentences  # noqa: E402
from assistant.embedding.base import resolve_model_path  # noqa: E402

model = SentenceTransformer(str(resolve_model_path("all-MiniLM-L6-v2")), device="cpu")
tok = model.tokenizer
stats = {"late": 0, "fallback": 0}


class LateChunkVectors:
    """Stands in for CachingEmbedder: sentence texts of the primed store get pooled token vectors."""

    def __init__(self, inner, capacity=0):
        self.inner, self.name, self.map = inner, inner.name, {}

    def prime(self, store):
        chunks = store.get(sorted(store.chunk_ids()))
        outs = model.encode([c.text for c in chunks], output_value="token_embeddings", batch_size=32)
        for chunk, tokens in zip(chunks, outs, strict=True):
            offsets = tok(chunk.text, return_offsets_mapping=True, truncation=True, max_length=256)["offset_mapping"]
            tokens = tokens.numpy()
            assert len(offsets) == len(tokens), (len(offsets), len(tokens))
            for s in split_sentences(chunk):
                a, b = s.start - chunk.start, s.end - chunk.start
                rows = [i for i, (x, y) in enumerate(offsets) if y > x and x >= a and y <= b]
                if rows:
                    v = tokens[rows].mean(0)
                    self.map[s.text] = v / np.linalg.norm(v)

    def embed(self, texts):
        missing = [t for t in texts if t not in self.map]
        stats["late"] += len(texts) - len(missing)
        stats["fallback"] += len(missing)
        real = dict(zip(missing, self.inner.embed(missing), strict=True)) if missing else {}
        return np.stack([self.map[t] if t in self.map else real[t] for t in texts])


assistant_module.CachingEmbedder = LateChunkVectors
original = calibrate.collect


def collect(assistant, *args, **kwargs):
    assistant.query_embedder.prime(assistant.store)
    return original(assistant, *args, **kwargs)


calibrate.collect = collect
calibrate.main()
print(f"sentence vectors pooled from chunks: {stats['late']}, embedded alone (and questions): {stats['fallback']}")
