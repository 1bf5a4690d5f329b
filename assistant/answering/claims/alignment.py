"""Which evidence sentences a claim draws on, and which of their words each of the claim's words stands for."""

from __future__ import annotations

import functools
import os.path
import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.answering.claims.lexicon import lexicon
from assistant.answering.claims.wording import Quantity, Token, quantities, tokenize

# A word the lexicon calls a synonym, or one that shares a long stem ("reciprocal" / "reciprocity"), counts this
# much of a repeated word towards coverage (no change on the train split from 0.5 to 1).
RELATED = 0.75
# One piece of a hyphenated word ("NATO" in "NATO-Russia"), or a name and its adjective ("West" / "Western"):
# present, but not the same word.
PART = 0.9
# A further sentence is quoted as backing when it adds this many of the claim's words: one word, often a name, is
# checked against it but does not make it a source (the brief's paraphrase of the NATO statement otherwise quoted
# the sentence before its source for "NATO"). It changes no verdict.
QUOTED = 2
# A claim may combine this many sentences of a passage. Train split: kept 0.930 with one, 0.982 with two or three,
# 0.974 with four; caught 0.965 with one, 0.956 with more.
MAX_SENTENCES = 3
# Verbs that report speech add nothing the passage must contain ("The secretary-general underlined that ...").
REPORTING = frozenset(
    """underline stress note add explain argue emphasise emphasize insist report announce mention state declare
    write describe""".split()
)
_DEMONYM_ENDINGS = frozenset({"n", "an", "ian", "ern", "ese", "ish", "i"})
# Words that join the parts of one name ("Court of Justice of the European Union").
_NAME_JOINERS = frozenset({"of", "the", "and", "for", "de", "von", "van", "du", "la"})


@dataclass(frozen=True, eq=False)
class Sentence:
    """An evidence or claim sentence, read once: its tokens and the quantities it states."""

    text: str
    tokens: tuple[Token, ...]
    quantities: tuple[Quantity, ...]

    @functools.cached_property
    def keys(self) -> dict[str, list[int]]:
        """Each content word's forms (itself, its lemmas, the names that stand for it) -> its positions."""
        found: dict[str, list[int]] = {}
        for token in self.tokens:
            if token.content:
                profile = _profile(token.norm)
                for key in {token.norm, *profile.lemmas, *profile.aliases}:
                    found.setdefault(key, []).append(token.index)
        return found

    @functools.cached_property
    def neighbours(self) -> dict[object, set[int]]:
        """Positions of the content words a word may be related to: by synonym group, by its first four letters,
        and by the pieces of hyphenated words."""
        found: dict[object, set[int]] = {}
        for token in self.tokens:
            if token.content:
                for key in (*_profile(token.norm).groups, token.norm[:4], *token.parts):
                    found.setdefault(key, set()).add(token.index)
        return found


@dataclass(frozen=True)
class Match:
    """Where a claim word is found: the evidence sentence, the word's position there, and how closely (0-1)."""

    sentence: int
    index: int
    strength: float


@dataclass(frozen=True)
class Alignment:
    """The claim against its evidence: the closest sentence, all sentences it draws on, and its words' matches."""

    claim: Sentence
    evidence: tuple[Sentence, ...]
    similarity: tuple[float, ...]
    primary: int
    window: tuple[int, ...]
    matches: dict[int, Match]
    context: Sentence | None = None  # the document's title or file name: names it holds are known
    drawn_on: tuple[int, ...] = ()  # the primary sentence and those that add QUOTED words or more: what to quote

    @property
    def coverage(self) -> float:
        """The share of the claim's content words found in the window (related words count RELATED)."""
        words = [token for token in self.claim.tokens if counts(token)]
        if not words:
            return 1.0
        return sum(self.matches[t.index].strength if t.index in self.matches else 0.0 for t in words) / len(words)

    def tokens(self, sentence: int | None = None) -> list[tuple[int, Token]]:
        """(sentence, token) of the window, or of one sentence."""
        chosen = self.window if sentence is None else (sentence,)
        return [(number, token) for number in chosen for token in self.evidence[number].tokens]


@functools.lru_cache(maxsize=4096)
def read(text: str) -> Sentence:
    """The sentence's tokens and quantities (cached: a passage is read once for all the claims citing it)."""
    tokens = tuple(tokenize(text, lexicon()))
    return Sentence(text, tokens, tuple(quantities(list(tokens))))


@functools.lru_cache(maxsize=65536)
def lemmas(word: str) -> frozenset[str]:
    """The word's lemmas, the word without hyphens, and without a plural "s" (names: "Protestants")."""
    found = {*lexicon().lemmas(word), word.replace("-", "")}
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        found.add(word[:-1])
    return frozenset(found)


def counts(token: Token) -> bool:
    """Whether the token counts towards coverage: a content word other than a verb of speech."""
    return token.content and not (lemmas(token.norm) & REPORTING)


@dataclass(frozen=True)
class _Profile:
    """What a word is matched by, computed once per word."""

    lemmas: frozenset[str]
    aliases: frozenset[str]
    groups: frozenset[int]
    parts: tuple[str, ...]


@functools.lru_cache(maxsize=65536)
def _profile(word: str) -> _Profile:
    words = lexicon()
    groups = words.synonym_groups(word) if word.isalpha() else frozenset()
    return _Profile(lemmas(word), words.aliases(word), groups, tuple(word.split("-")))


@functools.lru_cache(maxsize=65536)
def similarity(first: str, second: str) -> float:
    """How closely two normalised words match: 1 the same word (or lemma, or a name for the other), PART one piece of
    the other or a name and its adjective, RELATED a synonym or a long shared stem, else 0."""
    if first == second:
        return 1.0
    a, b = _profile(first), _profile(second)
    if a.lemmas & b.lemmas or first in b.aliases:
        return 1.0
    if len(a.parts) > 1 and second in a.parts or len(b.parts) > 1 and first in b.parts:
        return PART
    stem = _common_prefix(first, second)
    shorter, longer = sorted((first, second), key=len)
    if len(stem) >= 4 and len(shorter) - len(stem) <= 1 and longer[len(stem) :] in _DEMONYM_ENDINGS:
        return PART  # "West" / "Western", "Russia" / "Russian", "Europe" / "European"
    if a.groups & b.groups:
        return RELATED
    if len(stem) >= 5 and len(stem) >= len(shorter) - 3:
        return RELATED
    return 0.0


def _common_prefix(first: str, second: str) -> str:
    return os.path.commonprefix([first, second])


def align(claim: str, evidence: Sequence[str], cosine: Sequence[float], context: str = "") -> Alignment:
    """Align the claim to its closest evidence sentence, then add the sentences that hold more of its words."""
    read_claim = read(claim)
    sentences = tuple(read(text) for text in evidence)
    words = [token for token in read_claim.tokens if token.content]
    numbers = {i: q.values() for q in read_claim.quantities for i in range(q.start, q.end)}
    found = [_best_matches(words, numbers, sentence) for sentence in sentences]
    weight = max(len([t for t in words if counts(t)]), 1)

    def share(number: int) -> float:
        return sum(match[1] for index, match in found[number].items() if counts(read_claim.tokens[index])) / weight

    primary = max(range(len(sentences)), key=lambda n: (float(cosine[n]) + share(n), -n))
    window, quoted = [primary], [primary]
    covered = {index for index, (_, strength) in found[primary].items() if strength == 1.0}
    while len(window) < min(MAX_SENTENCES, len(sentences)):
        gains = {
            n: {i for i, (_, strength) in found[n].items() if strength == 1.0} - covered
            for n in range(len(sentences))
            if n not in window
        }
        best = max(gains, key=lambda n: (len(gains[n]), float(cosine[n]), -n))
        if not gains[best]:
            break
        window.append(best)
        covered |= gains[best]
        if len(gains[best]) >= QUOTED:
            quoted.append(best)
    matches: dict[int, Match] = {}
    for number in window:  # the primary sentence first: it wins ties
        for index, (position, strength) in found[number].items():
            if index not in matches or strength > matches[index].strength:
                matches[index] = Match(number, position, strength)
    similarities = tuple(float(value) for value in cosine)
    known = read(re.sub(r"[_.]+", " ", context)) if context else None
    return Alignment(read_claim, sentences, similarities, primary, tuple(window), matches, known, tuple(quoted))


def _best_matches(
    words: list[Token], numbers: dict[int, set[float]], sentence: Sentence
) -> dict[int, tuple[int, float]]:
    """Claim token index -> (evidence token index, strength) for the claim's words found in the sentence.

    A word the sentence holds more than once is matched to the occurrence nearest the previous match, so "contained"
    in "... and L is strictly contained in PSPACE" goes with its own clause.
    """
    found: dict[int, tuple[int, float]] = {}
    places: dict[int, list[int]] = {}
    values = {round(v, 6): q.start for q in sentence.quantities for v in q.values()}
    for word in words:
        if word.index in numbers:  # a number matches the same value however written ("thirty" / "30")
            hits = [values[round(v, 6)] for v in numbers[word.index] if round(v, 6) in values]
            if hits:
                found[word.index] = (hits[0], 1.0)
            continue
        exact = sorted({i for key in {word.norm, *_profile(word.norm).lemmas} for i in sentence.keys.get(key, ())})
        if exact:
            places[word.index] = exact
            found[word.index] = (exact[0], 1.0)
            continue
        best = (-1, 0.0)
        profile = _profile(word.norm)
        near = sentence.neighbours
        candidates = set().union(*(near.get(key, ()) for key in (*profile.groups, word.norm[:4], *profile.parts)))
        for position in sorted(candidates):
            strength = similarity(word.norm, sentence.tokens[position].norm)
            if strength > best[1]:
                best = (position, strength)
        if best[1] > 0:
            found[word.index] = best
    previous = None
    for index in sorted(found):
        options = places.get(index, [])
        if len(options) > 1 and previous is not None:
            found[index] = (min(options, key=lambda position: abs(position - previous - 1)), 1.0)
        elif len(options) > 1:
            following = next((found[i][0] for i in sorted(found) if i > index and len(places.get(i, [])) == 1), None)
            if following is not None:
                found[index] = (min(options, key=lambda position: abs(position - following + 1)), 1.0)
        if found[index][1] == 1.0:
            previous = found[index][0]
    return found


def name_phrases(sentence: Sentence) -> list[tuple[int, int]]:
    """(start, end) token spans of the names in the sentence, joiners included ("Court of Justice")."""
    spans, tokens = [], sentence.tokens
    index = 0
    while index < len(tokens):
        if not tokens[index].name:
            index += 1
            continue
        end = index + 1
        while end < len(tokens) and not tokens[end].after_pause:
            if tokens[end].name:
                end += 1
            elif tokens[end].norm in _NAME_JOINERS and end + 1 < len(tokens) and tokens[end + 1].name:
                end += 2
            else:
                break
        spans.append((index, end))
        index = end
    return spans


__all__ = ["Alignment", "Match", "Sentence", "align", "counts", "lemmas", "name_phrases", "read", "similarity"]
