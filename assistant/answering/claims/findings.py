"""What a contradiction rule reports, and the small questions every rule asks of an alignment."""

from __future__ import annotations

from dataclasses import dataclass

from assistant.answering.claims.alignment import Alignment
from assistant.answering.claims.lexicon import lexicon
from assistant.answering.claims.wording import Token, is_number_word


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


def contradicts(kind: str, mine: str, theirs: str) -> Finding:
    """The evidence says `theirs` where the claim says `mine`."""
    return Finding("contradicted", kind, mine, theirs)


def strong(alignment: Alignment, token: Token, sentence: int | None = None) -> int | None:
    """The evidence position of the claim token's exact match (in `sentence` if given), else None."""
    match = alignment.matches.get(token.index)
    if not match or match.strength < 1.0 or match.index < 0 or sentence is not None and match.sentence != sentence:
        return None
    return match.index


def used_positions(alignment: Alignment) -> set[tuple[int, int]]:
    """(sentence, position) of every evidence word a claim word matches exactly."""
    return {(m.sentence, m.index) for m in alignment.matches.values() if m.strength == 1.0}


def states_number(token: Token) -> bool:
    """Whether the word states a number or a code ("30", "thirty", "second", "n2")."""
    return any(ch.isdigit() for ch in token.norm) or is_number_word(token.norm)


def is_past(token: Token) -> bool:
    """Whether the word is a verb in a past form ("returned", "began")."""
    inflected = token.norm.endswith("ed") or token.norm in lexicon().exceptions
    return inflected and "v" in lexicon().parts_of_speech(token.norm)


__all__ = ["Finding", "contradicts", "is_past", "states_number", "strong", "used_positions"]
