"""Fixtures come from the plugins in tests/fixtures/; the tests never reach a model hub or a remote service."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from assistant.embedding.base import use_offline_environment

use_offline_environment()
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

pytest.register_assert_rewrite("tests.fixtures")
pytest_plugins = sorted(f"tests.fixtures.{path.stem}" for path in (Path(__file__).parent / "fixtures").glob("[!_]*.py"))
