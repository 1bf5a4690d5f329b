"""Settings: defaults, ASSISTANT_* environment variables, validation messages that name the fix, and check_k."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from assistant.core.config import MAX_K, Settings, check_k
from assistant.core.errors import InvalidOptionError


def test_defaults(monkeypatch):
    for name in ("ASSISTANT_INDEX_DIR", "ASSISTANT_K", "ASSISTANT_RETRIEVAL", "ASSISTANT_EMBEDDING_BACKEND"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings()
    assert settings.index_dir == Path("index") and settings.k == 4 and settings.retrieval == "hybrid"
    assert settings.embedding_backend == "onnx-int8" and settings.generator == "extractive"
    assert settings.host == "127.0.0.1"


def test_every_field_is_described():
    assert all(field.description for field in Settings.model_fields.values())


def test_environment_variables_set_fields(monkeypatch, tmp_path):
    monkeypatch.setenv("ASSISTANT_INDEX_DIR", str(tmp_path))
    monkeypatch.setenv("ASSISTANT_K", "7")
    monkeypatch.setenv("ASSISTANT_RETRIEVAL", "bm25")
    settings = Settings()
    assert (settings.index_dir, settings.k, settings.retrieval) == (tmp_path, 7, "bm25")


@pytest.mark.parametrize(
    ("values", "words"),
    [
        ({"chunk_size": 100, "chunk_overlap": 100}, "ASSISTANT_CHUNK_OVERLAP"),
        ({"collection": "a/b"}, "ASSISTANT_COLLECTION"),
        ({"collection": "ab"}, "3-60"),
        ({"k": MAX_K + 1}, "less than or equal to 50"),
        ({"retrieval": "magic"}, "'dense', 'bm25' or 'hybrid'"),
        ({"embedding_backend": "gpu"}, "'onnx-int8', 'onnx', 'torch' or 'fake'"),
        ({"refusal_threshold": 1.5}, "less than or equal to 1"),
    ],
)
def test_bad_values_are_refused_with_the_rule(values, words):
    with pytest.raises(ValidationError, match=words):
        Settings(**values)


def test_check_k():
    assert check_k(None) is None and check_k(1) == 1 and check_k(MAX_K) == MAX_K
    for bad in (0, MAX_K + 1, -3, "4"):
        with pytest.raises(InvalidOptionError, match=f"between 1 and {MAX_K}") as raised:
            check_k(bad)
        assert raised.value.param == "k"
