"""How the citation check reads a sentence: its tokens, which are names, and the quantities it states."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.answering.claims.lexicon import Lexicon
from assistant.core.text import STOPWORDS

_LETTER = r"[^\W\d_]"
_TOKEN = re.compile(r"(?:[A-Z]\.){2,}|[\w\u00C0-\u024F]+(?:(?:[-'’/]|(?<=\d)[.,](?=\d{1,3}))[\w\u00C0-\u024F]+)*%?")
_PAUSE = re.compile(r"[,;:()\[\]!?.]|\s[-–—]\s|[–—]")
_POSSESSIVE = re.compile(r"['’]s$|(?<=s)['’]$")
_UNITS = {
    word: value
    for value, word in enumerate(
        """zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen
        seventeen eighteen nineteen""".split()
    )
}
_TENS = dict(zip("twenty thirty forty fifty sixty seventy eighty ninety".split(), range(20, 100, 10), strict=True))
_ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8, "ninth": 9,
    "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fifteenth": 15, "twentieth": 20, "thirtieth": 30,
    "hundredth": 100,
}  # fmt: skip
_FRACTIONS = {"half": 0.5, "quarter": 0.25, "quarters": 0.25, "third": 1 / 3, "thirds": 1 / 3, "fifth": 0.2,
              "fifths": 0.2, "tenth": 0.1, "tenths": 0.1}  # fmt: skip
_MULTIPLES = {"twice": 2, "double": 2, "doubled": 2, "triple": 3, "tripled": 3, "thrice": 3, "dozen": 12}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000, "trillion": 1e12}
_PERCENT = frozenset({"percent", "per", "%"})
# Capitalised words that are not names (a capitalised stopword is one too, unless in capitals like "US"), and
# function words WordNet lacks, which may open a sentence.
_NOT_NAMES = frozenset({"i"})
_FUNCTION_WORDS = frozenset(
    """because since although whereas upon among amongst amid towards toward unless whether via versus per onto
    despite throughout whatever whenever wherever whichever whoever nevertheless nonetheless moreover furthermore
    instead""".split()
)


@dataclass(frozen=True)
class Token:
    """A word of a sentence: as written, normalised (lower case, no possessive), its position, whether a name."""

    text: str
    norm: str
    index: int
    name: bool
    after_pause: bool = False  # punctuation (, ; : ( ) or a dash) stands between this word and the one before
    # Whether the word carries meaning (not a stopword, not a lone letter unless a name or a digit).
    content: bool = field(init=False)
    # The pieces of a hyphenated word ("NATO-Russia" -> "nato", "russia"); the word itself otherwise.
    parts: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        content = self.norm not in STOPWORDS and (len(self.norm) > 1 or self.name or self.norm.isdigit())
        pieces = tuple(piece for piece in re.split(r"[-/]", self.norm) if piece)
        object.__setattr__(self, "content", content)
        object.__setattr__(self, "parts", pieces if len(pieces) > 1 else (self.norm,))


@dataclass(frozen=True)
class Quantity:
    """A number a sentence states, with the positions of the words that state it; `word` when spelt out."""

    value: float
    start: int
    end: int
    word: bool = False
    percent: bool = False

    def values(self) -> set[float]:
        """The value, and for a percentage or a fraction the other way of writing it (20% and 0.2)."""
        if self.percent:  # 20% is 0.2 (and "one in five"); 300% is not "three"
            return {self.value, self.value / 100} if self.value < 100 else {self.value}
        return {self.value, self.value * 100} if 0 < self.value < 1 else {self.value}


def normalise(word: str) -> str:
    """Lower case, straight apostrophes, possessive dropped ("Ukraine’s" -> "ukraine")."""
    return _POSSESSIVE.sub("", word.lower().replace("’", "'")).strip("'")


def tokenize(text: str, lexicon: Lexicon) -> list[Token]:
    """The sentence's words; a capitalised word is a name unless it opens the sentence as a common word."""
    tokens = []
    previous = 0
    for index, match in enumerate(_TOKEN.finditer(text)):
        word = match.group(0)
        pause = bool(_PAUSE.search(text[previous : match.start()]))
        previous = match.end()
        norm = normalise(word)
        acronym = word.isupper() and len(word) > 1
        capital = word[:1].isupper() and norm not in _NOT_NAMES and (acronym or norm not in STOPWORDS)
        if capital and index == 0:
            possessive = bool(_POSSESSIVE.search(word))
            capital = possessive or acronym or not (lexicon.is_word(norm) or norm in _FUNCTION_WORDS)
        tokens.append(Token(word, norm, index, capital or _is_code(norm), pause))
    return tokens


def _is_code(norm: str) -> bool:
    """A mix of letters and digits ("x.25", "oc-48c", "n2"): compared as written, like a name."""
    return bool(re.search(r"\d", norm)) and bool(re.search(_LETTER, norm)) and not _number(norm)


def _number(norm: str) -> float | None:
    """The value of a token written with digits ("5,000", "10th", "1880s", "37.6", "20%"), else None."""
    if re.fullmatch(r"'?\d0s", norm):  # "90s": a decade of the twentieth century
        return 1900.0 + int(norm.strip("'")[:2])
    match = re.fullmatch(r"(\d+(?:,\d{3})*(?:\.\d+)?)(?:st|nd|rd|th|s|%)?", norm)
    return float(match.group(1).replace(",", "")) if match else None


def quantities(tokens: list[Token]) -> list[Quantity]:
    """The numbers the tokens state: digits, number words ("thirty", "tenth", "five thousand"), "one in five"."""
    found: list[Quantity] = []
    position = 0
    while position < len(tokens):
        token = tokens[position]
        head = token.parts[0]
        value = _number(token.norm)
        word = value is None
        if value is None:
            value = _word_number(head, token.parts)
        if value is None:
            position += 1
            continue
        end = position + 1
        if end < len(tokens) and tokens[end].norm in _SCALES:  # "five thousand", "37.6 billion"
            value *= _SCALES[tokens[end].norm]
            end += 1
        if end + 1 < len(tokens) and tokens[end].norm == "in":  # "one in five"
            other = _number(tokens[end + 1].norm) or _word_number(tokens[end + 1].norm, tokens[end + 1].parts)
            if other:
                value, end = value / other, end + 2
        percent = token.norm.endswith("%") or (end < len(tokens) and tokens[end].norm in _PERCENT)
        found.append(Quantity(value, position, end, word, percent))
        position = end
    for index, token in enumerate(tokens):  # "a hundred", "a million"
        alone = index == 0 or tokens[index - 1].norm in {"a", "an", "one"}
        if token.norm in _SCALES and alone and not any(q.start <= index < q.end for q in found):
            found.append(Quantity(_SCALES[token.norm], index, index + 1, True))
    return found


def is_number_word(word: str) -> bool:
    """Whether the word spells a number ("two", "thirty", "second", "twice", "half", "hundred")."""
    head = word.split("-")[0]
    return any(head in table for table in (_UNITS, _TENS, _ORDINALS, _MULTIPLES, _SCALES)) or head == "half"


def _word_number(head: str, parts: tuple[str, ...]) -> float | None:
    """The value of a spelt-out number ("thirty", "twenty-one", "tenth", "one-fifth", "twice"), else None."""
    if head in _UNITS:
        if len(parts) > 1 and parts[1] in _FRACTIONS:  # "one-fifth", "two-thirds"
            return _UNITS[head] * _FRACTIONS[parts[1]]
        return float(_UNITS[head])
    if head in _TENS:
        unit = _UNITS.get(parts[1], 0) if len(parts) > 1 else 0
        return float(_TENS[head] + unit)
    if head in _ORDINALS:
        return float(_ORDINALS[head])
    if head in _MULTIPLES:
        return float(_MULTIPLES[head])
    if head in {"half", "halves"}:
        return 0.5
    return None


__all__ = ["Quantity", "Token", "is_number_word", "normalise", "quantities", "tokenize"]
