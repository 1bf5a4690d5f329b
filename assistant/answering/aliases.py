"""Names and titles that refer to the same person within a document ("secretary-general Jens Stoltenberg").

A statement names someone once with their title and then calls them by the title alone ("The secretary-general
underlined..."). A question that names the person must still match the sentences that use the title, and the other
way round: this reads the appositions of a text into a map from name words to title words and back.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from assistant.core.text import content_words

TITLES = (
    "secretary-general secretary general president vice-president minister prime chancellor king queen prince princess "
    "pope emperor empress duke duchess governor mayor senator ambassador commissioner spokesperson spokesman "
    "spokeswoman director chairman chairwoman chair ceo chief head leader professor bishop archbishop captain judge "
    "commander founder editor author manager coach premier president-elect"
).split()
_TITLE = "|".join(sorted((re.escape(title) for title in TITLES), key=len, reverse=True))
_NAME = r"(?:[A-Z][\w’'.-]+\s+){0,3}[A-Z][\w’'-]+"
# "secretary-general Jens Stoltenberg", "Ukrainian president Volodymyr Zelenskyy", "Prime Minister Boris Johnson"
_TITLE_THEN_NAME = re.compile(rf"\b(?P<title>(?i:(?:[\w-]+\s+)?(?:{_TITLE})))\s+(?P<name>{_NAME})")
# "Jens Stoltenberg, the secretary-general," / "Jens Stoltenberg, NATO's secretary-general"
_TITLE_WORDS = frozenset(content_words(" ".join(TITLES)))
_NAME_THEN_TITLE = re.compile(rf"(?P<name>{_NAME}),\s+(?i:(?:the\s+)?(?:[\w’']+\s+)?(?P<title>{_TITLE}))\b")


def aliases(texts: Iterable[str]) -> dict[str, frozenset[str]]:
    """For each content word of a name or a title, the words of what it also refers to (both directions)."""
    found: dict[str, set[str]] = {}
    for text in texts:
        for word, others in _aliases_in(text):
            found.setdefault(word, set()).update(others)
    return {word: frozenset(others) for word, others in found.items()}


@functools.lru_cache(maxsize=4096)
def _aliases_in(text: str) -> tuple[tuple[str, frozenset[str]], ...]:
    """The appositions of one passage (cached: the same passages come back for question after question)."""
    found: list[tuple[str, frozenset[str]]] = []
    for pattern in (_TITLE_THEN_NAME, _NAME_THEN_TITLE):
        for match in pattern.finditer(text):
            name = match.group("name")
            title_words = content_words(match.group("title")) & _TITLE_WORDS
            name_words = content_words(name)
            if title_words and name_words:
                found += [(word, frozenset(title_words)) for word in name_words]
                found += [(word, frozenset(name_words)) for word in title_words]
    return tuple(found)


def expand(words: set[str] | frozenset[str], table: dict[str, frozenset[str]]) -> set[str]:
    """`words` with the words their aliases use."""
    expanded = set(words)
    for word in words:
        expanded |= table.get(word, frozenset())
    return expanded
