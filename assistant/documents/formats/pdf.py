"""PDF: each page's text layer (PDFium), tables read row by row, and pages without text read by OCR.

PDFium extracts the same words as pypdf (bench/formats.py checks it) about ten times faster. A page whose text
boxes form a grid (a table) is read top to bottom instead, a row per line with each cell labelled by its header,
where the drawing order would run the columns together. A page with no text layer (a scan) is rendered at
300 dpi and read with Tesseract.
"""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from assistant.documents.formats.base import LoadedDocument, refuse, table_lines

logger = logging.getLogger(__name__)

# PDFium is not thread-safe: every use in this process goes through this lock (ingest, the viewer's renders).
PDFIUM_LOCK = threading.RLock()
OCR_DPI = 300
# A row of a table: at least two boxes, each narrower than this share of the page and apart by this many points.
CELL_MAX_WIDTH_SHARE = 0.3
CELL_MIN_GAP_PT = 8.0


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
    from assistant.documents import ocr

    parts, starts, offset, scanned = [], [], 0, []
    with opened(path) as document:
        for index in range(len(document)):
            page = document[index]
            text = page_text(page)
            if not text.strip():
                scanned.append(index)
                if ocr.tesseract_available():
                    text = ocr.recognize(render(page, OCR_DPI)).text
            starts.append(offset)
            parts.append(text)
            offset += len(text) + 2
            page.close()
    if scanned and not ocr.tesseract_available():
        logger.warning(
            "%s: %d pages have no text layer and Tesseract is missing: %s", path, len(scanned), ocr.INSTALL_HINT
        )
        if len(scanned) == len(starts):
            raise refuse(path, f"a scanned PDF with no text layer, and OCR needs Tesseract: {ocr.INSTALL_HINT}")
    text = "\n\n".join(parts)
    blocks = tuple(_page_blocks(starts))
    return LoadedDocument(path, text, tuple(starts), blocks)


def _page_blocks(starts: Sequence[int]):
    from assistant.documents.formats.base import Block

    for number, start in enumerate(starts, start=1):
        yield Block(start, {"page": number})


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
    """Pixel boxes of the quote on a page with a text layer (searched by its words, longest prefix first)."""
    words = quote.split()
    textpage = page.get_textpage()
    try:
        for count in (len(words), 12, 6, 3):
            probe = " ".join(words[:count])
            if not probe:
                continue
            searcher = textpage.search(probe, match_case=False)
            found = searcher.get_next()
            searcher.close()
            if found is None:
                continue
            index, length = found
            if count < len(words):  # the rest of the quote follows the probe on the page
                length = min(textpage.count_chars() - index, len(" ".join(words)) + 8)
            height = page.get_height()
            scale = dpi / 72
            rects = [textpage.get_rect(i) for i in range(textpage.count_rects(index, length))]
            return [
                (
                    round(left * scale),
                    round((height - top) * scale),
                    round(right * scale),
                    round((height - bottom) * scale),
                )
                for left, bottom, right, top in rects
            ]
        return []
    finally:
        textpage.close()


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
