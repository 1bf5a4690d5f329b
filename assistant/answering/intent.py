"""What a question asks for: the kinds of answer, excluded things, an overview, and the words that must be covered.

"Which platform besides the NATO-Russia Council is mentioned?" excludes the NATO-Russia Council: an answer must add
something beyond it. "Who did Stoltenberg meet and when?" asks for a person and a date. "Summarize the statement."
asks for an overview, answered by several sentences on distinct points rather than one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.answering.answer_types import answer_type
from assistant.core.text import content_words

# Words that only say how the question is asked; they are not content an answer must cover.
_ASKING_WORDS = frozenset(content_words("kind type sort mentioned example examples according"))
_EXCLUSION = re.compile(
    r"\b(?:besides|apart from|aside from|other than|except(?: for)?|in addition to|beyond|not counting|excluding)"
    r"\s+(?P<excluded>.+?)(?=,|\?|$|\b(?:what|which|who|whom|where|when|how|is|are|was|were|does|did|do)\b)",
    re.IGNORECASE,
)
_OVERVIEW = re.compile(
    r"^\s*(?:please\s+)?(?:summari[sz]e|give (?:me )?(?:a |an )?(?:summary|overview|rundown)|"
    r"(?:what is|what's) (?:the |this )?(?:summary|gist|overview|main point|main idea)|"
    r"what are the (?:main|key|important) (?:points|ideas|messages|takeaways|facts)|"
    r"list (?:the |all )?(?:main |key )?(?:points|facts|things)|"
    r"what (?:is|does) (?:the |this )?(?:document|statement|text|article|report|file)\b.{0,20}\b(?:about|say)\b)",
    re.IGNORECASE,
)
_COMPOUND_KINDS = {
    "person": re.compile(r"\bwho(?:m)?\b", re.IGNORECASE),
    "date": re.compile(r"\bwhen\b|\bwhat (?:date|day|time)\b", re.IGNORECASE),
    "place": re.compile(r"\bwhere\b", re.IGNORECASE),
}


@dataclass(frozen=True)
class Intent:
    """The analysed question: its answer kind, the kinds of a compound question, exclusions and key words."""

    kind: str | None  # number, year or date when the whole question asks for one
    kinds: tuple[str, ...]  # person, date, place: what a compound question ("who ... and when") asks for
    excluded: frozenset[str]  # content words of what the question sets aside ("besides X")
    overview: bool  # a request for a summary or the main points
    key_words: frozenset[str]  # content words an answer must relate to (asking words and exclusions removed)


def analyse(question: str) -> Intent:
    """What `question` asks for."""
    excluded: set[str] = set()
    for match in _EXCLUSION.finditer(question):
        excluded |= content_words(match.group("excluded"))
    kinds = tuple(kind for kind, pattern in _COMPOUND_KINDS.items() if pattern.search(question))
    compound = kinds if len(kinds) > 1 and re.search(r"\band\b", question, re.IGNORECASE) else ()
    key_words = content_words(question) - _ASKING_WORDS - excluded
    return Intent(
        kind=answer_type(question),
        kinds=compound,
        excluded=frozenset(excluded),
        overview=bool(_OVERVIEW.search(question)),
        key_words=frozenset(key_words or content_words(question)),
    )
