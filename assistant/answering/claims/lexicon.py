"""Word relations for the citation check: lemmas, synonyms, opposites and names, read from tables made from WordNet."""

from __future__ import annotations

import functools
import gzip
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources

# WordNet's rules for regular inflections (its "morphy"), by part of speech: suffix -> replacement.
_SUFFIXES = {
    "n": (("s", ""), ("ses", "s"), ("xes", "x"), ("zes", "z"), ("ches", "ch"), ("shes", "sh"), ("men", "man"),
          ("ies", "y")),
    "v": (("s", ""), ("ies", "y"), ("es", "e"), ("es", ""), ("ed", "e"), ("ed", ""), ("ing", "e"), ("ing", "")),
    "a": (("er", ""), ("est", ""), ("er", "e"), ("est", "e"), ("ier", "y"), ("iest", "y")),
}  # fmt: skip


# Words whose lemmas are remembered (a long-running server sees ever new tokens: the memory is emptied when full).
_MEMORY = 100_000


@dataclass(frozen=True, eq=False)
class Lexicon:
    """The generated tables: every lemma's parts of speech, irregular forms, synonym groups, opposites, names."""

    words: Mapping[str, str]
    sense_counts: Mapping[str, int]
    exceptions: Mapping[str, tuple[str, ...]]
    groups: Mapping[str, frozenset[int]]
    opposites: Mapping[str, frozenset[str]]
    names: Mapping[str, frozenset[str]]
    _lemmas: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)

    def lemmas(self, word: str) -> tuple[str, ...]:
        """The dictionary forms of `word` ("undermines" -> "undermine", "simpler" -> "simple"); itself if none."""
        word = word.lower()
        known = self._lemmas.get(word)
        if known is None:
            if len(self._lemmas) > _MEMORY:
                self._lemmas.clear()
            known = self._lemmas[word] = self._find_lemmas(word)
        return known

    def _find_lemmas(self, word: str) -> tuple[str, ...]:
        found = dict.fromkeys(self.exceptions.get(word, ()))
        if word in self.words:
            found[word] = None
        for pos, rules in _SUFFIXES.items():
            for suffix, replacement in rules:
                if word.endswith(suffix) and len(word) - len(suffix) >= 2:
                    base = word[: len(word) - len(suffix)] + replacement
                    if pos in self.words.get(base, ""):
                        found[base] = None
                    elif not replacement and len(base) > 3 and base[-1] == base[-2] and base[:-1] in self.words:
                        found[base[:-1]] = None  # "planned" -> "plan"
        return tuple(found) or (word,)

    def is_word(self, word: str) -> bool:
        """Whether `word` is a common English word (not only a name)."""
        return any(lemma in self.words for lemma in self.lemmas(word))

    def senses(self, word: str) -> int:
        """How many meanings WordNet gives the word's lemmas (0 for a word it lacks): few for "ammonia", many for
        "use"."""
        return max((self.sense_counts.get(lemma, 0) for lemma in self.lemmas(word)), default=0)

    def parts_of_speech(self, word: str) -> str:
        """The parts of speech (`n`, `v`, `a`, `r`) the word's lemmas can have."""
        return "".join(sorted({pos for lemma in self.lemmas(word) for pos in self.words.get(lemma, "")}))

    def synonymous(self, first: str, second: str) -> bool:
        """Whether the two words share a lemma or a WordNet synonym group (or one derives from the other)."""
        if set(self.lemmas(first)) & set(self.lemmas(second)):
            return True
        return bool(self.synonym_groups(first) & self.synonym_groups(second))

    def synonym_groups(self, word: str) -> frozenset[int]:
        """The synonym groups of the word's lemmas (two words sharing one are synonyms)."""
        return frozenset().union(*(self.groups.get(lemma, frozenset()) for lemma in self.lemmas(word)))

    def opposite(self, first: str, second: str) -> bool:
        """Whether the two words are antonyms ("strengthens" / "undermines", "high" / "low")."""
        b = set(self.lemmas(second))
        return any(self.opposites.get(lemma, frozenset()) & b for lemma in self.lemmas(first))

    def aliases(self, name: str) -> frozenset[str]:
        """Lower-case names that stand for `name`: its other names, its country, its adjective ("welsh" -> "wales")."""
        name = name.lower()
        near = self.names.get(name, frozenset())
        return frozenset({name, *near, *(far for other in near for far in self.names.get(other, frozenset()))})


def _lines(name: str) -> Iterable[list[str]]:
    """The rows of a shipped table (tab-separated, gzip-compressed), without its header."""
    packed = resources.files("assistant.answering.claims").joinpath("wordnet", f"{name}.gz").read_bytes()
    text = gzip.decompress(packed).decode("utf-8")
    return (line.split("\t") for line in text.splitlines() if line and not line.startswith("#"))


@functools.cache
def lexicon() -> Lexicon:
    """The tables shipped with the package, read once per process (0.6-0.8 s on the 2-core machine under load)."""
    rows = list(_lines("words.tsv"))
    words = {word: pos for word, pos, _ in rows}
    sense_counts = {word: int(count) for word, _, count in rows}
    exceptions: dict[str, tuple[str, ...]] = defaultdict(tuple)
    for form, lemma in _lines("exceptions.tsv"):
        exceptions[form] += (lemma,)
    groups: dict[str, set[int]] = defaultdict(set)
    for number, (line,) in enumerate(_lines("synonyms.tsv")):
        for word in line.split():
            groups[word].add(number)
    opposites: dict[str, set[str]] = defaultdict(set)
    for a, b in _lines("antonyms.tsv"):
        opposites[a].add(b)
        opposites[b].add(a)
    names: dict[str, set[str]] = defaultdict(set)
    for group in _lines("names.tsv"):
        for name in group:
            names[name].update(other for other in group if other != name)
    return Lexicon(
        words=words,
        sense_counts=sense_counts,
        exceptions=dict(exceptions),
        groups={word: frozenset(ids) for word, ids in groups.items()},
        opposites={word: frozenset(others) for word, others in opposites.items()},
        names={name: frozenset(others) for name, others in names.items()},
    )


__all__ = ["Lexicon", "lexicon"]
