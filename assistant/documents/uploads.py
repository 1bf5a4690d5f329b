"""The rules for uploaded files, shared by the HTTP API and the web page: accepted types, size, a safe name."""

from __future__ import annotations

import re
from pathlib import Path

from assistant.core.errors import UploadRejectedError
from assistant.documents.loaders import SUPPORTED_SUFFIXES

UPLOAD_SUFFIXES = SUPPORTED_SUFFIXES
MAX_NAME_CHARS = 200
_UNSAFE = re.compile(r"[^\w.\- ]+")


def upload_name(given: str | None) -> str:
    """The name an upload is stored under: no folders, unusual characters replaced, the suffix kept, 200 at most.

    Raises UploadRejectedError when nothing of a name is left or its type is not one the loaders read.
    """
    name = _UNSAFE.sub("_", Path((given or "").replace("\\", "/")).name).strip(" .")
    stem, suffix = Path(name).stem, Path(name).suffix.lower()
    if not stem:
        raise UploadRejectedError(f"The uploaded file needs a name; got {given!r}.", "invalid_name")
    if suffix not in UPLOAD_SUFFIXES:
        raise UploadRejectedError(
            f"{name}: unsupported file type {suffix or '(none)'!r}; supported: {', '.join(sorted(UPLOAD_SUFFIXES))}.",
            "unsupported_file_type",
        )
    return stem[: MAX_NAME_CHARS - len(suffix)].rstrip(" .") + suffix


def check_upload_size(name: str, size: int, max_mb: float) -> None:
    """UploadRejectedError when `size` bytes exceed the limit of `max_mb` megabytes (ASSISTANT_MAX_UPLOAD_MB)."""
    if size > max_mb * 1024 * 1024:
        raise UploadRejectedError(
            f"{name} is larger than the {max_mb:g} MB limit (ASSISTANT_MAX_UPLOAD_MB).", "file_too_large"
        )
