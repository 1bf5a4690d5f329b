"""Sentences with exact offsets, content words, and citations that point at the words they quote."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.types import Chunk, Citation

# A sentence ends at . ! ? or … (plus closing quotes/brackets) followed by whitespace, or at a line break.
_SENTENCE_END = re.compile(r"(?<=[.!?…])(?P<close>[\"'”’)\]]*)\s+|\n+")
_WORD = re.compile(r"[\w’'-]+")
STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be been before being below between
    both but by can could did do does doing down during each few for from further had has have having he her
    here hers herself him himself his how i if in into is it its itself just me more most my myself no nor
    not now of off on once only or other our ours ourselves out over own same she should so some such than
    that the their theirs them themselves then there these they this those through to too under until up
    very was we were what when where which while who whom why will with would you your yours yourself
    yourselves said say says tell told according document documents statement text mention mentioned another""".split()
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
    """A citation quoting `sentence` exactly, located in its source."""
    return Citation(
        n=n,
        source=sentence.chunk.source,
        chunk_id=sentence.chunk.id,
        quote=sentence.text,
        start=sentence.start,
        end=sentence.end,
        score=round(float(score), 4),
        page=sentence.chunk.metadata.get("page"),
    )


# Text addressed to the assistant rather than to a reader: the shapes of indirect prompt injection (BIPIA).
_EDIT_VERBS = (
    "add|include|integrate|insert|append|modify|augment|enhance|embed|mention|begin|start|end|replace|use|provide|"
    "render|write|format|translate|convert|remove|group|combine|scramble|misspell|rearrange|introduce|suggest|tease|"
    "promote|substitute|jumble|anagram|encode|print|output|respond|reply|answer|sign|finish|conclude"
)
_OUTPUT = r"(?:answers?|responses?|repl(?:y|ies)|messages?|outputs?|summary|completion)(?:'s|’s)?"
_INSTRUCTION = re.compile(
    "|".join(
        [
            rf"\b(?:{_EDIT_VERBS})\b[^.!?]*\byour\s+{_OUTPUT}\b",
            rf"\b(?:in|to|into|within|throughout)\s+your\s+{_OUTPUT}\b",
            r"\b(?:ignore|disregard|forget|override)\b[^.!?]{0,40}\b(?:instructions?|prompts?|rules|directions|guidelines)\b",
            r"\b(?:you\s+are\s+now|act\s+as|pretend\s+to\s+be)\s+(?:an?\s+)?(?:ai|assistant|chatbot|language\s+model|llm)\b",
            r"^\W*(?:dear\s+|hey\s+|attention\s+)?(?:ai|assistant|chatbot|llm|gpt|system)\s*[:,]",
            r"\bsystem\s+prompt\b|\bnew\s+instructions\b",
            r"!\[[^\]]*\]\(",  # a markdown image: rendering it would call an outside host
            r"\[[^\]]*\]\(\s*(?:https?:|//|www\.)",  # a markdown link to an outside host
        ]
    ),
    re.IGNORECASE,
)


def looks_like_instruction(text: str) -> bool:
    """Whether `text` gives orders to an assistant ("... in your response", "ignore previous instructions")."""
    return bool(_INSTRUCTION.search(text))


def quotable(text: str) -> bool:
    """Whether a document sentence can be quoted as an answer: not a question, not an order to the assistant."""
    return not text.rstrip(" \"'”’)]").endswith("?") and not looks_like_instruction(text)
