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
    collection: str | None = Field(
        None, description="The collection to ask (id, name or owner/name; default: the collection 'default')."
    )
    conversation: str | None = Field(
        None,
        description="A conversation id (POST /api/conversations): its stored turns are the history, and this "
        "question and its answer are added to it. Not together with `history`.",
    )


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
    conversation: str | None = Field(None, description="Asked within a conversation: its id.")
    turn: int | None = Field(None, description="Asked within a conversation: this turn's position in it (from 1).")


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


class CollectionBody(BaseModel):
    id: str = Field(description="Never changes; use it in URLs.")
    name: str = Field(description="Its title, unique among its owner's collections.")
    label: str = Field(description="How you name it elsewhere (the OpenAI `model`): its name, or owner/name.")
    owner: str
    shared_with: list[str] = Field(description="User names that may read it; '*' is everyone.")
    created: float
    writable: bool = Field(description="Whether you own it (may add and remove its documents).")


class NewCollection(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(description="A title of 1-64 characters: no '/', '\\', NUL or line breaks.")


class NewConversation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    collection: str | None = Field(None, description="The collection it is about (default: 'default').")
    title: str | None = Field(None, description="Default: its first question.")


class ConversationTitle(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(description="1-200 characters on one line.")


class ConversationBody(BaseModel):
    id: str
    title: str
    collection: str = Field(description="The id of the collection it is about.")
    created: float
    updated: float
    turns: int = Field(description="Questions asked in it.")


class PassageBody(BaseModel):
    chunk_id: str
    text: str
    source: str
    start: int
    end: int
    metadata: dict
    score: float
    rank: int


class TurnBody(AnswerBody):
    position: int
    question: str
    collection: str = Field(description="The id of the collection that answered.")
    created: float
    passages: list[PassageBody] = Field(description="The passages the answer was drawn from, as they were.")


class TranscriptBody(BaseModel):
    conversation: ConversationBody
    turns: list[TurnBody]
