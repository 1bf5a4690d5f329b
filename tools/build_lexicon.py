"""Generate the verifier's word tables (assistant/answering/claims/wordnet/) from the WordNet 3.0 database.

    .venv/bin/python tools/build_lexicon.py [--wordnet /usr/share/wordnet]

Reads Debian's `wordnet-base` files (data.*, index.*, *.exc) directly, without nltk, and writes:

- words.tsv: every lower-case single-word lemma, its parts of speech (`n`, `v`, `a`, `r`) and its number of senses,
  so the verifier can tell a common word from a name, reduce inflected forms to a lemma, and tell a word of one
  specific meaning ("ammonia") from a general one ("use");
- exceptions.tsv: irregular forms and their lemma (`went`/`go`, `simpler`/`simple`, `men`/`man`);
- synonyms.tsv: one group of interchangeable words a line: the single-word lemmas of a synset, each kept only when
  the synset is among its first SENSES senses (WordNet lists a word's senses by frequency), plus derivation pairs
  (`justify justification`);
- names.tsv: place and people names that stand for each other, a group a line (tab-separated): the names of one
  place (`united kingdom`, `britain`), a country and its adjective (`wales`, `welsh`) and a capital and its
  country (`moscow`, `russia`);
- antonyms.tsv: opposite pairs: WordNet's antonym pointers between the first SENSES senses, widened to the other
  lemmas of those synsets (`undermine` shares a synset with `weaken`, the antonym of `strengthen`) and to
  adjectives "similar to" an adjective with an antonym, plus the few pairs in EXTRA that WordNet lacks;
- LICENSE: WordNet's licence, which must travel with the tables.

Each table is written gzip-compressed (2.2 MB of text, about a quarter of that compressed). The product reads only
the generated files, so it works where WordNet is not installed.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import re
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "assistant" / "answering" / "claims" / "wordnet"
FILES = {"n": "noun", "v": "verb", "a": "adj", "r": "adv"}
# A word's first three senses cover most of its use (WordNet orders them by SemCor frequency); further senses join
# unrelated words ("set" is an antonym of "rise" only as the sun's). Not tuned.
SENSES = 3
# Opposites WordNet has no pointer for: compass points, and verbs of change whose WordNet antonyms sit on other
# senses. Written by hand; general English, not taken from any claim set.
EXTRA = """
north south, east west, northeast southwest, northwest southeast, northern southern, eastern western,
northeastern southwestern, northwestern southeastern, northward southward, eastward westward,
increase reduce, increase decrease, increase lower, increase cut, raise lower, raise reduce, rise fall, rise drop,
rise decline, grow shrink, expand shrink, expand contract, strengthen weaken, strengthen undermine, worsen improve,
worsen ease, exacerbate ease, exacerbate alleviate, exacerbate relieve, aggravate ease, escalate de-escalate,
accept reject, accept decline, accept refuse, approve reject, confirm revoke, confirm deny, repeal enact,
win lose, succeed fail, victory defeat, allow forbid, allow prohibit, permit forbid, permit prohibit, include exclude,
before after, earlier later, early late, first last, minimum maximum, minimal maximal, least most, fewer more,
less more, lowest highest, smallest largest, weakest strongest, inside outside, import export, buy sell,
hide reveal, hide expose, hide show, conceal reveal, implicit explicit, build destroy, build demolish,
strengthen dismantle, construct destroy, open close, start end, begin end, arrive leave, join leave, support oppose
"""
_LEMMA = re.compile(r"^[a-z][a-z-]*$")


Pointer = tuple[str, str, str, int, int]


def read_synsets(folder: Path) -> dict[tuple[str, str], tuple[list[str], list[Pointer], int]]:
    """(pos, offset) -> (lemmas as written, pointers (symbol, pos, offset, source, target), lexicographer file)."""
    synsets = {}
    for pos, name in FILES.items():
        for line in (folder / f"data.{name}").read_text(encoding="latin-1").splitlines():
            if line.startswith("  "):
                continue
            fields = line.split("|")[0].split()
            offset, count = fields[0], int(fields[3], 16)
            words = [re.sub(r"\(.*\)$", "", fields[4 + 2 * i]) for i in range(count)]
            at = 4 + 2 * count
            pointers = []
            for _ in range(int(fields[at])):
                symbol, target, target_pos, numbers = fields[at + 1 : at + 5]
                at += 4
                target_pos = "a" if target_pos == "s" else target_pos
                pointers.append((symbol, target_pos, target, int(numbers[:2], 16), int(numbers[2:], 16)))
            synsets[(pos, offset)] = (words, pointers, int(fields[1]))
    return synsets


def read_senses(folder: Path) -> dict[str, list[tuple[str, str]]]:
    """Lemma -> its synsets (pos, offset), most frequent sense first within each part of speech."""
    senses: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for pos, name in FILES.items():
        for line in (folder / f"index.{name}").read_text(encoding="latin-1").splitlines():
            if line.startswith("  "):
                continue
            fields = line.split()
            count = int(fields[2])
            senses[fields[0]] += [(pos, offset) for offset in fields[-count:]]
    return senses


def top(senses: dict[str, list[tuple[str, str]]], word: str) -> set[tuple[str, str]]:
    """The word's first SENSES senses in each part of speech."""
    by_pos: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for key in senses.get(word, []):
        by_pos[key[0]].append(key)
    return {key for keys in by_pos.values() for key in keys[:SENSES]}


def build(folder: Path) -> dict[str, list[str]]:
    """The generated tables, as lines per file name."""
    synsets, senses = read_synsets(folder), read_senses(folder)
    common = defaultdict(set)  # only lemmas WordNet writes in lower case: "mercury" the metal, not "Mercury"
    for (pos, _), (words, _, _) in synsets.items():
        for word in words:
            if _LEMMA.match(word):
                common[word].add(pos)
    keep = {word for word in common if senses.get(word)}
    groups, derivations, antonyms = set(), set(), set()
    for word in sorted(keep):
        for key in top(senses, word):
            words, pointers, _ = synsets[key]
            mates = {m.lower() for m in words if m.lower() in keep and key in top(senses, m.lower())}
            if len(mates) > 1:
                groups.add(" ".join(sorted(mates)))
            for symbol, pos, offset, source, target in pointers:
                if source and words[source - 1].lower() != word:
                    continue
                other_words = synsets[(pos, offset)][0]
                other = (other_words[target - 1] if target else other_words[0]).lower()
                if other not in keep or (pos, offset) not in top(senses, other):
                    continue
                if symbol == "+" and source:
                    derivations.add(tuple(sorted((word, other))))
                elif symbol == "!":
                    opposite_mates = {
                        m.lower() for m in other_words if m.lower() in keep and (pos, offset) in top(senses, m.lower())
                    }
                    for a, b in itertools.product(mates | {word}, opposite_mates | {other}):
                        antonyms.add(tuple(sorted((a, b))))
            if key[0] == "a":  # satellites "similar to" this head adjective share its opposites
                heads = [(p, o) for symbol, p, o, _, _ in pointers if symbol == "&"]
                for head in heads:
                    for symbol, pos, offset, _, target in synsets[head][1]:
                        if symbol == "!":
                            other = synsets[(pos, offset)][0][target - 1 if target else 0].lower()
                            if other in keep and word != other:
                                antonyms.add(tuple(sorted((word, other))))
    for pair in EXTRA.replace("\n", " ").split(","):
        if pair.strip():
            antonyms.add(tuple(sorted(pair.split())))
    antonyms = {pair for pair in antonyms if pair[0] != pair[1] and not (set(pair) & _SAME_SENSE_RISK)}
    names = set()
    for (pos, _), (words, pointers, lexfile) in synsets.items():
        proper = [word.replace("_", " ").lower() for word in words if word[:1].isupper()]
        if not proper or lexfile not in _NAME_FILES:
            continue
        if len(proper) > 1 and pos == "n":
            names.add(tuple(sorted(set(proper))))
        for symbol, target_pos, offset, _, _ in pointers:
            target_words, _, _ = synsets[(target_pos, offset)]
            targets = [word.replace("_", " ").lower() for word in target_words if word[:1].isupper()]
            if symbol == "\\" or (symbol == "#p" and _is_capital(synsets, pointers)):
                names.update((name, target) for name in proper for target in targets)
    names = {tuple(sorted(set(group))) for group in names if len(set(group)) > 1}
    exceptions = set()
    for name in FILES.values():
        path = folder / f"{name}.exc"
        for line in path.read_text(encoding="latin-1").splitlines() if path.exists() else []:
            form, *lemmas = line.split()
            for lemma in lemmas:
                if _LEMMA.match(form) and lemma in keep and form != lemma:
                    exceptions.add(f"{form}\t{lemma}")
    return {
        "words.tsv": [f"{word}\t{''.join(sorted(common[word]))}\t{len(senses[word])}" for word in sorted(keep)],
        "exceptions.tsv": sorted(exceptions),
        "synonyms.tsv": sorted(groups) + [" ".join(pair) for pair in sorted(derivations)],
        "names.tsv": ["\t".join(group) for group in sorted(names)],
        "antonyms.tsv": [f"{a}\t{b}" for a, b in sorted(antonyms)],
    }


# WordNet's lexicographer files of place names (noun.location), peoples (noun.group) and relational adjectives
# (adj.pert: "Welsh", "Ukrainian").
_NAME_FILES = frozenset({15, 14, 1})


def _is_capital(synsets, pointers: list[Pointer]) -> bool:
    """Whether a place is an instance of a capital city (its part-of link then names its country)."""
    return any(
        symbol == "@i" and synsets[(pos, offset)][0][0].endswith("capital") for symbol, pos, offset, _, _ in pointers
    )


# Words so common in other senses that an antonym pointer on one of them misleads ("have" / "lack" is fine, but
# "be" / "differ" or "get" / "lose" are not opposites in most sentences).
_SAME_SENSE_RISK = frozenset({"be", "have", "get", "do", "make", "take", "give", "go", "come", "put", "set", "let"})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wordnet", type=Path, default=Path("/usr/share/wordnet"))
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    header = "# Generated by tools/build_lexicon.py from WordNet 3.0 (see LICENSE beside this file).\n"
    for stale in OUT.glob("*.tsv*"):
        stale.unlink()
    for name, lines in build(args.wordnet).items():
        text = (header + "\n".join(lines) + "\n").encode("utf-8")
        # mtime=0: the same WordNet gives byte-identical files, so a rebuild shows no change in git.
        (OUT / f"{name}.gz").write_bytes(gzip.compress(text, compresslevel=9, mtime=0))
        print(f"{name}.gz: {len(lines)} lines, {len(text) // 1024} KiB before compression")
    copyright_file = Path("/usr/share/doc/wordnet-base/copyright")
    licence = copyright_file.read_text(encoding="utf-8") if copyright_file.exists() else ""
    match = re.search(r"License: WordNet3.0\n(.*?)(?:\n\n|\Z)", licence, re.DOTALL)
    body = (
        "\n".join(line[1:] if line.startswith(" ") else line for line in match.group(1).splitlines()) if match else ""
    )
    (OUT / "LICENSE").write_text(
        "The files in this folder are derived from WordNet 3.0 (Princeton University) by tools/build_lexicon.py.\n\n"
        + body.replace("\n.\n", "\n\n").strip()
        + "\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
