"""Spreadsheets (.xlsx, .csv): each sheet a section, a row per line as `header: value` pairs, located by row."""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
from collections.abc import Iterable, Iterator
from pathlib import Path

from assistant.documents.formats.archives import open_zip
from assistant.documents.formats.base import READ_ERRORS, LoadedDocument, TextBuilder, refuse
from assistant.documents.formats.text import decode_text

logger = logging.getLogger(__name__)

# Rows read per sheet. A row is about 60 characters, so 20,000 rows make ~1,500 chunks: 45 s of embedding here.
# A sheet with millions of rows is cut there, with a warning, rather than tying up the machine for hours.
MAX_ROWS_PER_SHEET = 20_000
_CSV_DELIMITERS = ",;\t|"


def load_xlsx(path: Path, data: bytes) -> LoadedDocument:
    """Every sheet of a workbook; formulas are not evaluated (their cached values are read), macros never run."""
    open_zip(path).close()
    builder = TextBuilder(path)
    try:
        from openpyxl import load_workbook

        workbook = load_workbook(str(path), read_only=True, data_only=True)
        try:
            for sheet in workbook.worksheets:
                rows = ([_cell(value) for value in row] for row in sheet.iter_rows(values_only=True))
                _add_sheet(builder, path, sheet.title, rows, sheet.max_row)
        finally:
            workbook.close()
    except READ_ERRORS as error:
        raise refuse(path, f"corrupt or unreadable workbook ({type(error).__name__}: {error})") from error
    return builder.build()


def load_csv(path: Path, data: bytes) -> LoadedDocument:
    """A CSV (or TSV, semicolon- or pipe-separated) file as one sheet; its first row is the header."""
    text = decode_text(data, str(path))
    try:
        dialect = csv.Sniffer().sniff(text[:20_000], delimiters=_CSV_DELIMITERS)
    except csv.Error:
        dialect = csv.excel
    builder = TextBuilder(path)
    try:
        _add_sheet(builder, path, None, csv.reader(io.StringIO(text), dialect), None)
    except csv.Error as error:
        raise refuse(path, f"malformed CSV ({error})") from error
    return builder.build()


def _add_sheet(
    builder: TextBuilder, path: Path, name: str | None, rows: Iterable[list[str]], declared_rows: int | None
) -> None:
    """The sheet's name line (workbooks), then a line per non-empty row after the header, up to the cap."""
    sheet = {"sheet": name} if name is not None else {}
    header: list[str] | None = None
    kept = 0
    opens = True
    if name is not None:
        builder.add(f"Sheet: {name}", sheet, opens_section=True)
        opens = False
    for number, row in _numbered(rows):
        if header is None:
            header = row
            builder.add("; ".join(cell for cell in row if cell), {**sheet, "row": number}, opens_section=opens)
            opens = False
            continue
        if kept >= MAX_ROWS_PER_SHEET:
            logger.warning(
                "%s%s: kept the first %d rows%s; the rest are not indexed (split the sheet to index them)",
                path,
                f", sheet {name!r}" if name is not None else "",
                MAX_ROWS_PER_SHEET,
                f" of {declared_rows:,}" if declared_rows else "",
            )
            return
        cells = [f"{_label(header, index)}: {value}" for index, value in enumerate(row) if value]
        builder.add("; ".join(cells), {**sheet, "row": number}, separator="\n")
        kept += 1


def _numbered(rows: Iterable[list[str]]) -> Iterator[tuple[int, list[str]]]:
    """(1-based row number, cells) for the rows that hold something."""
    for number, row in enumerate(rows, start=1):
        cells = [" ".join(str(cell).split()) for cell in row]
        if any(cells):
            yield number, cells


def _label(header: list[str], index: int) -> str:
    if index < len(header) and header[index]:
        return header[index]
    return f"column {_column_letters(index)}"


def _column_letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _cell(value: object) -> str:
    """A cell as people read it: 3 not 3.0, dates without a midnight time, no None."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)
