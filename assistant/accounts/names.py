"""The naming rules of collections and users, checked before a name is stored or looked up."""

from __future__ import annotations

import re
import unicodedata

from assistant.core.errors import InvalidNameError

MAX_NAME_CHARS = 64
# Characters no name may hold: control and format characters (NUL, line breaks, bidi overrides) and separators.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})
_USER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]*")
# Longest part of a rejected value repeated in a message, so a 10,000-character name gives a short error.
_SHOWN_CHARS = 40


def shown(value: object) -> str:
    """`value` as a message shows it: its repr, cut short when long."""
    text = repr(value)
    return text if len(text) <= _SHOWN_CHARS else f"{text[:_SHOWN_CHARS]}... ({len(str(value))} characters)"


def check_collection_name(name: object) -> str:
    """`name` without surrounding spaces, when it can name a collection: a title, never a path."""
    what = "A collection name"
    clean = _checked_text(name, what, "collection")
    if clean.startswith(("/", "\\")):
        _reject(name, f"{what} cannot be an absolute path", "collection")
    if "/" in clean or "\\" in clean:
        _reject(name, f"{what} cannot hold '/' or '\\' (it is a title, not a path)", "collection")
    if set(clean) == {"."}:
        _reject(name, f"{what} cannot be made of dots only ('.' and '..' name folders)", "collection")
    return clean


def check_user_name(name: object) -> str:
    """`name` when it can name a user: 1-64 letters, digits and . _ @ + -, starting with a letter or digit."""
    clean = _checked_text(name, "A user name", "user")
    if clean != name or not _USER_NAME.fullmatch(clean):
        _reject(
            name, "A user name may hold only letters, digits and . _ @ + -, and starts with a letter or digit", "user"
        )
    return clean


def _checked_text(value: object, what: str, param: str) -> str:
    if not isinstance(value, str):
        raise InvalidNameError(f"{what} must be text; got {shown(value)}.", param)
    if "\x00" in value:
        _reject(value, f"{what} cannot hold a NUL byte", param)
    if any(unicodedata.category(char) in _HIDDEN_CATEGORIES for char in value):
        _reject(value, f"{what} cannot hold control characters (line breaks, tabs, invisible formatting)", param)
    clean = value.strip()
    if not clean:
        _reject(value, f"{what} cannot be empty", param)
    if len(clean) > MAX_NAME_CHARS:
        _reject(value, f"{what} may have at most {MAX_NAME_CHARS} characters; this one has {len(clean)}", param)
    return clean


def _reject(value: object, rule: str, param: str) -> None:
    raise InvalidNameError(f"{rule}; got {shown(value)}. Choose a short plain name such as 'papers'.", param)
