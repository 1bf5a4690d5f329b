"""The HTTP API's request and response bodies, as pydantic models (they make the OpenAPI schema)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant.core.config import MAX_K
from assistant.core.types import SentenceStatus


class HistoryMessage(BaseModel):
    role: Literal["user", "assistant", "system"] = Field(description="Who said it.")
    content: str = Field(description="What was said.")


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question: str = Field(description="The question (at most ASSISTANT_MAX_QUESTION_CHARS characters).")
    history: list[HistoryMessage] = Field(default_factory=list, max_length=200, description="Earlier turns.")
    k: int | None = Field(None, ge=1, le=MAX_K, description="Passages to retrieve (default ASSISTANT_K).")
    generator: str | None = Field(None, description="Answer generator; one of GET /v1/models.")
    sources: list[str] | None = Field(None, max_length=100, description="Only search these documents.")


class CitationBody(BaseModel):
    n: int
    source: str
    chunk_id: str
    quote: str = Field(description="Exact substring of the source at start:end.")
    start: int
    end: int
    score: float
    page: int | None = None
    location: dict[str, str | int] | None = Field(
        None,
        description='Where the quote stands: {"page": 3}, {"slide": 2, "part": "notes"}, {"sheet": "Sales", '
        '"row": 14}, {"section": "Results"} or {"chapter": "Two"}; left out for plain text.',
    )


class LocatedBlock(BaseModel):
    start: int = Field(description="Offset in the document where the block begins.")
    location: dict[str, str | int] = Field(description='Where it stands: {"page": 3}, {"sheet": "Sales", "row": 14}...')


class DocumentTextBody(BaseModel):
    """A document's extracted text, or the span of it around a citation (`offset` says where `text` begins)."""

    id: str = Field(description="The document's id (GET /api/documents).")
    source: str = Field(description="The name citations show.")
    text: str = Field(description="The whole extracted text, or the asked-for span of it.")
    offset: int = Field(description="Where `text` begins in the document; 0 for the whole text.")
    length: int = Field(description="Characters in the whole document.")
    highlight: dict[str, int] | None = Field(
        None, description="The quote's {start, end} in the document (subtract `offset` to index `text`)."
    )
    location: dict[str, str | int] | None = Field(None, description="The location of the highlight's start.")
    locations: list[LocatedBlock] = Field(default_factory=list, description="The located blocks within `text`.")


class SentenceBody(BaseModel):
    text: str
    status: SentenceStatus
    citations: list[int]
    support: float
    start: int | None = None
    end: int | None = None
    reason: str = ""


class AnswerBody(BaseModel):
    answer: str = Field(description="The answer, with [n] markers referring to citations.")
    refused: bool
    citations: list[CitationBody]
    timings: dict[str, float]
    supported_fraction: float | None = Field(
        None, description="Generated answers only: the share of sentences their citations support."
    )
    fallback: Literal["quotes"] | None = Field(
        None, description='"quotes": no generated sentence could be verified, so the exact quotes are shown instead.'
    )
    sentences: list[SentenceBody] | None = Field(
        None, description="Generated answers only: the citation check of each generated sentence."
    )


class TextPart(BaseModel):
    type: Literal["text"]
    text: str


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[TextPart] | None = None


class StreamOptions(BaseModel):
    include_usage: bool = False


class ChatCompletionRequest(BaseModel):
    """OpenAI's chat completion request; sampling options are accepted and ignored."""

    model_config = ConfigDict(extra="allow")
    model: str = Field(description="A generator from GET /v1/models.")
    messages: list[ChatMessage] = Field(min_length=1, max_length=200, description="The last one is the question.")
    stream: bool = False
    stream_options: StreamOptions | None = None


class ErrorDetail(BaseModel):
    message: str
    type: str
    param: str | None = Field(None, description="The request field at fault.")
    code: str | None = None


class ErrorBody(BaseModel):
    error: ErrorDetail
