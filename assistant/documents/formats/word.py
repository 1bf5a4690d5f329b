"""Word-processor files (.docx, .odt): paragraphs, headings as sections, lists, and tables a row per line."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

from assistant.documents.formats.archives import open_zip, read_member
from assistant.documents.formats.base import READ_ERRORS, LoadedDocument, TextBuilder, refuse, table_lines

BULLET = "• "
_ODF_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_ODF_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_ODF_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"


class _Outline:
    """The running state of a word-processor document: its current heading and table count."""

    def __init__(self, builder: TextBuilder) -> None:
        self.builder = builder
        self.section: str | None = None
        self.tables = 0
        self.in_list = False

    def heading(self, text: str) -> None:
        text = " ".join(text.split())
        if text:
            self.section = text
            self.builder.add(text, {"section": text}, opens_section=True)
        self.in_list = False

    def paragraph(self, text: str, listed: bool = False) -> None:
        if not text.strip():
            return  # an empty paragraph is spacing, not a break in a list
        location = {"section": self.section} if self.section else None
        if listed:  # items of one list stay together, a line each
            separator = "\n" if self.in_list else "\n\n"
            self.builder.add(BULLET + text.strip(), location, separator=separator)
        else:
            self.builder.add(text, location)
        self.in_list = listed

    def table(self, rows: list[list[str]]) -> None:
        self.tables += 1
        self.in_list = False
        for number, line in enumerate(table_lines(rows), start=1):
            location = {"table": self.tables, "row": number}
            if self.section:
                location = {"section": self.section, **location}
            self.builder.add(line, location, separator="\n" if number > 1 else "\n\n")


def load_docx(path: Path, data: bytes) -> LoadedDocument:
    """A .docx in reading order: body paragraphs and tables (headers, footers and comments are left out)."""
    open_zip(path).close()
    try:
        import docx
        from docx.table import Table

        document = docx.Document(str(path))
        outline = _Outline(TextBuilder(path))
        for item in document.iter_inner_content():
            if isinstance(item, Table):
                outline.table(_docx_rows(item))
                continue
            style = (item.style.name if item.style is not None else "") or ""
            if style.startswith(("Heading", "Title")):
                outline.heading(item.text)
            else:
                listed = "List" in style or item._p.pPr is not None and item._p.pPr.numPr is not None
                outline.paragraph(item.text, listed)
    except READ_ERRORS as error:
        raise refuse(path, f"corrupt or unreadable Word document ({type(error).__name__}: {error})") from error
    return outline.builder.build()


def _docx_rows(table) -> list[list[str]]:
    """Cell texts row by row; a merged cell counts once."""
    rows = []
    for row in table.rows:
        cells, seen = [], set()
        for cell in row.cells:
            if id(cell._tc) not in seen:
                seen.add(id(cell._tc))
                cells.append(cell.text)
        rows.append(cells)
    return rows


def load_odt(path: Path, data: bytes) -> LoadedDocument:
    """An OpenDocument text (.odt): the same reading as .docx, from its content.xml."""
    with open_zip(path) as archive:
        content = read_member(path, archive, "content.xml")
    try:
        root = ElementTree.fromstring(content)
    except ElementTree.ParseError as error:
        raise refuse(path, f"corrupt OpenDocument file: content.xml is not XML ({error})") from error
    body = root.find(f"{{{_ODF_OFFICE}}}body/{{{_ODF_OFFICE}}}text")
    if body is None:
        raise refuse(path, "not an OpenDocument text: content.xml has no office:text body")
    outline = _Outline(TextBuilder(path))
    for kind, payload in _odf_items(body, listed=False):
        if kind == "heading":
            outline.heading(payload)
        elif kind == "table":
            outline.table(payload)
        else:
            outline.paragraph(payload, kind == "item")
    return outline.builder.build()


def _odf_items(element, listed: bool) -> Iterator[tuple[str, object]]:
    """("heading" | "paragraph" | "item", text) and ("table", rows), in document order."""
    for child in element:
        tag = child.tag
        if tag == f"{{{_ODF_TEXT}}}h":
            yield "heading", _odf_text(child)
        elif tag == f"{{{_ODF_TEXT}}}p":
            yield ("item" if listed else "paragraph"), _odf_text(child)
        elif tag == f"{{{_ODF_TEXT}}}list":
            yield from _odf_items(child, listed=True)
        elif tag == f"{{{_ODF_TABLE}}}table":
            rows = [
                [_odf_text(cell) for cell in row if cell.tag == f"{{{_ODF_TABLE}}}table-cell"]
                for row in child.iter(f"{{{_ODF_TABLE}}}table-row")
            ]
            yield "table", rows
        else:  # list items, sections and other containers
            yield from _odf_items(child, listed)


def _odf_text(element) -> str:
    """The text of a paragraph-like element: spaces (text:s), tabs and line breaks kept as white space."""
    parts = [element.text or ""]
    for child in element:
        name = child.tag.rsplit("}", 1)[-1]
        if name == "s":
            parts.append(" " * int(child.get(f"{{{_ODF_TEXT}}}c", "1")))
        elif name in ("tab", "line-break"):
            parts.append(" ")
        elif name == "p":  # a paragraph in a table cell
            parts.append(" " + _odf_text(child))
        else:
            parts.append(_odf_text(child))
        parts.append(child.tail or "")
    return "".join(parts)
