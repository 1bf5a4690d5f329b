"""Text rules shared by every layer: sentences with exact offsets, content words, and the `[n]` marker grammar."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.core.types import Chunk, Citation

# The one grammar of citation markers: `[1]`, `[1, 2]`, `[1;3]`, spaces allowed inside the brackets.
MARKER = re.compile(r"\[\s*(\d+(?:\s*[,;]\s*\d+)*)\s*\]")
# Markers that open a piece of text (a model may write "... Europe. [1] [2] The ..."), with trailing punctuation.
LEADING_MARKERS = re.compile(rf"^(?:\s*{MARKER.pattern})+[.,;:]?")
_SPACED_MARKER = re.compile(rf"\s*{MARKER.pattern}")
# A sentence ends at . ! ? or … (plus closing quotes/brackets) followed by whitespace, or at a line break; but not
# after an initial ("William E. Simon") nor before a lower-case word ('Add "... overnight!" linking to ...').
_SENTENCE_END = re.compile(r"(?<=[.!?…])(?<!\b[A-Z]\.)(?P<close>[\"'”’)\]]*)\s+(?![a-z])|\n+")
_WORD = re.compile(r"[\w’'-]+")
STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be been before being below between
    both but by can could did do does doing down during each few for from further had has have having he her
    here hers herself him himself his how i if in into is it its itself just me more most my myself no nor
    not now of off on once only or other our ours ourselves out over own same she should so some such than
    that the their theirs them themselves then there these they this those through to too under until up
    very was we were what when where which while who whom why will with would you your yours yourself
    yourselves said say says tell told according document documents statement text mention mentioned another
    regarding concerning including toward towards upon within without across among amongst via per despite""".split()
)


@dataclass(frozen=True)
class Sentence:
    """A sentence of a chunk; `start`/`end` are offsets into the chunk's source document."""

    text: str
    start: int
    end: int
    chunk: Chunk


def split_sentences(chunk: Chunk) -> list[Sentence]:
    """The chunk's sentences, each an exact slice of the source text (whitespace trimmed)."""
    sentences, position = [], 0
    for boundary in [*_SENTENCE_END.finditer(chunk.text), None]:
        if boundary is None:
            stop = len(chunk.text)
        else:  # a closing quote or bracket belongs to the sentence it ends
            stop = boundary.end("close") if boundary.group("close") is not None else boundary.start()
        piece = chunk.text[position:stop]
        stripped = piece.strip()
        if stripped:
            offset = position + piece.index(stripped)
            start = chunk.start + offset
            sentences.append(Sentence(stripped, start, start + len(stripped), chunk))
        if boundary:
            position = boundary.end()
    return sentences


def content_words(text: str) -> set[str]:
    """Lower-cased words that carry meaning, lightly stemmed so 'forces' matches 'force'."""
    words = set()
    for word in _WORD.findall(text.lower()):
        word = word.strip("'’-")
        if len(word) < 2 or word in STOPWORDS:
            continue
        words.add(_stem(word))
    return words


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def cite(n: int, sentence: Sentence, score: float) -> Citation:
    """A citation quoting `sentence` exactly, located in its source (the location of the sentence, not its chunk's)."""
    metadata = sentence.chunk.metadata
    location = None
    for offset, where in metadata.get("locations") or ():  # [offset, location] of each block, in order
        if offset > sentence.start:
            break
        location = dict(where)
    page = location.get("page") if location and "page" in location else metadata.get("page")
    return Citation(
        n=n,
        source=sentence.chunk.source,
        chunk_id=sentence.chunk.id,
        quote=sentence.text,
        start=sentence.start,
        end=sentence.end,
        score=round(float(score), 4),
        page=page,
        location=location,
    )


def marker_numbers(text: str) -> list[int]:
    """The numbers cited by every marker in `text`, in order (`"a [1, 3] b [2]"` gives `[1, 3, 2]`)."""
    return [int(number) for match in MARKER.finditer(text) for number in re.split(r"[,;]", match.group(1))]


def strip_markers(text: str) -> str:
    """`text` without its citation markers (and the spaces before them)."""
    return _SPACED_MARKER.sub("", text)
