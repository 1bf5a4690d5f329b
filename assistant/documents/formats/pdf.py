"""PDF: each page's text layer (PDFium), tables read row by row, and pages without text read by OCR.

PDFium extracts the same words as pypdf (bench/formats.py checks it) about ten times faster. A page whose text
boxes form a grid (a table) is read top to bottom instead, a row per line with each cell labelled by its header,
where the drawing order would run the columns together. A page with no text layer (a scan) is rendered at
300 dpi and read with Tesseract.
"""

from __future__ import annotations

import io
import logging
import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from assistant.documents.formats.base import Block, LoadedDocument, refuse, table_lines

logger = logging.getLogger(__name__)

# PDFium is not thread-safe: every use in this process goes through this lock (ingest, the viewer's renders).
PDFIUM_LOCK = threading.RLock()
OCR_DPI = 300
# A row of a table: at least two boxes, each narrower than this share of the page and apart by this many points.
CELL_MAX_WIDTH_SHARE = 0.3
CELL_MIN_GAP_PT = 8.0
# A table row as `_rows_text` writes it: "Metal: Tin; Melting point: 231.93 C" (the viewer finds its cells).
TABLE_ROW = re.compile(r"[^;:]+: [^;]+(?:; [^;:]+: [^;]+)*")


@dataclass(frozen=True)
class Segment:
    """A run of text on one line of a page and its box in PDF points (left, bottom, right, top)."""

    text: str
    box: tuple[float, float, float, float]


@contextmanager
def opened(path: Path) -> Iterator[object]:
    """The PDFium document at `path` (under the lock); refusals for encrypted or corrupt files."""
    import pypdfium2 as pdfium

    with PDFIUM_LOCK:
        try:
            document = pdfium.PdfDocument(str(path))
        except pdfium.PdfiumError as error:
            if "password" in str(error).lower():
                raise refuse(path, "password-protected PDF: save it without a password and add it again") from error
            raise refuse(path, f"corrupt or unreadable PDF ({error})") from error
        try:
            yield document
        finally:
            document.close()


def load_pdf(path: Path, data: bytes) -> LoadedDocument:
    """The text of every page, joined by blank lines; `page_starts` and a {"page": n} block per page."""
    import pypdfium2 as pdfium

    from assistant.documents import ocr

    parts, starts, offset, scanned = [], [], 0, []
    with opened(path) as document:
        for index in range(len(document)):
            try:
                page = document[index]
                text = page_text(page)
                if not text.strip():
                    scanned.append(index)
                    if ocr.tesseract_available():
                        text = ocr.recognize(render(page, OCR_DPI)).text
                page.close()
            except (pdfium.PdfiumError, ocr.OcrError) as error:
                raise refuse(path, f"page {index + 1} cannot be read ({error})") from error
            starts.append(offset)
            parts.append(text)
            offset += len(text) + 2
    if scanned and not ocr.tesseract_available():
        logger.warning(
            "%s: %d pages have no text layer and Tesseract is missing: %s", path, len(scanned), ocr.INSTALL_HINT
        )
        if len(scanned) == len(starts):
            raise refuse(path, f"a scanned PDF with no text layer, and OCR needs Tesseract: {ocr.INSTALL_HINT}")
    blocks = tuple(Block(start, {"page": number}) for number, start in enumerate(starts, start=1))
    return LoadedDocument(path, "\n\n".join(parts), tuple(starts), blocks)


def page_text(page) -> str:
    """A page's text: PDFium's reading order, or a row per line where the page holds a table."""
    textpage = page.get_textpage()
    try:
        boxes = [Segment("", textpage.get_rect(index)) for index in range(textpage.count_rects())]
        if not _holds_table(boxes, page.get_width()):
            return _clean(textpage.get_text_range())
        segments = [Segment(_clean(textpage.get_text_bounded(*s.box)).strip(), s.box) for s in boxes]
        return _rows_text(page.get_width(), [s for s in segments if s.text])
    finally:
        textpage.close()


def render(page, dpi: int):
    """The page as a Pillow image at `dpi`."""
    return page.render(scale=dpi / 72).to_pil()


def page_image(path: Path, page_number: int, quote: str, dpi: int = 110) -> tuple[bytes, int]:
    """A PNG of one page with the quote's region marked, and how many boxes were marked (0: not found)."""
    from PIL import ImageDraw

    from assistant.documents import ocr

    with opened(path) as document:
        if not 1 <= page_number <= len(document):
            raise refuse(path, f"page {page_number} is not in the document (it has {len(document)} pages)")
        page = document[page_number - 1]
        image = render(page, dpi).convert("RGB")
        boxes = _text_boxes(page, quote, dpi)
        if not boxes and ocr.tesseract_available():  # a scanned page: find the words where OCR read them
            scale = dpi / OCR_DPI
            words = ocr.recognize(render(page, OCR_DPI)).words
            boxes = [tuple(round(v * scale) for v in box) for box in ocr.quote_boxes(words, quote)]
        page.close()
    draw = ImageDraw.Draw(image, "RGBA")
    for left, top, right, bottom in boxes:
        draw.rectangle((left - 2, top - 2, right + 2, bottom + 2), fill=(250, 204, 21, 90), outline=(217, 119, 6, 255))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue(), len(boxes)


def _text_boxes(page, quote: str, dpi: int) -> list[tuple[int, int, int, int]]:
    """Pixel boxes of the quote on a page with a text layer: its words, or the cells of a table row we labelled."""
    textpage = page.get_textpage()
    try:
        rects = _quote_rects(textpage, quote)
        if not rects and TABLE_ROW.fullmatch(quote):
            rects = _row_rects(textpage, [cell.split(": ", 1)[1] for cell in quote.split("; ")])
    finally:
        textpage.close()
    height, scale = page.get_height(), dpi / 72
    return [
        (round(left * scale), round((height - top) * scale), round(right * scale), round((height - bottom) * scale))
        for left, bottom, right, top in rects
    ]


def _quote_rects(textpage, quote: str) -> list[tuple[float, float, float, float]]:
    """PDF rectangles of the quote, found by its words (the longest prefix first; the rest is taken to follow)."""
    words = quote.split()
    for count in dict.fromkeys((len(words), 12, 6, 3)):
        probe = " ".join(words[:count])
        found = _find(textpage, probe, whole_words=False)
        if found:
            index, length = found[0]
            if count < len(words):
                length = min(textpage.count_chars() - index, len(" ".join(words)) + 8)
            return [textpage.get_rect(i) for i in range(textpage.count_rects(index, length))]
    return []


def _row_rects(textpage, values: list[str]) -> list[tuple[float, float, float, float]]:
    """The rectangles of a table row's cell values: the first value's matches, each with the others on its line."""
    for index, length in _find(textpage, values[0], whole_words=True):
        first = [textpage.get_rect(i) for i in range(textpage.count_rects(index, length))]
        bottom, top = first[0][1], first[0][3]
        row = list(first)
        for value in values[1:]:
            for other, size in _find(textpage, value, whole_words=True):
                rects = [textpage.get_rect(i) for i in range(textpage.count_rects(other, size))]
                if rects and bottom <= (rects[0][1] + rects[0][3]) / 2 <= top:
                    row += rects
                    break
        if len(row) >= len(first) + len(values) - 1:
            return row
    return []


def _find(textpage, text: str, whole_words: bool) -> list[tuple[int, int]]:
    """(char index, length) of each match of `text` on the page, ignoring case."""
    if not text.strip():
        return []
    searcher = textpage.search(text, match_case=False, match_whole_word=whole_words)
    found = []
    try:
        while (match := searcher.get_next()) is not None and len(found) < 200:
            found.append(match)
    finally:
        searcher.close()
    return found


def _rows(segments: Sequence[Segment]) -> list[list[Segment]]:
    """Segments grouped into lines by their vertical position, top line first, each sorted left to right."""
    rows: list[list[Segment]] = []
    for segment in sorted(segments, key=lambda s: -s.box[3]):
        left, bottom, right, top = segment.box
        middle = (top + bottom) / 2
        if rows:
            last = rows[-1][0].box
            if last[1] <= middle <= last[3]:
                rows[-1].append(segment)
                continue
        rows.append([segment])
    return [sorted(row, key=lambda s: s.box[0]) for row in rows]


def _is_table_row(row: Sequence[Segment], page_width: float) -> bool:
    if len(row) < 2:
        return False
    narrow = all(s.box[2] - s.box[0] <= CELL_MAX_WIDTH_SHARE * page_width for s in row)
    apart = all(b.box[0] - a.box[2] >= CELL_MIN_GAP_PT for a, b in zip(row, row[1:], strict=False))
    return narrow and apart


def _holds_table(segments: Sequence[Segment], page_width: float) -> bool:
    """True when two rows in a row are rows of cells (two-column prose has wide lines, so it is not)."""
    flags = [_is_table_row(row, page_width) for row in _rows(segments)]
    return any(a and b for a, b in zip(flags, flags[1:], strict=False))


def _rows_text(page_width: float, segments: Sequence[Segment]) -> str:
    """A table page read top to bottom: prose lines as they are, each run of table rows labelled by its header."""
    lines: list[str] = []
    table: list[list[str]] = []
    for row in [*_rows(segments), []]:
        if row and _is_table_row(row, page_width):
            table.append([segment.text for segment in row])
            continue
        if table:
            lines += table_lines(table) if len(table) > 1 else [" ".join(table[0])]
            table = []
        if row:
            lines.append(" ".join(segment.text for segment in row))
    return "\n".join(lines)


def _clean(text: str) -> str:
    # PDFium marks a hyphen that breaks a word at a line's end as U+FFFE; pypdf gives it as "-\n".
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufffe", "-\n").replace("\x00", "")
