"""Citation check of generated answers: each sentence against the numbered passages it cites."""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from assistant.answering.extractive import refusal
from assistant.answering.guards import MARKDOWN_IMAGE, MARKDOWN_LINK, looks_like_instruction, scrub
from assistant.core.text import LEADING_MARKERS, MARKER, Sentence, cite, content_words, marker_numbers
from assistant.core.types import Answer, Citation, Hit, SentenceSupport
from assistant.embedding.base import Embedder

# support = SIMILARITY_WEIGHT * cosine(sentence, best passage sentence) + the rest * share of the sentence's
# content words found in the passage. Fitted on the seed statement with bench/verification.py (see README).
SIMILARITY_WEIGHT = 0.5
# A cited passage backs a sentence at or above this support.
SUPPORT_THRESHOLD = 0.6
# An uncited (or wrongly cited) sentence gets a citation only when one passage backs it this clearly.
ATTACH_THRESHOLD = 0.65
# An unsupported sentence most of whose content words are in neither the shown passages nor the question is about
# something else (model chatter, another topic, an injected task or advert): it is left out, not shown as
# unsupported. Invented details on the passages' topic ("They met in Kyiv on December 16, 2021") stay visible.
UNRELATED_COVERAGE = 0.5
# A number or a name the passage does not contain (a date, a count, a place) is the commonest invented fact.
NEW_DETAIL_PENALTY = 0.3

_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)]*\s+")
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_NAME = re.compile(r"(?<=[\w,;:)] )[A-Z][\w’'-]+")  # a capitalised word that does not start the sentence
_REFUSAL = re.compile(
    r"\b(?:i\s+(?:do\s+not|don'?t|don’t|cannot|can'?t)\s+know|(?:passages?|documents?|text)\s+(?:do(?:es)?\s+not|don'?t)"
    r"\s+(?:say|answer|contain|mention|provide)|(?:not|no)\s+(?:mentioned|stated|given)\s+in\s+the\s+passages?)\b",
    re.IGNORECASE,
)
# Words that make a sentence about the answering itself ("The answer is: [3]"), not about the documents.
_META_WORDS = frozenset({"answer", "question", "passage", "passag", "following", "provid", "information"})


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk as shown to the model under the number `n`: some of its sentences, in order."""

    n: int
    hit: Hit
    sentences: tuple[Sentence, ...]

    @property
    def text(self) -> str:
        """The shown sentences; " … " marks where text of the chunk was left out between two of them."""
        source, offset = self.hit.chunk.text, self.hit.chunk.start
        parts = [self.sentences[0].text] if self.sentences else []
        for before, sentence in itertools.pairwise(self.sentences):
            gap = source[before.end - offset : sentence.start - offset]
            parts.append((" " if not gap.strip() else " … ") + sentence.text)
        return "".join(parts)


@dataclass(frozen=True)
class DraftSentence:
    """A sentence of the model's reply: its words without markers, and the passage numbers it cites."""

    text: str
    cited: tuple[int, ...]


def is_refusal(text: str) -> bool:
    """Whether the model said the passages hold no answer."""
    return bool(_REFUSAL.search(text)) and len(content_words(MARKER.sub(" ", text))) <= 12


def split_draft(text: str) -> list[DraftSentence]:
    """The reply's sentences; markers such as `[2]`, `[1, 3]` or `[1][2]` go with the sentence before them."""
    pieces: list[str] = []
    for line in text.splitlines():
        for piece in _SENTENCE_END.split(_BULLET.sub("", line).strip()):
            leading = LEADING_MARKERS.match(piece)
            if leading and pieces:
                pieces[-1] += " " + leading.group(0)
                piece = piece[leading.end() :]
            if piece.strip():
                pieces.append(piece.strip())
    sentences: list[DraftSentence] = []
    for piece in pieces:
        cited = marker_numbers(piece)
        words = re.sub(r"\s+([.,;:!?])", r"\1", MARKER.sub(" ", piece))
        words = " ".join(words.split()).strip()
        # A small model repeats itself, and its last sentence may be cut off: each is kept once.
        if re.search(r"\w", words) and not any(other.text.startswith(words) for other in sentences):
            sentences.append(DraftSentence(words, tuple(dict.fromkeys(cited))))
    return sentences


class CitationVerifier:
    """Checks every generated sentence against the passages it cites, and rewrites the citations to match."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def verify(self, question: str, draft: str, passages: Sequence[Passage]) -> Answer:
        """The verified Answer for the model's `draft`; refused when no sentence is supported."""
        hits = [passage.hit for passage in passages]
        if is_refusal(draft):
            return _refused(question, hits, [])
        shown = " ".join(passage.text for passage in passages)
        # Images are never part of an answer (showing one calls its host); links keep their words only.
        images = MARKDOWN_IMAGE.findall(draft)
        drafts = split_draft(MARKDOWN_LINK.sub(lambda match: match.group(1), MARKDOWN_IMAGE.sub(" ", draft)))
        removed = [SentenceSupport(image, "removed", reason="markdown image") for image in images]
        if not drafts:
            return _refused(question, hits, removed)
        evidence = [sentence for passage in passages for sentence in passage.sentences]
        support, related, quotes = self._score(question, drafts, passages, evidence)
        checks = [
            _judge(sentence, support[row], float(related[row]), quotes[row], passages, shown)
            for row, sentence in enumerate(drafts)
        ]
        return _assemble(question, hits, checks, removed)

    def _score(
        self, question: str, drafts: Sequence[DraftSentence], passages: Sequence[Passage], evidence: list[Sentence]
    ) -> tuple[np.ndarray, np.ndarray, list[list[Sentence | None]]]:
        """Each draft sentence's support by each passage, the share of its words found anywhere, the quotes."""
        support = np.zeros((len(drafts), len(passages)))
        related = np.zeros(len(drafts))
        quotes: list[list[Sentence | None]] = [[None] * len(passages) for _ in drafts]
        if not evidence:
            return support, related, quotes
        vectors = self.embedder.embed([draft.text for draft in drafts] + [sentence.text for sentence in evidence])
        draft_vectors, evidence_vectors = vectors[: len(drafts)], vectors[len(drafts) :]
        similarity = draft_vectors @ evidence_vectors.T
        offsets = np.cumsum([0, *(len(passage.sentences) for passage in passages)])
        evidence_words = [_words(sentence.text) for sentence in evidence]
        passage_words = [set().union(*evidence_words[offsets[n] : offsets[n + 1]]) for n in range(len(passages))]
        # A sentence on the question's words is not unrelated; but only the passages support it: a detail taken from
        # the question ("How did Putin respond?") is the question's premise, not evidence.
        known = set().union(_words(question), *passage_words)
        for row, draft in enumerate(drafts):
            words = _words(draft.text) - _META_WORDS or _words(draft.text)
            details = set(_NUMBER.findall(draft.text)) | {_plain(name) for name in _NAME.findall(draft.text)}
            related[row] = _share(words, known)
            for column, passage in enumerate(passages):
                span = range(offsets[column], offsets[column + 1])
                coverage = _share(words, passage_words[column])
                # The sentence to quote: closest in meaning, then in words.
                best = max(span, key=lambda i: similarity[row, i] + _share(words, evidence_words[i]))
                score = SIMILARITY_WEIGHT * float(similarity[row, best]) + (1 - SIMILARITY_WEIGHT) * coverage
                if any(detail not in _plain(passage.text) for detail in details):
                    score -= NEW_DETAIL_PENALTY
                support[row, column] = score
                quotes[row][column] = evidence[best]
        return support, related, quotes


@dataclass(frozen=True)
class _Check:
    sentence: DraftSentence
    status: str
    backing: list[tuple[Sentence, float]]
    support: float
    reason: str


def _judge(
    sentence: DraftSentence,
    support: np.ndarray,
    related: float,
    quotes: list[Sentence | None],
    passages: Sequence[Passage],
    shown: str,
) -> _Check:
    """The verdict on one sentence, given its support by each passage (index n - 1)."""
    best = int(np.argmax(support)) if len(support) else -1
    best_support = float(support[best]) if best >= 0 else 0.0
    if looks_like_instruction(sentence.text) or scrub(sentence.text, allowed=shown) != sentence.text:
        return _Check(sentence, "removed", [], best_support, "addresses the reader or links elsewhere")
    if not content_words(sentence.text) - _META_WORDS:
        return _Check(sentence, "removed", [], best_support, "says nothing about the documents")
    backing = [
        (quotes[n - 1], float(support[n - 1]))
        for n in sentence.cited
        if 1 <= n <= len(passages) and support[n - 1] >= SUPPORT_THRESHOLD
    ]
    if backing:
        return _Check(sentence, "supported", backing, max(score for _, score in backing), "")
    if best >= 0 and best_support >= ATTACH_THRESHOLD:
        reason = "citation corrected" if sentence.cited else "citation attached"
        return _Check(sentence, "supported", [(quotes[best], best_support)], best_support, reason)
    if related < UNRELATED_COVERAGE:
        return _Check(sentence, "removed", [], best_support, "unrelated to the passages")
    return _Check(sentence, "unsupported", [], best_support, "no shown passage supports it")


def _plain(text: str) -> str:
    """Lower case, straight apostrophes, no possessive: how a detail is looked up in a passage."""
    text = text.lower().replace("’", "'")
    return text[:-2] if text.endswith("'s") else text


def _words(text: str) -> set[str]:
    """Content words, with curly apostrophes straightened and possessives dropped ("Ukraine’s" is "ukraine")."""
    return {word[:-2] if word.endswith("'s") else word for word in content_words(text.replace("’", "'"))}


def _share(words: set[str], other: set[str]) -> float:
    return len(words & other) / len(words) if words else 0.0


def _assemble(question: str, hits: list[Hit], checks: list[_Check], removed: list[SentenceSupport]) -> Answer:
    """The answer text with renumbered markers, one citation per quoted sentence, and the sentence records."""
    citations: dict[tuple[str, int], Citation] = {}
    parts: list[str] = []
    records: list[SentenceSupport] = list(removed)
    position = 0
    for check in checks:
        sentence, status, score, reason = check.sentence, check.status, check.support, check.reason
        if status == "removed":
            records.append(SentenceSupport(sentence.text, status, (), round(score, 4), None, None, reason))
            continue
        numbers = []
        for quoted, support in check.backing:
            key = (quoted.chunk.id, quoted.start)
            if key not in citations:
                citations[key] = cite(len(citations) + 1, quoted, support)
            numbers.append(citations[key].n)
        numbers = list(dict.fromkeys(numbers))
        shown = sentence.text + ("".join(f" [{n}]" for n in numbers))
        start = position + (1 if parts else 0)
        parts.append(shown)
        position = start + len(shown)
        records.append(SentenceSupport(sentence.text, status, tuple(numbers), round(score, 4), start, position, reason))
    shown_records = [record for record in records if record.status != "removed"]
    supported = sum(record.supported for record in shown_records)
    if not supported:
        return _refused(question, hits, records)
    return Answer(
        text=" ".join(parts),
        citations=list(citations.values()),
        refused=False,
        passages=hits,
        sentences=records,
        supported_fraction=supported / len(shown_records),
    )


def _refused(question: str, hits: list[Hit], records: list[SentenceSupport]) -> Answer:
    """The refusal wording, keeping the record of what the model said and why none of it stands."""
    base = refusal(question, hits)
    unplaced = [
        SentenceSupport(r.text, r.status, (), r.support, None, None, r.reason or "no shown passage supports it")
        for r in records
    ]
    fraction = 0.0 if records else None
    return Answer(base.text, [], True, passages=base.passages, sentences=unplaced, supported_fraction=fraction)


__all__ = ["CitationVerifier", "DraftSentence", "Passage", "is_refusal", "split_draft"]
