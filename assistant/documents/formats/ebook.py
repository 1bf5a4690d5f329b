"""E-books (.epub): the chapters in reading order (the spine), each a section located by its title."""

from __future__ import annotations

import posixpath
import re
from html import unescape
from pathlib import Path
from urllib.parse import unquote
from xml.etree import ElementTree

from assistant.documents.formats.archives import open_zip, read_member
from assistant.documents.formats.base import LoadedDocument, TextBuilder, refuse
from assistant.documents.formats.text import decode_text, html_to_text

_CONTAINER = "{urn:oasis:names:tc:opendocument:xmlns:container}"
_OPF = "{http://www.idpf.org/2007/opf}"
_ENCRYPTION = "{http://www.w3.org/2001/04/xmlenc#}"
_HTML_TYPES = ("application/xhtml+xml", "text/html")
_HEADING = re.compile(r"<(h[1-3]|title)\b[^>]*>(.*?)</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


def load_epub(path: Path, data: bytes) -> LoadedDocument:
    """Each chapter's visible text; its title is its first heading (else its <title>, else "Chapter n")."""
    with open_zip(path) as archive:
        names = set(archive.namelist())
        if "META-INF/encryption.xml" in names:
            _refuse_encrypted_content(path, read_member(path, archive, "META-INF/encryption.xml"))
        opf_path = _package_path(path, read_member(path, archive, "META-INF/container.xml"))
        chapters = _spine(path, read_member(path, archive, opf_path), posixpath.dirname(opf_path))
        builder = TextBuilder(path)
        for number, href in enumerate(chapters, start=1):
            if href not in names:
                raise refuse(path, f"corrupt e-book: the reading order names {href}, which the archive lacks")
            html = decode_text(read_member(path, archive, href), f"{path}:{href}")
            text = html_to_text(html)
            if text.strip():
                title = _title(html) or f"Chapter {number}"
                builder.add(text, {"chapter": title}, opens_section=True)
    return builder.build()


def _xml(path: Path, data: bytes, what: str) -> ElementTree.Element:
    try:
        return ElementTree.fromstring(data)
    except ElementTree.ParseError as error:
        raise refuse(path, f"corrupt e-book: {what} is not XML ({error})") from error


def _package_path(path: Path, container: bytes) -> str:
    rootfile = _xml(path, container, "META-INF/container.xml").find(f"{_CONTAINER}rootfiles/{_CONTAINER}rootfile")
    if rootfile is None or not rootfile.get("full-path"):
        raise refuse(path, "corrupt e-book: META-INF/container.xml names no package (.opf) file")
    return rootfile.get("full-path")


def _spine(path: Path, opf: bytes, folder: str) -> list[str]:
    """The archive paths of the chapters, in reading order."""
    package = _xml(path, opf, "the package file")
    items = {
        item.get("id"): item
        for item in package.iterfind(f"{_OPF}manifest/{_OPF}item")
        if item.get("media-type") in _HTML_TYPES
    }
    chapters = []
    for reference in package.iterfind(f"{_OPF}spine/{_OPF}itemref"):
        item = items.get(reference.get("idref"))
        if item is not None and item.get("href"):
            href = item.get("href").split("#", 1)[0]
            chapters.append(posixpath.normpath(posixpath.join(folder, unquote(href))))
    if not chapters:
        raise refuse(path, "corrupt e-book: its reading order (spine) names no chapters")
    return chapters


def _refuse_encrypted_content(path: Path, encryption: bytes) -> None:
    """Refuse DRM: chapters listed as encrypted (obfuscated fonts, also listed there, are harmless)."""
    root = _xml(path, encryption, "META-INF/encryption.xml")
    for reference in root.iter(f"{_ENCRYPTION}CipherReference"):
        if reference.get("URI", "").lower().endswith((".xhtml", ".html", ".htm", ".xml")):
            raise refuse(path, "DRM-protected e-book (its chapters are encrypted): only DRM-free e-books can be read")


def _title(html: str) -> str | None:
    """The first h1-h3 heading's text, else the <title>'s."""
    found = {}
    for match in _HEADING.finditer(html):
        text = " ".join(unescape(_TAG.sub(" ", match.group(2))).split())
        if text:
            found.setdefault("title" if match.group(1).lower() == "title" else "heading", text)
    return found.get("heading") or found.get("title")
