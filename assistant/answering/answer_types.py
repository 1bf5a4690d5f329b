"""What kind of answer a question asks for (a number, a year, a date), and whether a sentence holds one.

"How many troops...?" is not answered by a sentence without a number: the extractive answerer quotes only
sentences of the asked-for kind, and refuses when the passages hold none.
"""

from __future__ import annotations

import re

_NUMBER_WORDS = (
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen "
    "eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred hundreds thousand thousands "
    "million millions billion billions trillion dozen dozens half single double twice thrice none"
)
_MONTHS = "january february march april may june july august september october november december"
_DAYS = "monday tuesday wednesday thursday friday saturday sunday"
_TIME_WORDS = (
    "century centuries decade decades today yesterday tomorrow ago spring summer autumn fall winter "
    "noon midnight morning afternoon evening night dawn dusk "
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth fourteenth "
    "fifteenth sixteenth seventeenth eighteenth nineteenth twentieth twenty-first"
)


def _words(spaced: str) -> str:
    return "|".join(re.escape(word) for word in spaced.split())


_DIGIT = re.compile(r"\d")
_NUMBER = re.compile(rf"\b(?:{_words(_NUMBER_WORDS)})\b", re.IGNORECASE)
_YEAR = re.compile(r"\b(?:1\d{3}|20\d{2})s?\b|\b\d{1,4}\s*(?:BC|BCE|AD|CE)\b")
_DATE = re.compile(rf"\b(?:{_words(_MONTHS)}|{_words(_DAYS)}|{_words(_TIME_WORDS)})\b", re.IGNORECASE)

_ASKS = {
    "year": re.compile(r"^(?:in |since |by |until )?(?:what|which) year\b"),
    "number": re.compile(r"^how (?:many|much)\b|^what (?:percentage|percent|proportion|fraction)\b"),
    "date": re.compile(
        r"^when (?:did|was|were|had|has)\b"
        r"|^(?:on |in |by |until )?(?:what|which) (?:date|day|month|century|decade)\b"
    ),
}


def answer_type(question: str) -> str | None:
    """ "number", "year" or "date" when the question asks for one; None for any other question."""
    asked = question.strip().lower()
    return next((kind for kind, pattern in _ASKS.items() if pattern.search(asked)), None)


def holds(text: str, kind: str | None) -> bool:
    """Whether `text` could answer a question asking for `kind` (always, for kind None)."""
    match kind:
        case None:
            return True
        case "number":
            return bool(_DIGIT.search(text) or _NUMBER.search(text))
        case "year":
            return bool(_YEAR.search(text))
        case "date":
            return bool(_YEAR.search(text) or _DATE.search(text) or _DIGIT.search(text))
    raise ValueError(f"unknown answer type {kind!r}")


_ENTITY_QUESTION = re.compile(r"\b(?:who|whom|whose|where)\b", re.IGNORECASE)
_CAPITALISED = re.compile(r"(?<!^)(?<![.!?]\s)\b[A-Z][\w’'-]+")


def holds_entity(text: str, question: str, kinds: tuple[str, ...] = ()) -> bool:
    """For a who/where question: whether `text` names someone or somewhere (a capitalised word) not in the question."""
    if not (_ENTITY_QUESTION.search(question) or {"person", "place"} & set(kinds)):
        return False
    asked = {word.lower() for word in re.findall(r"[\w’'-]+", question)}
    return any(word.lower() not in asked for word in _CAPITALISED.findall(text.strip()))
