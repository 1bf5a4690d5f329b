"""assistant: answers questions about your documents and proves every answer with cited passages."""

from __future__ import annotations

from typing import TYPE_CHECKING

__version__ = "0.1.0"
__all__ = ["Answer", "Assistant", "Citation", "Settings"]

if TYPE_CHECKING:
    from assistant.assistant import Assistant
    from assistant.core.config import Settings
    from assistant.core.types import Answer, Citation


def __getattr__(name: str):
    # Lazy, so that `assistant --help` does not import pydantic, torch or chromadb.
    if name == "Assistant":
        from assistant.assistant import Assistant

        return Assistant
    if name == "Settings":
        from assistant.core.config import Settings

        return Settings
    if name in ("Answer", "Citation"):
        from assistant.core import types

        return getattr(types, name)
    raise AttributeError(f"module 'assistant' has no attribute {name!r}")
