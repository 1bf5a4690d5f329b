"""Rules on polarity: one side denies what the other affirms, or says the opposite word."""

from __future__ import annotations

from assistant.answering.claims.alignment import Alignment, lemmas
from assistant.answering.claims.findings import Finding, contradicts, states_number, strong, used_positions
from assistant.answering.claims.lexicon import lexicon
from assistant.answering.claims.wording import Token

NEGATORS = frozenset({"not", "no", "never", "without", "cannot", "nor", "neither", "none", "nothing", "nobody"})
# Verbs that deny their complement ("failed to make any headway", "vetoed the Charter being included").
DENYING = frozenset(
    {"fail", "veto", "prevent", "lack", "refuse", "deny", "avoid", "cease", "prohibit", "forbid", "ban"}
)
_DENYING_PHRASES = (("run", "out", "of"), ("ran", "out", "of"), ("no", "longer"))
# A negator followed by one of these does not deny what follows ("not only", "no more than": a bound).
_NOT_DENIALS = frozenset({"only", "just", "merely", "simply", "more", "less", "fewer", "doubt", "until"})
# A negation reaches at most five words ("did not completely replace them"); a word directly before "no" is denied
# too ("made no progress"). Train split: caught 0.938 at 2 words, 0.947 at 3, 0.956 at 5 and 8; kept unchanged.
REACH = 5
# A conjunction or a preposition after the denied word ends the scope ("has no justification and undermines ...",
# "was not used in British railways").
_SCOPE_ENDS = frozenset(
    "and or but while which that who whom whose because if when where although though as in on at by for with from to "
    "of into after before during since".split()
)
# Small words with an opposite, compared where they stand next to the same word in both sentences.
_PARTICLES = {
    "for": {"against"}, "against": {"for"}, "before": {"after"}, "after": {"before"}, "above": {"below"},
    "below": {"above"}, "over": {"under"}, "under": {"over"}, "with": {"without"}, "without": {"with"},
    "inside": {"outside"}, "outside": {"inside"}, "more": {"less", "fewer"}, "less": {"more"}, "fewer": {"more"},
    "most": {"least"}, "least": {"most"}, "into": {"out"},
}  # fmt: skip


def negation(alignment: Alignment) -> Finding | None:
    """One side denies what the other affirms ("not ready" / "ready", "failed to make headway" / "made headway")."""
    claim_denied = _denied(alignment.claim.tokens, set(alignment.matches))
    anchored: dict[int, set[int]] = {number: set() for number in alignment.window}
    for match in alignment.matches.values():
        anchored[match.sentence].add(match.index)
    evidence_denied = {n: _denied(alignment.evidence[n].tokens, anchored[n]) for n in alignment.window}
    window = alignment.tokens()
    for token in alignment.claim.tokens:
        position = strong(alignment, token)
        if position is None:
            continue
        sentence = alignment.matches[token.index].sentence
        evidence_token = alignment.evidence[sentence].tokens[position]
        same = [(n, t) for n, t in window if lemmas(t.norm) & lemmas(token.norm)]
        if token.index in claim_denied:
            if same and not any(t.index in evidence_denied[n] for n, t in same):
                return contradicts("negation", f"{claim_denied[token.index]} {token.text}", evidence_token.text)
        elif same and all(t.index in evidence_denied[n] for n, t in same):
            return contradicts("negation", token.text, f"{evidence_denied[sentence][position]} {evidence_token.text}")
    return None


def _denied(tokens: tuple[Token, ...], anchored: set[int]) -> dict[int, str]:
    """Token index -> the word that denies it, for the words in the scope of a negation.

    The scope runs from the negation to the first word the other sentence also has (`anchored`), so "did not receive
    land grants" denies "land grants" too; when no word is anchored, it is the next content word.
    """
    denied: dict[int, str] = {}
    words = [t.norm for t in tokens]
    for index, token in enumerate(tokens):
        following = words[index + 1] if index + 1 < len(tokens) else ""
        phrase = next((p for p in _DENYING_PHRASES if tuple(words[index : index + len(p)]) == p), None)
        plain = True  # a plain negation may deny a name ("is not NP-complete"); a denying verb skips names
        if phrase:
            start = index + len(phrase) - 1
        elif token.norm in NEGATORS or token.norm.endswith("n't"):
            if following in _NOT_DENIALS or token.norm == "no" and words[max(0, index - 2) : index] == ["yes", "or"]:
                continue
            start = index
            if token.norm == "no" and index and tokens[index - 1].content and not token.after_pause:
                denied.setdefault(index - 1, token.text)  # "made no progress", "had no effect"
        elif lemmas(token.norm) & DENYING:
            start, plain = index, False
        else:
            continue
        scope = []
        for other in tokens[start + 1 : start + 1 + REACH]:
            if other.after_pause and other.index > start + 1 or scope and other.norm in _SCOPE_ENDS:
                break
            if other.content and (not other.name or plain and other.index == start + 1) and not states_number(other):
                scope.append(other.index)
                if other.index in anchored:
                    break
        if scope and scope[-1] not in anchored:
            scope = scope[:1]
        for position in scope:
            denied.setdefault(position, token.text)
    return denied


def opposites(alignment: Alignment) -> Finding | None:
    """A claim word whose opposite stands in the evidence ("strengthens" / "undermines", "low" / "high", "against" /
    "for")."""
    used = used_positions(alignment)
    candidates = [(n, t) for n, t in alignment.tokens() if t.content and not t.name and (n, t.index) not in used]
    for token in alignment.claim.tokens:
        match = alignment.matches.get(token.index)
        if not token.content or token.name or match and match.sentence == alignment.primary:
            continue
        # A word found only in another sentence may still be the opposite of one in the closest sentence.
        for number, other in candidates:
            if match and number != alignment.primary:
                continue
            if lexicon().opposite(token.norm, other.norm) or _negative_prefix(token.norm, other.norm):
                return contradicts("antonym", token.text, other.text)
    found = _opposite_particles(alignment)
    if found:
        return found
    candidates = [t for _, t in candidates]
    for token in alignment.claim.tokens:  # "last-in, first-out" / "first-in, first-out"
        if "-" in token.norm and not strong(alignment, token):
            for other in candidates:
                mine, theirs = token.norm.split("-"), other.norm.split("-")
                if len(mine) == len(theirs) and sum(a != b for a, b in zip(mine, theirs, strict=True)) == 1:
                    a, b = next((a, b) for a, b in zip(mine, theirs, strict=True) if a != b)
                    if lexicon().opposite(a, b):
                        return contradicts("antonym", token.text, other.text)
    return None


def _opposite_particles(alignment: Alignment) -> Finding | None:
    """ "fought against William" where the evidence says "fought for William": opposite small words before (or after)
    the same matched word."""
    claim = alignment.claim.tokens
    for token in claim:
        opposite = _PARTICLES.get(token.norm)
        if not opposite:
            continue
        for step in (1, -1):
            neighbour = token.index + step
            if not 0 <= neighbour < len(claim):
                continue
            position = strong(alignment, claim[neighbour])
            if position is None:
                continue
            evidence = alignment.evidence[alignment.matches[neighbour].sentence].tokens
            before = position - step
            swapped = 0 <= before < len(evidence) and evidence[before].norm in opposite
            if swapped and not any(t.norm == token.norm for t in evidence):
                return contradicts("antonym", token.text, evidence[before].text)
    return None


def _negative_prefix(first: str, second: str) -> bool:
    """ "unaffected" / "affected", "infinite" / "finite", "non-toxic" / "toxic"."""
    for a, b in ((first, second), (second, first)):
        for prefix in ("un", "in", "non-", "non", "dis", "im", "ir", "il"):
            if a.startswith(prefix) and len(b) > 3 and lemmas(a[len(prefix) :]) & lemmas(b):
                return True
    return False


__all__ = ["DENYING", "NEGATORS", "negation", "opposites"]
