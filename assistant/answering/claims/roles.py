"""The rule on who did what to whom: words that changed places around a word both sentences share."""

from __future__ import annotations

import itertools
from collections import Counter

from assistant.answering.claims.alignment import Alignment, lemmas
from assistant.answering.claims.findings import Finding, contradicts, is_past, states_number, strong
from assistant.answering.claims.lexicon import lexicon
from assistant.answering.claims.wording import Token

# Two words that change places around a shared word this close to both mark a swap of who did what to whom. On the
# claim set's train split (bench/claims.py's judgement): caught 0.912 at 4 words, 0.938 at 6, 0.956 at 8, 0.947 at 12;
# kept 0.982 throughout.
ROLE_DISTANCE = 8
_SPEECH_VERBS = frozenset({"told", "tells", "tell", "said", "says"})
_BE = frozenset({"is", "are", "was", "were", "be", "been", "being"})
# Prepositions that give a name its part ("from England to Virginia", "betrayed to the Normans by the merchants").
_ROLE_MARKERS = frozenset({"by", "to", "from", "for", "against", "with"})  # not "of": "X's Y" is "Y of X"


def roles(alignment: Alignment) -> Finding | None:
    """Who did what to whom is swapped: two words changed places around a word both sentences share, or a name
    moved across the verb while a name the sentence lacks took its place."""
    number = alignment.primary
    evidence = alignment.evidence[number].tokens
    claim = alignment.claim.tokens
    pairs = [(c, evidence[i]) for c in claim if (i := strong(alignment, c, number)) is not None]
    for token in claim:  # "told", "said": stopwords, but the verb a role swap turns on
        places = [t for t in evidence if t.norm == token.norm]
        if token.norm in _SPEECH_VERBS and len(places) == 1:
            pairs.append((token, places[0]))
    claim_count, evidence_count = Counter(c.norm for c, _ in pairs), Counter(e.index for _, e in pairs)
    anchors = [(c, e) for c, e in pairs if claim_count[c.norm] == 1 and evidence_count[e.index] == 1]
    matched, used = {c.index for c, _ in pairs}, {e.index for _, e in pairs}
    for pivot_claim, pivot_evidence in anchors:
        moved: dict[int, list[tuple[Token, Token]]] = {1: [], -1: []}
        for c, e in anchors:
            near = (
                abs(c.index - pivot_claim.index) <= ROLE_DISTANCE
                and abs(e.index - pivot_evidence.index) <= ROLE_DISTANCE
            )
            side = 1 if e.index > pivot_evidence.index else -1
            if c is not pivot_claim and near and (c.index > pivot_claim.index) != (side == 1) and not is_past(c):
                moved[side].append((c, e))
        voice = _passive(claim, pivot_claim.index) == _passive(evidence, pivot_evidence.index)
        for first in moved[-1]:
            for second in moved[1]:
                if states_number(first[0]) != states_number(second[0]) or not voice:
                    continue  # a year or a count moves freely ("In 2009, Harvard offered" / "Harvard offered in 2009")
                if sum(_by(claim, c.index) != _by(evidence, e.index) for c, e in (first, second)) % 2:
                    continue  # one of them became the agent of a passive
                if _loose(claim, first[0].index, second[0].index, matched):
                    continue
                if _loose(evidence, first[1].index, second[1].index, used):
                    continue
                mine, theirs = sorted((first, second), key=lambda pair: pair[0].index), (first, second)
                theirs = sorted(theirs, key=lambda pair: pair[1].index)
                return contradicts(
                    "swapped_role",
                    f"{mine[0][0].text} … {mine[1][0].text}",
                    f"{theirs[0][0].text} … {theirs[1][0].text}",
                )
        if voice and "v" in lexicon().parts_of_speech(pivot_claim.norm):
            found = _moved_name(alignment, anchors, (pivot_claim, pivot_evidence), matched, used)
            if found:
                return found
    return _exchanged(claim, evidence, anchors) or _respectively(alignment)


def _exchanged(
    claim: tuple[Token, ...], evidence: tuple[Token, ...], anchors: list[tuple[Token, Token]]
) -> Finding | None:
    """Two names that traded the prepositions that give them their parts ("from Abercynon to the ironworks" / "from
    the ironworks to Abercynon", "betrayed to the merchants by the Normans" / "to the Normans by the merchants"); no
    preposition (the subject's place) counts as one."""
    names = [(c, e, _marker(claim, c.index), _marker(evidence, e.index)) for c, e in anchors if c.name and e.name]
    for first, second in itertools.combinations(names, 2):
        if first[0].norm == second[0].norm or first[2] == second[2]:
            continue
        if first[2] == second[3] and second[2] == first[3]:
            ordered = sorted((first, second), key=lambda item: item[0].index)
            return contradicts(
                "swapped_role",
                " … ".join(f"{item[2]} {item[0].text}".strip() for item in ordered),
                " … ".join(f"{item[3]} {item[1].text}".strip() for item in ordered),
            )
    return None


def _marker(tokens: tuple[Token, ...], index: int) -> str:
    """The preposition up to three words before the word at `index` that opens its phrase ("by the Normans"), ""
    when none does (a pause or another content word comes first)."""
    for other in reversed(tokens[max(0, index - 3) : index]):
        if other.norm in _ROLE_MARKERS:
            return other.norm
        if other.after_pause or other.content and not other.name:
            return ""
    return ""


def _moved_name(
    alignment: Alignment,
    anchors: list[tuple[Token, Token]],
    pivot: tuple[Token, Token],
    matched: set[int],
    used: set[int],
) -> Finding | None:
    """A name that crossed the verb ("The Portuguese threatened" -> "threatened their Portuguese prisoners") while
    a name the sentence lacks took its side ("The Huguenots threatened")."""
    claim, evidence = alignment.claim.tokens, alignment.evidence[alignment.primary].tokens
    pivot_claim, pivot_evidence = pivot
    for c, e in anchors:
        if not c.name or c is pivot_claim or _by(claim, c.index) or _by(evidence, e.index):
            continue
        side = 1 if e.index > pivot_evidence.index else -1
        if (c.index > pivot_claim.index) == (side == 1):
            continue
        if abs(e.index - pivot_evidence.index) > ROLE_DISTANCE or abs(c.index - pivot_claim.index) > ROLE_DISTANCE:
            continue
        low, high = sorted((e.index, pivot_evidence.index))
        if any(other.index in range(low + 1, high) and (other.name or states_number(other)) for _, other in anchors):
            continue  # another name stands nearer the verb on that side: this one is not its argument
        if _loose(evidence, low, high, used):
            continue
        span = (
            range(pivot_claim.index - ROLE_DISTANCE, pivot_claim.index)
            if side < 0
            else range(pivot_claim.index + 1, pivot_claim.index + 1 + ROLE_DISTANCE)
        )
        newcomers = [t for t in claim if t.index in span and t.name and t.content and t.index not in matched]
        if newcomers:
            return contradicts("swapped_role", _ordered(newcomers[0], pivot_claim), _ordered(e, pivot_evidence))
        # Or the name the passage has on the side this one moved to is gone ("call on Ukraine to withdraw" for "call
        # on Russia to withdraw its forces from Ukraine").
        other_side = [
            t
            for t in evidence
            if t.name
            and t.content
            and 0 < (pivot_evidence.index - t.index) * side <= ROLE_DISTANCE
            and t.index not in used
            and not any(lemmas(t.norm) & lemmas(c.norm) for c in claim)
        ]
        if other_side:
            nearest = max(other_side, key=lambda t: t.index * side * -1)
            return contradicts("swapped_role", _ordered(c, pivot_claim), _ordered(nearest, pivot_evidence))
    return None


def _ordered(word: Token, verb: Token) -> str:
    """The two words in their sentence's order ("Ukraine withdraw")."""
    return f"{word.text} {verb.text}" if word.index < verb.index else f"{verb.text} {word.text}"


def _loose(tokens: tuple[Token, ...], first: int, second: int, matched: set[int]) -> bool:
    """Whether more than one content word, or a noun or a verb, between the two positions is unmatched (a parenthesis
    between commas does not count): the sentences then relate the words differently, and a reordering is not a
    swap."""
    low, high = sorted((first, second))
    between = tokens[low + 1 : high]
    pauses = [i for i, t in enumerate(between) if t.after_pause]
    aside = set(range(pauses[0], pauses[-1])) if len(pauses) > 1 else set()
    loose = [t for i, t in enumerate(between) if t.content and t.index not in matched and i not in aside]
    return len(loose) > 1 or any(set(lexicon().parts_of_speech(t.norm)) & {"n", "v"} and not t.name for t in loose)


def _respectively(alignment: Alignment) -> Finding | None:
    """Names before "respectively" in another order than the evidence's ("Lexus, Acura" / "Acura, Lexus")."""
    lists = []
    for tokens in (alignment.claim.tokens, alignment.evidence[alignment.primary].tokens):
        at = next((t.index for t in tokens if t.norm == "respectively"), None)
        if at is None:
            return None
        lists.append([t.norm for t in tokens[max(0, at - ROLE_DISTANCE) : at] if t.name])
    mine, theirs = lists
    if len(mine) > 1 and set(mine) == set(theirs) and mine != theirs:
        return contradicts("swapped_role", ", ".join(mine), ", ".join(theirs))
    return None


def _by(tokens: tuple[Token, ...], index: int) -> bool:
    """Whether the word is the agent of a passive ("forced from his kingdom by Sweyn")."""
    return _marker(tokens, index) == "by"


def _passive(tokens: tuple[Token, ...], index: int) -> bool:
    """Whether the word is a participle after a form of "be" ("was engineered")."""
    return any(t.norm in _BE for t in tokens[max(0, index - 2) : index])


__all__ = ["ROLE_DISTANCE", "roles"]
