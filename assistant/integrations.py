"""LangChain adapters: the assistant as a `BaseRetriever` and as a `Runnable`, to drop into other LCEL chains."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Required

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.messages import BaseMessage
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import Runnable, RunnableLambda
from pydantic import ConfigDict, Field
from typing_extensions import TypedDict  # pydantic needs this TypedDict before Python 3.12

from assistant.types import Hit

if TYPE_CHECKING:
    from assistant.assistant import Assistant

_ROLES = {"human": "user", "ai": "assistant"}


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

    assistant: Any = Field(description="The Assistant whose index is searched.")
    k: int | None = Field(None, ge=1, le=50, description="Passages returned (default: the assistant's k).")
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


def assistant_runnable(assistant: Assistant) -> Runnable[AssistantInput, dict[str, Any]]:
    """A Runnable: `{"question", "history"?, "k"?, "sources"?}` (or a bare question) in, the Answer dict out."""

    def ask(inputs: AssistantInput) -> dict[str, Any]:
        if isinstance(inputs, str):
            inputs = {"question": inputs}
        if not isinstance(inputs, dict) or "question" not in inputs:
            raise TypeError(f"The input must be a question or a dict with a 'question' key; got {inputs!r}.")
        answer = assistant.ask(
            inputs["question"],
            history=to_history(inputs.get("history")),
            k=inputs.get("k"),
            sources=inputs.get("sources"),
            **({"generator": inputs["generator"]} if inputs.get("generator") else {}),
        )
        return answer.to_dict()

    return RunnableLambda(ask, name="assistant").with_types(input_type=AssistantInput, output_type=dict[str, Any])


def to_history(history: Sequence[Any] | None) -> list[Any]:
    """History for `Assistant.ask`: LangChain messages become `{"role", "content"}` dicts; other items pass through."""
    converted: list[Any] = []
    for item in history or []:
        if isinstance(item, BaseMessage):
            if item.type in _ROLES:
                converted.append({"role": _ROLES[item.type], "content": str(item.text)})
        else:
            converted.append(item)
    return converted


__all__ = ["AssistantInput", "AssistantRetriever", "assistant_runnable", "to_document", "to_history"]
