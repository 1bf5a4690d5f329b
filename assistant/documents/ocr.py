"""Optical character recognition with Tesseract (Debian's program): an image's words, their boxes, how sure it is."""

from __future__ import annotations

import functools
import io
import logging
import os
import shutil
import subprocess
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
# A letter page at 300 dpi takes 0.4-4 s here; a page that takes minutes is not one to wait for.
OCR_TIMEOUT_S = 180


class OcrError(OSError):
    """Tesseract could not read an image (it failed or timed out)."""


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
        subprocess.run(["tesseract", "--version"], capture_output=True, check=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return False
    return True


def recognize(image: Image, language: str = "eng") -> OcrResult:
    """Run Tesseract on `image` (any mode); boxes are in the given image's pixels."""
    gray = image.convert("L")
    scale = 1.0
    if gray.width < MIN_OCR_WIDTH:
        scale = MIN_OCR_WIDTH / gray.width
        gray = gray.resize((MIN_OCR_WIDTH, max(1, round(gray.height * scale))))
    words = []
    for row in _tesseract_tsv(gray, language):
        text, confidence = row["text"].strip(), float(row["conf"])
        if not text or confidence < 0:
            continue
        left, top = int(row["left"]) / scale, int(row["top"]) / scale
        right, bottom = left + int(row["width"]) / scale, top + int(row["height"]) / scale
        line = (int(row["block_num"]), int(row["par_num"]), int(row["line_num"]))
        words.append(OcrWord(text, (round(left), round(top), round(right), round(bottom)), confidence, line))
    confidence = sum(word.confidence for word in words) / len(words) if words else 0.0
    return OcrResult(lines_text(words), tuple(words), confidence)


def _tesseract_tsv(image: Image, language: str) -> list[dict[str, str]]:
    """Tesseract's word table for an image, sent as PNG on standard input."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    # One thread per page: with OpenMP's threads Tesseract took 1.3 s a page here, single-threaded 0.43 s (2 cores;
    # pages are many, so they are the unit of parallelism, not the threads within one page).
    environment = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    try:
        done = subprocess.run(
            ["tesseract", "stdin", "stdout", "-l", language, "tsv"],
            input=buffer.getvalue(),
            capture_output=True,
            env=environment,
            timeout=OCR_TIMEOUT_S,
            check=True,
        )
    except subprocess.CalledProcessError as error:
        message = error.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no message"]
        raise OcrError(f"Tesseract failed ({message[0]})") from error
    except subprocess.TimeoutExpired as error:
        raise OcrError(f"Tesseract took longer than {OCR_TIMEOUT_S} s on one page") from error
    lines = done.stdout.decode("utf-8", errors="replace").splitlines()
    if not lines:
        return []
    header = lines[0].split("\t")
    return [dict(zip(header, line.split("\t"), strict=False)) for line in lines[1:] if line.count("\t") >= 11]


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
