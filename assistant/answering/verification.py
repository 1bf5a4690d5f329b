"""Citation check of generated answers: each sentence against the numbered passages it cites."""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.answering.claims.entailment import Judgement, assess
from assistant.answering.extractive import refusal
from assistant.answering.guards import MARKDOWN_IMAGE, MARKDOWN_LINK, looks_like_instruction, scrub
from assistant.core.text import LEADING_MARKERS, MARKER, Sentence, cite, content_words, marker_numbers
from assistant.core.types import Answer, Citation, Hit, SentenceSupport
from assistant.embedding.base import Embedder

# An uncited (or wrongly cited) sentence gets a citation only when one passage backs it this clearly (a support a
# little above entailment.SUPPORT_THRESHOLD, as before the judgement moved to entailment.py).
ATTACH_THRESHOLD = 0.65
# An unsupported sentence most of whose content words are in neither the shown passages nor the question is about
# something else (model chatter, another topic, an injected task or advert): it is left out, not shown as
# unsupported. Invented details on the passages' topic ("They met in Kyiv on December 16, 2021") stay visible.
UNRELATED_COVERAGE = 0.5

_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)]*\s+")
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
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
        similarity = self._similarity(drafts, passages)
        # A sentence on the question's words is not unrelated; but only the passages support it: a detail taken from
        # the question ("How did Putin respond?") is the question's premise, not evidence.
        known = set().union(_words(question), *(_words(passage.text) for passage in passages))
        checks = [
            _check(sentence, [row[offset] for offset in _spans(passages)], passages, known, shown)
            for sentence, row in zip(drafts, similarity, strict=True)
        ]
        return _assemble(question, hits, checks, removed)

    def _similarity(self, drafts: Sequence[DraftSentence], passages: Sequence[Passage]) -> np.ndarray:
        """Cosine of each draft sentence with each shown sentence, in passage order."""
        evidence = [sentence.text for passage in passages for sentence in passage.sentences]
        if not evidence:
            return np.zeros((len(drafts), 0))
        vectors = self.embedder.embed([draft.text for draft in drafts] + evidence)
        return vectors[: len(drafts)] @ vectors[len(drafts) :].T


def _spans(passages: Sequence[Passage]) -> list[slice]:
    """Each passage's columns in the similarity matrix."""
    offsets = np.cumsum([0, *(len(passage.sentences) for passage in passages)])
    return [slice(int(offsets[n]), int(offsets[n + 1])) for n in range(len(passages))]


@dataclass(frozen=True)
class _Check:
    sentence: DraftSentence
    status: str
    backing: list[tuple[Sentence, float]]
    support: float
    reason: str


def _check(
    sentence: DraftSentence,
    similarity: list[np.ndarray],
    passages: Sequence[Passage],
    known: set[str],
    shown: str,
) -> _Check:
    """The verdict on one sentence, given its cosine with each passage's sentences (passage n at index n - 1)."""
    if looks_like_instruction(sentence.text) or scrub(sentence.text, allowed=shown) != sentence.text:
        return _Check(sentence, "removed", [], 0.0, "addresses the reader or links elsewhere")
    words = _words(sentence.text) - _META_WORDS
    if not words:
        return _Check(sentence, "removed", [], 0.0, "says nothing about the documents")
    judgements: dict[int, Judgement] = {}

    def judged(index: int) -> Judgement:
        if index not in judgements:
            passage = passages[index]
            texts = [quoted.text for quoted in passage.sentences]
            judgements[index] = assess(sentence.text, texts, similarity[index], Path(passage.hit.chunk.source).stem)
        return judgements[index]

    cited = [n - 1 for n in sentence.cited if 1 <= n <= len(passages) and passages[n - 1].sentences]
    backing = [(n, judged(n)) for n in cited if judged(n).supported]
    if backing:
        quotes = [(quoted, j.score) for n, j in backing for quoted in _quotes(passages[n], j)]
        return _Check(sentence, "supported", quotes, max(j.score for _, j in backing), "")
    others = [n for n in range(len(passages)) if n not in cited and passages[n].sentences]
    if others:
        best = max(others, key=lambda n: float(similarity[n].max()) + _share(words, _words(passages[n].text)))
        judgement = judged(best)
        if judgement.supported and judgement.score >= ATTACH_THRESHOLD:
            reason = "citation corrected" if sentence.cited else "citation attached"
            quotes = [(quoted, judgement.score) for quoted in _quotes(passages[best], judgement)]
            return _Check(sentence, "supported", quotes, judgement.score, reason)
    support = max((j.score for j in judgements.values()), default=0.0)
    if _share(words, known) < UNRELATED_COVERAGE:
        return _Check(sentence, "removed", [], support, "unrelated to the passages")
    return _Check(sentence, "unsupported", [], support, _why(judgements, cited))


def _quotes(passage: Passage, judgement: Judgement) -> list[Sentence]:
    """The passage's sentences the judgement drew on, closest first."""
    return [passage.sentences[index] for index in judgement.evidence]


def _why(judgements: dict[int, Judgement], cited: list[int]) -> str:
    """What the page shows for an unsupported sentence: what contradicts it, or what the passages lack."""
    ordered = [judgements[n] for n in cited if n in judgements] + [j for n, j in judgements.items() if n not in cited]
    for judgement in ordered:
        finding = judgement.finding
        if finding and finding.verdict == "contradicted" and finding.passage:
            return f"contradicts the passage: '{finding.passage}' vs '{finding.claim}'"
    for judgement in ordered:
        if judgement.finding:
            return f"the passage does not say '{judgement.finding.claim}'"
    return "no shown passage supports it"


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
