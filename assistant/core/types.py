"""Plain data that crosses layers: chunks, hits, citations, answers, document records, ingest reports."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

# The check of one generated sentence: backed by its citations, shown but unbacked, or left out of the answer.
SentenceStatus = Literal["supported", "unsupported", "removed"]


@dataclass(frozen=True)
class Chunk:
    """A span of a source document: `text == document_text[start:end]`."""

    id: str
    text: str
    source: str
    start: int
    end: int
    metadata: dict[str, Any] = field(default_factory=dict)
    # Vectors of the chunk's sentences read in context (pooled from the chunk's own pass through the model at
    # ingest), by (start, end) in the source; None when the embedder or an older index gave none.
    sentence_vectors: SentenceVectors | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class SentenceVectors:
    """Sentence spans (offsets into the source) and one L2-normalized vector per span, row for row."""

    spans: tuple[tuple[int, int], ...]
    vectors: Any  # a float32 numpy array, one row per span

    def get(self, start: int, end: int) -> Any | None:
        """The vector of the sentence at `start:end`, or None when it was not stored."""
        try:
            return self.vectors[self.spans.index((start, end))]
        except ValueError:
            return None


@dataclass(frozen=True)
class Hit:
    """A chunk returned by retrieval with its similarity score (higher is better) and 1-based rank."""

    chunk: Chunk
    score: float
    rank: int


@dataclass(frozen=True)
class Citation:
    """Evidence for an `[n]` marker: `quote` is an exact substring of the source at `start:end`."""

    n: int
    source: str
    chunk_id: str
    quote: str
    start: int
    end: int
    score: float
    page: int | None = None
    # Where the quote stands in its file: {"page": 3}, {"slide": 2, "part": "notes"}, {"sheet": "Sales", "row": 14},
    # {"section": "Results"}, {"chapter": "Two"}; None for plain text.
    location: dict[str, str | int] | None = None

    def to_dict(self) -> dict[str, Any]:
        """The citation object of DESIGN.md; `page` (paged documents) and `location` only when known."""
        values = asdict(self)
        for key in ("page", "location"):
            if values[key] is None:
                del values[key]
        return values

    def where(self) -> str:
        """The quote's location as people say it: "page 3", "slide 2 (notes)", "sheet Sales, row 14"; or ""."""
        location = dict(self.location or {})
        if self.page is not None:
            location.setdefault("page", self.page)
        parts = [
            f"{key} {location[key]}"
            for key in ("page", "slide", "sheet", "chapter", "section", "table", "row")
            if location.get(key) not in (None, "")
        ]
        part = location.get("part")
        if part and parts:
            return f"{', '.join(parts)} ({part})"
        return ", ".join(parts) or str(part or "")


@dataclass(frozen=True)
class SentenceSupport:
    """The citation check of one generated sentence.

    `status` is "supported" (its `citations` back it), "unsupported" (kept in the answer, but nothing shown
    backs it) or "removed" (dropped from the answer: a link, an order or off-topic text). `start`/`end` locate
    the sentence in `Answer.text` (None when removed); `support` is its best score against the passages (0-1).
    """

    text: str
    status: SentenceStatus
    citations: tuple[int, ...] = ()
    support: float = 0.0
    start: int | None = None
    end: int | None = None
    reason: str = ""

    @property
    def supported(self) -> bool:
        return self.status == "supported"

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "citations": list(self.citations)}


@dataclass(frozen=True)
class Answer:
    """An answer whose `text` carries `[n]` markers referring to `citations`.

    Generated answers (LLM generators) also carry `sentences`, the check of each generated sentence, and
    `supported_fraction`, the share of the sentences shown in `text` that their citations support. When no
    generated sentence could be verified, the answer is the extractive one and `fallback` is "quotes".
    """

    text: str
    citations: list[Citation]
    refused: bool
    timings: dict[str, float] = field(default_factory=dict)
    passages: list[Hit] = field(default_factory=list)
    sentences: list[SentenceSupport] | None = None
    supported_fraction: float | None = None
    fallback: str | None = None  # "quotes": a generator was asked, but nothing it wrote could be verified

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of DESIGN.md (`ask --json`, `POST /api/ask`); generated answers add two keys."""
        values = {
            "answer": self.text,
            "refused": self.refused,
            "citations": [c.to_dict() for c in self.citations],
            "timings": {name: round(value, 4) for name, value in self.timings.items()},
        }
        if self.fallback is not None:
            values["fallback"] = self.fallback
        if self.sentences is not None:
            fraction = self.supported_fraction
            values["supported_fraction"] = None if fraction is None else round(fraction, 4)
            values["sentences"] = [sentence.to_dict() for sentence in self.sentences]
        return values


@dataclass(frozen=True)
class DocumentRecord:
    """An ingested document: `id` (its absolute path), the `source` name citations show, its content hash, chunks."""

    id: str
    source: str
    sha256: str
    chunks: int

    def to_dict(self) -> dict[str, Any]:
        """The listing object of `GET /api/documents`."""
        return {"id": self.id, "source": self.source, "chunks": self.chunks}


@dataclass
class IngestReport:
    """What one ingest run did; `to_dict` is the `ingest --json` summary object."""

    files: int = 0
    skipped: int = 0
    chunks_embedded: int = 0
    chunks_unchanged: int = 0
    chunks_removed: int = 0
    seconds: float = 0.0
    skipped_files: list[tuple[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "skipped": self.skipped,
            "chunks_embedded": self.chunks_embedded,
            "chunks_unchanged": self.chunks_unchanged,
            "chunks_removed": self.chunks_removed,
            "seconds": round(self.seconds, 3),
        }
