"""Optical character recognition with Tesseract: the words of an image, their boxes and how sure Tesseract is."""

from __future__ import annotations

import functools
import logging
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL.Image import Image

logger = logging.getLogger(__name__)

INSTALL_HINT = "apt-get install tesseract-ocr tesseract-ocr-eng (or `make system`)"
# Mean word confidence (0-100) below which an image holds no legible text. Clean 300-dpi renders score 90-96
# here, a phone photo of a page 70-85; noise, photos of things and blank scans score under 40.
MIN_CONFIDENCE = 55.0
# Images narrower than this are enlarged before OCR: Tesseract reads glyphs of 20-30 px height best.
MIN_OCR_WIDTH = 1200


@dataclass(frozen=True)
class OcrWord:
    """One recognised word, its box in image pixels (left, top, right, bottom) and Tesseract's confidence."""

    text: str
    box: tuple[int, int, int, int]
    confidence: float
    line: tuple[int, int, int]  # (block, paragraph, line): words of one line share it


@dataclass(frozen=True)
class OcrResult:
    """An image's text (a line per line, a blank line between paragraphs), its words and their mean confidence."""

    text: str
    words: tuple[OcrWord, ...]
    confidence: float


@functools.cache
def tesseract_available() -> bool:
    """True when the Tesseract program can be run."""
    if shutil.which("tesseract") is None:
        return False
    try:
        import pytesseract

        pytesseract.get_tesseract_version()
    except Exception:  # noqa: BLE001 - any failure to run it means OCR is unavailable
        return False
    return True


def recognize(image: Image, language: str = "eng") -> OcrResult:
    """Run Tesseract on `image` (any mode); boxes are in the given image's pixels."""
    import pytesseract

    gray = image.convert("L")
    scale = 1.0
    if gray.width < MIN_OCR_WIDTH:
        scale = MIN_OCR_WIDTH / gray.width
        gray = gray.resize((MIN_OCR_WIDTH, max(1, round(gray.height * scale))))
    data = pytesseract.image_to_data(gray, lang=language, output_type=pytesseract.Output.DICT)
    words = []
    for index, text in enumerate(data["text"]):
        confidence = float(data["conf"][index])
        if not text.strip() or confidence < 0:
            continue
        left, top = data["left"][index] / scale, data["top"][index] / scale
        right, bottom = left + data["width"][index] / scale, top + data["height"][index] / scale
        line = (data["block_num"][index], data["par_num"][index], data["line_num"][index])
        words.append(OcrWord(text.strip(), (round(left), round(top), round(right), round(bottom)), confidence, line))
    confidence = sum(word.confidence for word in words) / len(words) if words else 0.0
    return OcrResult(lines_text(words), tuple(words), confidence)


def lines_text(words: Sequence[OcrWord]) -> str:
    """Words joined into lines, lines into paragraphs (a blank line between paragraphs)."""
    out: list[str] = []
    previous = None
    for word in words:
        if previous is None:
            out.append(word.text)
        elif word.line == previous.line:
            out.append(" " + word.text)
        elif word.line[:2] == previous.line[:2]:
            out.append("\n" + word.text)
        else:
            out.append("\n\n" + word.text)
        previous = word
    return "".join(out)


def quote_boxes(words: Sequence[OcrWord], quote: str) -> list[tuple[int, int, int, int]]:
    """The boxes of the run of recognised words that spells `quote` (compared without spaces), or []."""
    target = "".join(quote.split()).lower()
    if not target:
        return []
    joined = [word.text.lower() for word in words]
    for first in range(len(words)):
        if not target.startswith(joined[first][: len(target)]):
            continue
        spelled, last = "", first
        while last < len(words) and len(spelled) < len(target):
            spelled += joined[last]
            last += 1
        if spelled.startswith(target) or target.startswith(spelled) and last == len(words):
            return [word.box for word in words[first:last]]
    return []
