"""LangChain adapters: the assistant as a `BaseRetriever` and as a `Runnable`, to drop into other LCEL chains."""

from __future__ import annotations

from typing import Any, Protocol, Required

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import Runnable, RunnableLambda
from pydantic import ConfigDict, Field
from typing_extensions import TypedDict  # pydantic needs this TypedDict before Python 3.12

from assistant.core.config import MAX_K
from assistant.core.types import Answer, Hit


class QuestionAnswerer(Protocol):
    """What the adapters need of the Assistant (so this module does not import the facade that imports it)."""

    settings: Any
    retriever: Any

    def validate_question(self, question: str) -> str: ...

    def ask(
        self,
        question: str,
        history: Any = None,
        k: int | None = None,
        sources: Any = None,
        generator: str | None = None,
    ) -> Answer: ...


class AssistantInput(TypedDict, total=False):
    """What the runnable takes: the question, and optionally history, k, sources and generator as in `Assistant.ask`."""

    question: Required[str]
    history: list[Any]
    k: int
    sources: list[str]
    generator: str


class AssistantRetriever(BaseRetriever):
    """The assistant's retrieval: one Document per passage, with source, offsets, chunk id and score in metadata."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    assistant: Any = Field(description="The Assistant (a QuestionAnswerer) whose index is searched.")
    k: int | None = Field(None, ge=1, le=MAX_K, description="Passages returned (default: the assistant's k).")
    sources: list[str] | None = Field(None, description="Only search these documents (source names).")

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        query = self.assistant.validate_question(query)
        hits = self.assistant.retriever.retrieve(query, self.k or self.assistant.settings.k, self.sources)
        return [to_document(hit) for hit in hits]


def to_document(hit: Hit) -> Document:
    """A LangChain Document for a retrieved passage; `page_content == source_text[start:end]`."""
    chunk = hit.chunk
    metadata = {
        **chunk.metadata,
        "source": chunk.source,
        "start": chunk.start,
        "end": chunk.end,
        "chunk_id": chunk.id,
        "score": hit.score,
        "rank": hit.rank,
    }
    return Document(page_content=chunk.text, metadata=metadata, id=chunk.id)


def assistant_runnable(assistant: QuestionAnswerer) -> Runnable[AssistantInput, dict[str, Any]]:
    """A Runnable: `{"question", "history"?, "k"?, "sources"?}` (or a bare question) in, the Answer dict out."""

    def ask(inputs: AssistantInput) -> dict[str, Any]:
        if isinstance(inputs, str):
            inputs = {"question": inputs}
        if not isinstance(inputs, dict) or "question" not in inputs:
            raise TypeError(f"The input must be a question or a dict with a 'question' key; got {inputs!r}.")
        answer = assistant.ask(
            inputs["question"],
            history=inputs.get("history"),
            k=inputs.get("k"),
            sources=inputs.get("sources"),
            generator=inputs.get("generator"),
        )
        return answer.to_dict()

    return RunnableLambda(ask, name="assistant").with_types(input_type=AssistantInput, output_type=dict[str, Any])


__all__ = ["AssistantInput", "QuestionAnswerer", "AssistantRetriever", "assistant_runnable", "to_document"]
