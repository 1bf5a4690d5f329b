"""Shared fixtures: settings in a temp dir, the fake and real embedders, the seed folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SEED_FILE = SEEDS / "nato_statement_russia_ukraine_buildup_2021-12-16.txt"
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture
def settings(tmp_path):
    from assistant.config import Settings

    return Settings(index_dir=tmp_path / "index", chunk_size=300, chunk_overlap=50)


@pytest.fixture
def fake_embedder():
    from assistant.embeddings import FakeEmbedder

    return FakeEmbedder()


@pytest.fixture(scope="session")
def real_embedder():
    from assistant.embeddings import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder()


@pytest.fixture(scope="session")
def seeded_index(tmp_path_factory, real_embedder):
    """A real index of the seeds, built once per session: (settings, assistant)."""
    from assistant.assistant import Assistant
    from assistant.config import Settings
    from assistant.store import ChromaStore

    settings = Settings(index_dir=tmp_path_factory.mktemp("seeded") / "index")
    assistant = Assistant(settings, ChromaStore(settings), real_embedder)
    assistant.ingest([SEEDS])
    return assistant
