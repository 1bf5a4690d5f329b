"""Rules on how much, how surely and whether at all: quantifiers, bounds, modality, and outcomes the evidence does
not report."""

from __future__ import annotations

from assistant.answering.claims.alignment import Alignment, lemmas
from assistant.answering.claims.findings import Finding, contradicts, is_past, strong
from assistant.answering.claims.wording import Token, is_number_word

EXCLUSIVE = frozenset({"only", "exclusively", "solely", "sole"})
UNIVERSAL = frozenset({"all", "every", "each", "always", "entire", "entirely", "whole", "universal", "universally",
                       "everyone", "everything", "everywhere", "totally", "completely", "fully", "wholly"})  # fmt: skip
PARTIAL = frozenset({"some", "several", "many", "few", "most", "part", "partly", "partially", "sometimes", "often",
                     "occasionally", "mostly", "majority", "certain", "various"})  # fmt: skip
_HEDGES = frozenset({"nearly", "almost", "virtually", "practically", "not"})
# "only" before a number or a time is emphasis ("only half the coal", "only after he had presented it").
_ONLY_EMPHASIS = frozenset({"after", "before", "when", "once", "since", "until", "then", "half", "a", "one"})
LOWER_BOUNDS = (("at", "least"), ("more", "than"), ("over",), ("above",), ("exceeding",), ("upwards", "of"))
UPPER_BOUNDS = (("no", "more", "than"), ("at", "most"), ("up", "to"), ("less", "than"), ("fewer", "than"), ("under",),
                ("below",), ("not", "exceeding"))  # fmt: skip
NECESSITY = frozenset({"must", "require", "required", "requires", "obliged", "obligatory", "mandatory", "compulsory",
                       "necessarily", "necessary", "need", "needs", "needed"})  # fmt: skip
_NECESSITY_PHRASES = (("have", "to"), ("has", "to"), ("had", "to"))
POSSIBILITY = frozenset({"may", "might", "can", "could", "possibly", "optional", "optionally"})
MODALS = frozenset({"may", "might", "could", "would", "should"})
# Words of certainty a claim may not put on what its evidence only believes ("proven" / "believed").
CERTAIN = frozenset({"prove", "proven", "certain", "certainly", "definitely", "confirm", "established", "undoubtedly"})
HEDGES = frozenset({"believe", "think", "suspect", "likely", "probably", "possibly", "unknown", "unclear", "uncertain",
                    "presumably", "perhaps", "suppose", "conjecture", "unsolved", "unresolved", "unproven", "whether",
                    "debate", "dispute", "suggest"})  # fmt: skip
# Words by which a passage only hedges what follows ("may be related to", "perhaps the most significant"): a claim
# stating it outright, with no hedge or attribution of its own, says more than the passage.
SOFTENERS = frozenset({"may", "might", "perhaps", "possibly", "probably", "likely", "believe", "reportedly",
                       "allegedly", "apparently", "seemingly", "seem", "suspect", "presumably"})  # fmt: skip
_OWN_HEDGES = SOFTENERS | POSSIBILITY | MODALS | HEDGES | {"will", "say", "said", "according", "claim", "report"}
# A softener governs the matched words up to this many words after it, within its clause.
SOFTENER_REACH = 4
# Verbs that ask for or plan what follows "to" ("call on Russia to return"): it has not happened.
DIRECTIVES = frozenset({"call", "urge", "ask", "invite", "want", "plan", "propose", "prepare", "ready", "willing",
                        "hope", "aim", "attempt", "try", "seek", "intend", "expect", "promise", "request", "encourage",
                        "demand", "order"})  # fmt: skip
# Words that report that something happened; a claim may not add one its evidence lacks ("Russia accepted ...").
OUTCOMES = frozenset({"accept", "agree", "approve", "reject", "decline", "succeed", "successful", "successfully",
                      "manage", "achieve", "complete", "begin", "start", "finish", "sign", "ratify", "resolve",
                      "defeat", "abolish", "repeal", "revoke", "cancel", "dissolve", "collapse"})  # fmt: skip


def quantifier(alignment: Alignment) -> Finding | None:
    """ "only", "all", "always" the evidence does not say; "some" where it says "each"; "at least" for "no more"."""
    claim = alignment.claim.tokens
    window = [t for _, t in alignment.tokens()]
    mine, theirs = _quantifiers(claim), _quantifiers(window)
    for kind in ("exclusive", "universal"):
        if kind in mine and kind not in theirs:
            return Finding("contradicted", "quantifier", mine[kind][0])
    if "partial" in mine:
        word, noun = mine["partial"]
        for kind in ("universal", "exclusive"):
            if kind in theirs and noun and theirs[kind][1] and lemmas(noun) & lemmas(theirs[kind][1]):
                return contradicts("quantifier", word, theirs[kind][0])
    for kind, other in (("lower", "upper"), ("upper", "lower")):
        if kind in mine and other in theirs and kind not in theirs:
            return contradicts("quantifier", mine[kind][0], theirs[other][0])
    return None


def _quantifiers(tokens: list[Token] | tuple[Token, ...]) -> dict[str, tuple[str, str]]:
    """Class -> (its first word, the content word it governs): exclusive, universal, partial, lower, upper."""
    words = [t.norm for t in tokens]
    found: dict[str, tuple[str, str]] = {}
    index = 0
    while index < len(words):
        bound = _bound(words, index)
        if bound:
            found.setdefault(bound[0], (" ".join(bound[1]), ""))
            index += len(bound[1])
            continue
        word, before = words[index], words[index - 1] if index else ""
        following = words[index + 1] if index + 1 < len(words) else ""
        noun = next((t.norm for t in tokens[index + 1 : index + 3] if t.content), "")
        if word in EXCLUSIVE and before not in {"not", "if"} and following not in _ONLY_EMPHASIS:
            if not any(ch.isdigit() for ch in following):
                found.setdefault("exclusive", (tokens[index].text, noun))
        elif word in UNIVERSAL and before not in _HEDGES and not _counted(following):
            found.setdefault("universal", (tokens[index].text, noun))
        elif word in PARTIAL or word in UNIVERSAL:
            written = tokens[index].text if word in PARTIAL else f"{tokens[index - 1].text} {tokens[index].text}"
            found.setdefault("partial", (written, noun))
        index += 1
    return found


def _counted(word: str) -> bool:
    """Whether a number follows: "all 30 Allies", like "the 30 Allies", counts them rather than generalising."""
    return any(ch.isdigit() for ch in word) or is_number_word(word)


def _bound(words: list[str], index: int) -> tuple[str, tuple[str, ...]] | None:
    for kind, bounds in (("upper", UPPER_BOUNDS), ("lower", LOWER_BOUNDS)):
        for bound in bounds:
            end = index + len(bound)
            if tuple(words[index:end]) == bound and any(
                any(ch.isdigit() for ch in word) or word in {"a", "an"} or is_number_word(word)
                for word in words[end : end + 3]
            ):
                return kind, bound
    return None


def modality(alignment: Alignment) -> Finding | None:
    """ "must" where the evidence says only "may" or "can"; "proven" where it says "believed"."""
    claim = [t.norm for t in alignment.claim.tokens]
    window = [t.norm for _, t in alignment.tokens()]
    must = _necessity(claim)
    if must and not _necessity(window):
        possible = next((word for word in window if word in POSSIBILITY), None)
        if possible:
            return contradicts("modality", must, possible)
    sure = next((word for word in claim if lemmas(word) & CERTAIN), None)
    if sure and not any(lemmas(word) & CERTAIN for word in window):
        hedge = next((word for word in window if lemmas(word) & HEDGES), None)
        if hedge:
            return contradicts("modality", sure, hedge)
    return _unhedged(alignment)


def _unhedged(alignment: Alignment) -> Finding | None:
    """The evidence hedges words the claim repeats ("may be related to the presence"), and the claim does not."""
    if any(lemmas(token.norm) & _OWN_HEDGES for token in alignment.claim.tokens):
        return None
    matched = {(match.sentence, match.index) for match in alignment.matches.values() if match.index >= 0}
    for number in alignment.window:
        tokens = alignment.evidence[number].tokens
        for token in tokens:
            if not lemmas(token.norm) & SOFTENERS or token.index and token.text[:1].isupper():
                continue  # "in May 1990" is a month
            for following in tokens[token.index + 1 : token.index + 1 + SOFTENER_REACH]:
                if following.after_pause:
                    break
                if (number, following.index) in matched:
                    return Finding("unsupported", "modality", following.text, f"{token.text} … {following.text}")
    return None


def _necessity(words: list[str]) -> str | None:
    for index, word in enumerate(words):
        if word in NECESSITY:
            return word
        if tuple(words[index : index + 2]) in _NECESSITY_PHRASES:
            return " ".join(words[index : index + 2])
    return None


def outcome(alignment: Alignment) -> Finding | None:
    """The claim says something happened that the evidence does not report, or only calls for or plans."""
    for token in alignment.claim.tokens:
        if lemmas(token.norm) & OUTCOMES and token.index not in alignment.matches:
            return Finding("unsupported", "reversed_outcome", token.text)
    claim = alignment.claim.tokens
    for token in claim:
        position = strong(alignment, token)
        if position is None or not is_past(token) or _irrealis(claim, token.index):
            continue
        evidence = alignment.evidence[alignment.matches[token.index].sentence].tokens
        before = [t.norm for t in evidence[max(0, position - 5) : position]]
        planned = before[-1:] == ["to"] and any(lemmas(word) & DIRECTIVES for word in before[:-1])
        if planned or before[-1:] and before[-1] in MODALS:
            return contradicts("reversed_outcome", token.text, f"{before[-1]} {evidence[position].text}")
    return None


def _irrealis(tokens: tuple[Token, ...], index: int) -> bool:
    """Whether the claim itself puts the word under "to", a modal, "if" or a verb that asks for it."""
    return any(
        t.norm in MODALS or t.norm in {"to", "if"} or lemmas(t.norm) & DIRECTIVES
        for t in tokens[max(0, index - 6) : index]
    )


__all__ = ["modality", "outcome", "quantifier"]
