"""Load a document of any supported format into plain text with the location of each block (page, slide, row...).

Each family of formats has its module in `assistant.documents.formats`; this module picks one by suffix.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from pathlib import Path

from assistant.core.errors import UnsupportedDocumentError
from assistant.documents.formats.base import Block, LoadedDocument
from assistant.documents.formats.text import decode_text, html_to_text

__all__ = [
    "SUPPORTED_SUFFIXES",
    "Block",
    "LoadedDocument",
    "decode_text",
    "html_to_text",
    "is_supported",
    "load",
]

logger = logging.getLogger(__name__)

# suffix -> (module of assistant.documents.formats, its loader function); modules are imported when first used.
LOADERS: dict[str, tuple[str, str]] = {
    **dict.fromkeys((".txt", ".md", ".markdown", ".text"), ("text", "load_text")),
    **dict.fromkeys((".html", ".htm"), ("text", "load_html")),
    ".pdf": ("pdf", "load_pdf"),
    ".docx": ("word", "load_docx"),
    ".odt": ("word", "load_odt"),
    ".pptx": ("slides", "load_pptx"),
    ".xlsx": ("sheets", "load_xlsx"),
    ".csv": ("sheets", "load_csv"),
    ".tsv": ("sheets", "load_csv"),
    ".epub": ("ebook", "load_epub"),
    ".eml": ("mail", "load_eml"),
    **dict.fromkeys((".png", ".jpg", ".jpeg", ".tif", ".tiff"), ("images", "load_image")),
}
SUPPORTED_SUFFIXES = frozenset(LOADERS)
# Macro-enabled Office files are recognised, to be refused with this reason: their macros are never run.
MACRO_SUFFIXES = frozenset({".docm", ".dotm", ".xlsm", ".xltm", ".xlsb", ".pptm", ".potm", ".ppsm"})
_MACRO_REASON = (
    "macro-enabled Office file ({suffix}): macros are never run, so such files are not read; "
    "save it without macros (.docx, .xlsx, .pptx) and add it again"
)


def is_supported(path: Path) -> bool:
    """True when `load` reads this kind of file (or refuses it with a reason of its own: macro-enabled files)."""
    suffix = path.suffix.lower()
    return suffix in SUPPORTED_SUFFIXES or suffix in MACRO_SUFFIXES


def load(path: Path) -> LoadedDocument:
    """Load one file, or raise UnsupportedDocumentError naming the file and saying why it cannot be used."""
    suffix = path.suffix.lower()
    if suffix in MACRO_SUFFIXES:
        raise UnsupportedDocumentError(str(path), _MACRO_REASON.format(suffix=suffix))
    if suffix not in SUPPORTED_SUFFIXES:
        supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
        kind = suffix or "(none)"
        raise UnsupportedDocumentError(str(path), f"unsupported file type {kind!r}; supported: {supported}")
    data = path.read_bytes()
    if not data.strip():
        raise UnsupportedDocumentError(str(path), "the file is empty")
    document = loader_for(suffix)(path, data)
    if not document.text.strip():
        raise UnsupportedDocumentError(str(path), "no text could be extracted")
    return document


def loader_for(suffix: str) -> Callable[[Path, bytes], LoadedDocument]:
    """The loader function of a supported suffix (its module imported now)."""
    module, function = LOADERS[suffix]
    return getattr(importlib.import_module(f"assistant.documents.formats.{module}"), function)
