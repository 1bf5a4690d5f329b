"""Rules that find what in a claim its evidence contradicts or does not contain, given the claim's alignment."""

from __future__ import annotations

import difflib
import functools
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from assistant.answering.alignment import PART, Alignment, Sentence, lemmas, name_phrases, similarity
from assistant.answering.lexicon import lexicon
from assistant.answering.wording import Token

NEGATORS = frozenset({"not", "no", "never", "without", "cannot", "nor", "neither", "none", "nothing", "nobody"})
# Verbs that deny their complement ("failed to make any headway", "vetoed the Charter being included").
DENYING = frozenset({"fail", "veto", "prevent", "lack", "refuse", "deny", "avoid", "cease", "prohibit", "forbid", "ban"})
_DENYING_PHRASES = (("run", "out", "of"), ("ran", "out", "of"), ("no", "longer"))
# A negator followed by one of these does not deny what follows ("not only", "no more than": a bound).
_NOT_DENIALS = frozenset({"only", "just", "merely", "simply", "more", "less", "fewer", "doubt", "until"})
# A negation denies the next content word, and the one after it when the first is an adverb ("did not completely
# replace"), within five words; a word directly before "no" is denied too ("made no progress").
REACH = 5
EXCLUSIVE = frozenset({"only", "exclusively", "solely", "sole"})
UNIVERSAL = frozenset({"all", "every", "each", "always", "entire", "entirely", "whole", "universal", "universally",
                       "everyone", "everything", "everywhere", "totally"})  # fmt: skip
PARTIAL = frozenset({"some", "several", "many", "few", "most", "part", "partly", "partially", "sometimes", "often",
                     "occasionally", "mostly", "majority", "certain", "various"})  # fmt: skip
_HEDGES = frozenset({"nearly", "almost", "virtually", "practically", "not"})
# "only" before a number or a time is emphasis ("only half the coal", "only after he had presented it").
_ONLY_EMPHASIS = frozenset({"after", "before", "when", "once", "since", "until", "then", "half", "a", "one", "in"})
LOWER_BOUNDS = (("at", "least"), ("more", "than"), ("over",), ("above",), ("exceeding",), ("upwards", "of"))
UPPER_BOUNDS = (("no", "more", "than"), ("at", "most"), ("up", "to"), ("less", "than"), ("fewer", "than"), ("under",),
                ("below",), ("not", "exceeding"))  # fmt: skip
NECESSITY = frozenset({"must", "require", "required", "requires", "obliged", "obligatory", "mandatory", "compulsory",
                       "necessarily", "necessary", "need", "needs", "needed"})  # fmt: skip
_NECESSITY_PHRASES = (("have", "to"), ("has", "to"), ("had", "to"))
POSSIBILITY = frozenset({"may", "might", "can", "could", "possibly", "optional", "optionally"})
MODALS = frozenset({"may", "might", "could", "would", "should"})
# Verbs that ask for or plan what follows "to" ("call on Russia to return"): it has not happened.
DIRECTIVES = frozenset({"call", "urge", "ask", "invite", "want", "plan", "propose", "prepare", "ready", "willing", "hope",
                        "aim", "attempt", "try", "seek", "intend", "expect", "promise", "request", "encourage",
                        "demand", "order"})  # fmt: skip
# Words that report that something happened; a claim may not add one its evidence lacks ("Russia accepted ...").
OUTCOMES = frozenset({"accept", "agree", "approve", "reject", "decline", "succeed", "successful", "successfully",
                      "manage", "achieve", "complete", "begin", "start", "finish", "sign", "ratify", "resolve",
                      "defeat", "already", "finally", "eventually"})  # fmt: skip
# Two words that change places around a shared word this close to both mark a swap of who did what to whom.
ROLE_DISTANCE = 8
# A claim whose words are this much the evidence's is a copy with something changed or added.
NEAR_COPY = 0.8
_SPEECH_VERBS = frozenset({"told", "tells", "tell", "said", "says"})
_BE = frozenset({"is", "are", "was", "were", "be", "been", "being"})


@dataclass(frozen=True)
class Finding:
    """What a rule found: `contradicted` (the evidence says `passage` where the claim says `claim`) or `unsupported`
    (the evidence does not say `claim`); `kind` names the rule's kind of change ("negation", "number", ...)."""

    verdict: str
    kind: str
    claim: str
    passage: str = ""

    @property
    def reason(self) -> str:
        """One line for a reader: "antonym: 'strengthens' vs 'undermines'", "number: '31' is not in the passage"."""
        label = self.kind.replace("_", " ")
        if self.passage:
            return f"{label}: '{self.claim}' vs '{self.passage}'"
        return f"{label}: '{self.claim}' is not in the passage"


def _contradicts(kind: str, mine: str, theirs: str) -> Finding:
    return Finding("contradicted", kind, mine, theirs)


def _strong(alignment: Alignment, token: Token, sentence: int | None = None) -> int | None:
    """The evidence position of the claim token's exact match (in `sentence` if given), else None."""
    match = alignment.matches.get(token.index)
    if not match or match.strength < 1.0 or match.index < 0 or sentence is not None and match.sentence != sentence:
        return None
    return match.index


def _used(alignment: Alignment) -> set[tuple[int, int]]:
    """(sentence, position) of every evidence word a claim word matches exactly."""
    return {(m.sentence, m.index) for m in alignment.matches.values() if m.strength == 1.0}


def new_details(alignment: Alignment) -> Finding | None:
    """A name, a code or a number the passage does not hold ("UN Security Council", "1988", "31")."""
    claim = alignment.claim
    keys = _name_keys(alignment)
    for start, end in name_phrases(claim):
        phrase = " ".join(token.norm for token in claim.tokens[start:end])
        initials = "".join(t.norm[0] for t in claim.tokens[start:end] if t.name)
        acronyms = {t.norm for sentence in alignment.evidence for t in sentence.tokens if t.text.isupper()}
        if lexicon().aliases(phrase) & keys or len(initials) > 1 and initials in acronyms:
            continue  # "United States" for "US", "North Atlantic Treaty Organization" for "NATO"
        for token in claim.tokens[start:end]:
            if not token.content or lemmas(token.norm) & keys or lexicon().aliases(token.norm) & keys:
                continue
            if any(similarity(token.norm, key) >= PART for key in keys if " " not in key):
                continue
            if _acronym_found(token, alignment) or _digits_found(token, keys):
                continue
            kind = "number" if any(ch.isdigit() for ch in token.norm) else "entity"
            return Finding("unsupported", kind, " ".join(t.text for t in claim.tokens[start:end]))
    values = _evidence_values(alignment)
    for quantity in claim.quantities:
        if quantity.word and quantity.value == 1:  # "one of", "the first": not a count
            continue
        text = " ".join(token.text for token in claim.tokens[quantity.start : quantity.end])
        multiple = quantity.word and text.lower() in {"twice", "double", "triple", "thrice"}
        after = claim.tokens[quantity.end].norm if quantity.end < len(claim.tokens) else ""
        wanted = values["derived"] if multiple or after == "times" else set()
        if len(text.split()) == 1 and _digits_found(claim.tokens[quantity.start], keys):
            continue
        if not {round(value, 6) for value in quantity.values()} & (values["stated"] | wanted):
            kind = "date" if 1000 <= quantity.value <= 2100 else "number"
            return Finding("unsupported", kind, text)
    return None


def _name_keys(alignment: Alignment) -> frozenset[str]:
    """Every way the passage (and its title) writes a word or a name of up to four words."""
    return _keys((*alignment.evidence, *([alignment.context] if alignment.context else [])))


@functools.lru_cache(maxsize=256)
def _keys(sentences: tuple[Sentence, ...]) -> frozenset[str]:
    keys: set[str] = set()
    for sentence in sentences:
        tokens = sentence.tokens
        for index, token in enumerate(tokens):
            keys.update(token.parts)
            keys.update(lemmas(token.norm))
            keys.update(lexicon().aliases(token.norm))
            for size in range(2, 5):
                keys.add(" ".join(t.norm for t in tokens[index : index + size]))
    return frozenset(keys)


def _acronym_found(token: Token, alignment: Alignment) -> bool:
    """Whether a claim acronym ("NPL") spells the initials of a name in the passage ("National Physical Laboratory")."""
    if not (token.text.isupper() and len(token.text) > 1):
        return False
    letters = token.text.lower()
    for sentence in alignment.evidence:
        for start, end in name_phrases(sentence):
            initials = "".join(t.norm[0] for t in sentence.tokens[start:end] if t.name)
            if letters in initials and len(initials) <= len(letters) + 2:
                return True
    return False


def _digits_found(token: Token, keys: set[str]) -> bool:
    """A number the passage writes inside a code ("7" in "7n2")."""
    return token.norm.isdigit() and any(re.fullmatch(rf"{token.norm}[a-z]\w*", key) for key in keys)


def _evidence_values(alignment: Alignment) -> dict[str, set[float]]:
    """The passage's numbers ("stated"); and ("derived") the years between two years of the sentences the claim
    draws on, and the small multiples between two of their counts (for "twice", "three times")."""
    stated = {round(v, 6) for sentence in alignment.evidence for q in sentence.quantities for v in q.values()}
    found = [q for number in alignment.window for q in alignment.evidence[number].quantities]
    years = [q.value for q in found if 1000 <= q.value <= 2100 and not q.word]
    derived = {round(abs(a - b), 6) for a in years for b in years if a != b}
    counts = [q.value for q in found if q.value and not 1000 <= q.value <= 2100]
    derived.update(round(a / b, 6) for a in counts for b in counts if a > b and (a / b).is_integer() and a / b <= 10)
    return {"stated": stated | {d for d in derived if d >= 10}, "derived": derived}


def negation(alignment: Alignment) -> Finding | None:
    """One side denies what the other affirms ("not ready" / "ready", "failed to make headway" / "made headway")."""
    claim_denied = _denied(alignment.claim.tokens)
    evidence_denied = {number: _denied(alignment.evidence[number].tokens) for number in alignment.window}
    window = alignment.tokens()
    for token in alignment.claim.tokens:
        position = _strong(alignment, token)
        if position is None or token.name:
            continue
        sentence = alignment.matches[token.index].sentence
        evidence_token = alignment.evidence[sentence].tokens[position]
        same = [(n, t) for n, t in window if lemmas(t.norm) & lemmas(token.norm)]
        if token.index in claim_denied:
            if same and not any(t.index in evidence_denied[n] for n, t in same):
                return _contradicts("negation", f"{claim_denied[token.index]} {token.text}", evidence_token.text)
        elif same and all(t.index in evidence_denied[n] for n, t in same):
            return _contradicts("negation", token.text, f"{evidence_denied[sentence][position]} {evidence_token.text}")
    return None


def _denied(tokens: tuple[Token, ...]) -> dict[int, str]:
    """Token index -> the word that denies it, for the words in the scope of a negation."""
    denied: dict[int, str] = {}
    words = [t.norm for t in tokens]
    for index, token in enumerate(tokens):
        following = words[index + 1] if index + 1 < len(tokens) else ""
        phrase = next((p for p in _DENYING_PHRASES if tuple(words[index : index + len(p)]) == p), None)
        if phrase:
            start = index + len(phrase) - 1
        elif token.norm in NEGATORS or token.norm.endswith("n't"):
            if following in _NOT_DENIALS or token.norm == "no" and words[max(0, index - 2) : index] == ["yes", "or"]:
                continue
            start = index
            if token.norm == "no" and index and tokens[index - 1].content and not token.after_pause:
                denied.setdefault(index - 1, token.text)  # "made no progress", "had no effect"
        elif lemmas(token.norm) & DENYING:
            start = index
        else:
            continue
        for other in tokens[start + 1 : start + 1 + REACH]:
            if other.after_pause and other.index > start + 1:
                break
            if other.content and not other.name and not any(ch.isdigit() for ch in other.norm):
                denied.setdefault(other.index, token.text)
                if lexicon().parts_of_speech(other.norm) != "r":  # an adverb passes the denial on
                    break
    return denied


def opposites(alignment: Alignment) -> Finding | None:
    """A claim word whose opposite stands in the evidence ("strengthens" / "undermines", "low" / "high")."""
    used = _used(alignment)
    candidates = [t for n, t in alignment.tokens() if t.content and not t.name and (n, t.index) not in used]
    for token in alignment.claim.tokens:
        if not token.content or token.name or token.index in alignment.matches:
            continue
        for other in candidates:
            if lexicon().opposite(token.norm, other.norm) or _negative_prefix(token.norm, other.norm):
                return _contradicts("antonym", token.text, other.text)
    for token in alignment.claim.tokens:  # "last-in, first-out" / "first-in, first-out"
        if "-" in token.norm and not _strong(alignment, token):
            for other in candidates:
                mine, theirs = token.norm.split("-"), other.norm.split("-")
                if len(mine) == len(theirs) and sum(a != b for a, b in zip(mine, theirs, strict=True)) == 1:
                    a, b = next((a, b) for a, b in zip(mine, theirs, strict=True) if a != b)
                    if lexicon().opposite(a, b):
                        return _contradicts("antonym", token.text, other.text)
    return None


def _negative_prefix(first: str, second: str) -> bool:
    """ "unaffected" / "affected", "infinite" / "finite", "non-toxic" / "toxic"."""
    for a, b in ((first, second), (second, first)):
        for prefix in ("un", "in", "non-", "non", "dis", "im", "ir", "il"):
            if a.startswith(prefix) and len(b) > 3 and lemmas(a[len(prefix) :]) & lemmas(b):
                return True
    return False


def roles(alignment: Alignment) -> Finding | None:
    """Who did what to whom is swapped: two words changed places around a word both sentences share, or a name
    moved across the verb while a name the sentence lacks took its place."""
    number = alignment.primary
    evidence = alignment.evidence[number].tokens
    claim = alignment.claim.tokens
    pairs = [(c, evidence[i]) for c in claim if (i := _strong(alignment, c, number)) is not None]
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
            near = abs(c.index - pivot_claim.index) <= ROLE_DISTANCE and abs(e.index - pivot_evidence.index) <= ROLE_DISTANCE
            side = 1 if e.index > pivot_evidence.index else -1
            if c is not pivot_claim and near and (c.index > pivot_claim.index) != (side == 1) and not _past(c):
                moved[side].append((c, e))
        voice = _passive(claim, pivot_claim.index) == _passive(evidence, pivot_evidence.index)
        for first in moved[-1]:
            for second in moved[1]:
                if _number(first[0]) != _number(second[0]) or not voice:
                    continue  # a year or a count moves freely ("In 2009, Harvard offered" / "Harvard offered in 2009")
                if sum(_by(claim, c.index) != _by(evidence, e.index) for c, e in (first, second)) % 2:
                    continue  # one of them became the agent of a passive
                if _loose(claim, first[0].index, second[0].index, matched):
                    continue
                if _loose(evidence, first[1].index, second[1].index, used):
                    continue
                mine, theirs = sorted((first, second), key=lambda pair: pair[0].index), (first, second)
                theirs = sorted(theirs, key=lambda pair: pair[1].index)
                return _contradicts(
                    "swapped_role", f"{mine[0][0].text} … {mine[1][0].text}", f"{theirs[0][0].text} … {theirs[1][0].text}"
                )
        if voice and "v" in lexicon().parts_of_speech(pivot_claim.norm):
            found = _moved_name(alignment, anchors, (pivot_claim, pivot_evidence), matched, used)
            if found:
                return found
    return _respectively(alignment)


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
        if any(other.index in range(low + 1, high) and (other.name or _number(other)) for _, other in anchors):
            continue  # another name stands nearer the verb on that side: this one is not its argument
        if _loose(evidence, low, high, used):
            continue
        span = range(pivot_claim.index - ROLE_DISTANCE, pivot_claim.index) if side < 0 else range(
            pivot_claim.index + 1, pivot_claim.index + 1 + ROLE_DISTANCE
        )
        newcomers = [t for t in claim if t.index in span and t.name and t.content and t.index not in matched]
        if newcomers:
            return _contradicts("swapped_role", _ordered(newcomers[0], pivot_claim), _ordered(e, pivot_evidence))
        # Or the name the passage has on the side this one moved to is gone ("call on Ukraine to withdraw" for "call
        # on Russia to withdraw its forces from Ukraine").
        other_side = [
            t
            for t in evidence
            if t.name and t.content and 0 < (pivot_evidence.index - t.index) * side <= ROLE_DISTANCE
            and t.index not in used and not any(lemmas(t.norm) & lemmas(c.norm) for c in claim)
        ]
        if other_side:
            nearest = max(other_side, key=lambda t: t.index * side * -1)
            return _contradicts("swapped_role", _ordered(c, pivot_claim), _ordered(nearest, pivot_evidence))
    return None


def _ordered(word: Token, verb: Token) -> str:
    """The two words in their sentence's order ("Ukraine withdraw")."""
    return f"{word.text} {verb.text}" if word.index < verb.index else f"{verb.text} {word.text}"


def _number(token: Token) -> bool:
    return any(ch.isdigit() for ch in token.norm)


def _loose(tokens: tuple[Token, ...], first: int, second: int, matched: set[int]) -> bool:
    """Whether a verb or more than one content word between the two positions is unmatched (a parenthesis between
    commas does not count): the two sentences then relate the words differently, and a reordering is not a swap."""
    low, high = sorted((first, second))
    between = tokens[low + 1 : high]
    pauses = [i for i, t in enumerate(between) if t.after_pause]
    aside = set(range(pauses[0], pauses[-1])) if len(pauses) > 1 else set()
    loose = [t for i, t in enumerate(between) if t.content and t.index not in matched and i not in aside]
    return len(loose) > 1 or any("v" in lexicon().parts_of_speech(t.norm) and not t.name for t in loose)


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
        return _contradicts("swapped_role", ", ".join(mine), ", ".join(theirs))
    return None


def _by(tokens: tuple[Token, ...], index: int) -> bool:
    """Whether the word is the agent of a passive: "by" stands up to three words before it."""
    for other in reversed(tokens[max(0, index - 3) : index]):
        if other.norm == "by":
            return True
        if other.after_pause or other.content and not other.name:
            return False
    return False


def _passive(tokens: tuple[Token, ...], index: int) -> bool:
    """Whether the word is a participle after a form of "be" ("was engineered")."""
    return any(t.norm in _BE for t in tokens[max(0, index - 2) : index])


def quantifier(alignment: Alignment) -> Finding | None:
    """"only", "all", "always" the evidence does not say; "some" where it says "each"; "at least" for "no more"."""
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
                return _contradicts("quantifier", word, theirs[kind][0])
    for kind, other in (("lower", "upper"), ("upper", "lower")):
        if kind in mine and other in theirs and kind not in theirs:
            return _contradicts("quantifier", mine[kind][0], theirs[other][0])
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
                found.setdefault("exclusive", (word, noun))
        elif word in UNIVERSAL and before not in _HEDGES:
            found.setdefault("universal", (word, noun))
        elif word in PARTIAL or word in UNIVERSAL:
            found.setdefault("partial", (word if word in PARTIAL else f"{before} {word}", noun))
        index += 1
    return found


def _bound(words: list[str], index: int) -> tuple[str, tuple[str, ...]] | None:
    for kind, bounds in (("upper", UPPER_BOUNDS), ("lower", LOWER_BOUNDS)):
        for bound in bounds:
            end = index + len(bound)
            if tuple(words[index:end]) == bound and any(
                any(ch.isdigit() for ch in word) or word in {"a", "one", "half"} for word in words[end : end + 3]
            ):
                return kind, bound
    return None


def modality(alignment: Alignment) -> Finding | None:
    """"must" where the evidence says only "may" or "can"."""
    claim = [t.norm for t in alignment.claim.tokens]
    window = [t.norm for _, t in alignment.tokens()]
    must = _necessity(claim)
    if must and not _necessity(window):
        possible = next((word for word in window if word in POSSIBILITY), None)
        if possible:
            return _contradicts("modality", must, possible)
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
        if lemmas(token.norm) & OUTCOMES and _strong(alignment, token) is None:
            return Finding("unsupported", "reversed_outcome", token.text)
    claim = alignment.claim.tokens
    for token in claim:
        position = _strong(alignment, token)
        if position is None or not _past(token) or _irrealis(claim, token.index):
            continue
        evidence = alignment.evidence[alignment.matches[token.index].sentence].tokens
        before = [t.norm for t in evidence[max(0, position - 5) : position]]
        planned = before[-1:] == ["to"] and any(lemmas(word) & DIRECTIVES for word in before[:-1])
        if planned or before[-1:] and before[-1] in MODALS:
            return _contradicts("reversed_outcome", token.text, f"{before[-1]} {evidence[position].text}")
    return None


def _past(token: Token) -> bool:
    """Whether the word is a verb in a past form ("returned", "began")."""
    inflected = token.norm.endswith("ed") or token.norm in lexicon().exceptions
    return inflected and "v" in lexicon().parts_of_speech(token.norm)


def _irrealis(tokens: tuple[Token, ...], index: int) -> bool:
    """Whether the claim itself puts the word under "to", a modal, "if" or a verb that asks for it."""
    return any(
        t.norm in MODALS or t.norm in {"to", "if"} or lemmas(t.norm) & DIRECTIVES for t in tokens[max(0, index - 6) : index]
    )


def substitution(alignment: Alignment) -> Finding | None:
    """A name (or a number) in the claim where the closest sentence has another, the words around it the same."""
    number = alignment.primary
    sentence: Sentence = alignment.evidence[number]
    evidence = [t for t in sentence.tokens if t.content]
    claim = [t for t in alignment.claim.tokens if t.content]
    positions = {t.index: i for t in claim if (i := _strong(alignment, t, number)) is not None}
    matched = {index: sentence.tokens[i].norm for index, i in positions.items()}
    used = set(positions.values())
    claim_words = [matched.get(t.index, "\0" + t.norm) for t in claim]
    matcher = difflib.SequenceMatcher(None, claim_words, [t.norm for t in evidence], autojunk=False)
    opcodes = matcher.get_opcodes()
    for at, (op, a1, a2, b1, b2) in enumerate(opcodes):
        if op != "replace" or a2 - a1 > 2 or b2 - b1 > 2:
            continue
        mine, theirs = claim[a1:a2], evidence[b1:b2]
        if any(t.index in matched for t in mine) or any(t.index in used for t in theirs):
            continue
        if all(t.name for t in mine) and theirs[0].name or all(map(_number, mine)) and _number(theirs[0]):
            return _contradicts("entity", " ".join(t.text for t in mine), " ".join(t.text for t in theirs))
        # One common noun for another in an otherwise repeated sentence ("Ammonia is the working fluid" / "Mercury").
        context = sum(b - a for op, a, b, _, _ in opcodes[max(0, at - 1) : at + 2] if op == "equal")
        if len(mine) == len(theirs) == 1 and context >= 3 and alignment.coverage >= NEAR_COPY:
            word, other = mine[0], theirs[0]
            if word.index not in alignment.matches and _noun(word) and _noun(other) and not _in_passage(alignment, word):
                return _contradicts("entity", word.text, other.text)
    return None


def _noun(token: Token) -> bool:
    return "n" in lexicon().parts_of_speech(token.norm) and not _past(token)


def _in_passage(alignment: Alignment, token: Token) -> bool:
    return bool(lemmas(token.norm) & _name_keys(alignment))


def additions(alignment: Alignment) -> Finding | None:
    """A closing clause none of whose words the evidence has, after a sentence it repeats ("..., which we consider
    unacceptable")."""
    tokens = alignment.claim.tokens
    pauses = [t.index for t in tokens if t.after_pause]
    if not pauses:
        return None
    tail = [t for t in tokens[pauses[-1] :] if t.content and not t.name and not _number(t)]
    head = [t for t in tokens[: pauses[-1]] if t.content]
    if len(tail) < 2 or any(t.index in alignment.matches for t in tail) or not head:
        return None
    if sum(_strong(alignment, t) is not None for t in head) / len(head) < NEAR_COPY:
        return None
    return Finding("unsupported", "invented", " ".join(t.text for t in tail))


# In order: what the passage lacks, then what it contradicts.
RULES: tuple[Callable[[Alignment], Finding | None], ...] = (
    new_details,
    negation,
    opposites,
    quantifier,
    modality,
    outcome,
    roles,
    substitution,
    additions,
)

__all__ = ["RULES", "Finding"]
