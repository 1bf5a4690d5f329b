"""Prompt templates kept as files in `prompts/` (shipped as the package `assistant.prompts`), rendered strictly."""

from __future__ import annotations

import re
import string
from functools import lru_cache
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path

from assistant.core.errors import ConfigurationError

# The top-level `prompts/` folder, installed as the package `assistant.prompts` (see pyproject.toml).
PROMPTS_DIR: Traversable = resources.files("assistant.prompts")


@lru_cache(maxsize=32)
def load_prompt(name: str, directory: Traversable | Path = PROMPTS_DIR) -> str:
    """The text of `prompts/<name>.md`."""
    path = directory / f"{name}.md"
    if not path.is_file():
        raise ConfigurationError(
            f"Prompt template {name!r} not found at {path}. Restore prompts/{name}.md from git and reinstall."
        )
    return path.read_text(encoding="utf-8").strip()


def render(name: str, directory: Traversable | Path = PROMPTS_DIR, **values: str) -> str:
    """Fill `{placeholders}` in a template; every placeholder must be given and every value used."""
    template = load_prompt(name, directory)
    fields = {field for _, field, _, _ in string.Formatter().parse(template) if field}
    missing, unused = fields - values.keys(), values.keys() - fields
    if missing or unused:
        raise ConfigurationError(
            f"Prompt {name!r} needs {sorted(fields)}; missing {sorted(missing)}, unexpected {sorted(unused)}."
        )
    return template.format(**values)


_ROLE_HEADER = re.compile(r"^<!--\s*role:\s*(system|user|assistant)\s*-->\s*$", re.MULTILINE)


def render_messages(name: str, directory: Traversable | Path = PROMPTS_DIR, **values: str) -> list[tuple[str, str]]:
    """A template split by `<!-- role: system|user|assistant -->` lines into chat messages, rendered strictly.

    The template is split before it is filled, so a value (a document passage) can never start a message.
    """
    template = load_prompt(name, directory)
    headers = list(_ROLE_HEADER.finditer(template))
    if not headers:
        raise ConfigurationError(f"Prompt {name!r} has no `<!-- role: ... -->` lines; it cannot be sent as a chat.")
    parts = [
        (header.group(1), template[header.end() : following.start() if following else None].strip())
        for header, following in zip(headers, [*headers[1:], None], strict=True)
    ]
    fields = {field for _, part in parts for _, field, _, _ in string.Formatter().parse(part) if field}
    missing, unused = fields - values.keys(), values.keys() - fields
    if missing or unused:
        raise ConfigurationError(
            f"Prompt {name!r} needs {sorted(fields)}; missing {sorted(missing)}, unexpected {sorted(unused)}."
        )
    return [(role, part.format(**values)) for role, part in parts]
