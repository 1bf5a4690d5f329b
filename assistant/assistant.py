"""Assistant: the public API that every front end uses (build, ingest, ask, stream)."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from assistant.answering import ExtractiveAnswerer
from assistant.config import Settings
from assistant.conversation import expand_followup
from assistant.embeddings import CachingEmbedder, Embedder, build_embedder
from assistant.errors import IndexNotFoundError, InvalidQuestionError
from assistant.generation import GenerativeAnswerer
from assistant.ingest import ingest, remove_document
from assistant.lexical import LexicalIndex, lexical_index_for
from assistant.retrieval import DenseRetriever, HybridRetriever, LexicalRetriever, Retriever
from assistant.store import ChromaStore
from assistant.types import Answer, IngestReport


class Assistant:
    """Answers questions about ingested documents, citing the exact words that support each answer."""

    def __init__(self, settings: Settings, store: ChromaStore, embedder: Embedder) -> None:
        self.settings = settings
        self.store = store
        self.embedder = embedder  # ingest: chunk texts
        # Questions and the sentences of retrieved passages: each distinct text is embedded once.
        self.query_embedder = CachingEmbedder(embedder, settings.embedding_cache_size)
        self.lexical: LexicalIndex | None = None if settings.retrieval == "dense" else lexical_index_for(settings)
        self.retriever = self._build_retriever()
        self.extractive = ExtractiveAnswerer(
            self.query_embedder, settings.refusal_threshold, settings.max_answer_sentences
        )
        # LLM generators (chat models built on first use, one per name).
        self.generative = GenerativeAnswerer(
            lambda query, k, sources: self.retriever.retrieve(query, k, sources), self.query_embedder, settings
        )

    @classmethod
    def from_settings(cls, settings: Settings | None = None, **overrides: Any) -> Assistant:
        """Build from Settings (default: `ASSISTANT_*` environment variables), with keyword overrides."""
        settings = settings or Settings()
        if overrides:
            settings = Settings(**{**settings.model_dump(), **overrides})
        return cls(settings, ChromaStore(settings), build_embedder(settings))

    def _build_retriever(self) -> Retriever:
        match self.settings.retrieval:
            case "dense":
                return DenseRetriever(self.store, self.query_embedder)
            case "bm25":
                return LexicalRetriever(self.store, self.lexical)
            case "hybrid":
                return HybridRetriever(
                    self.store, self.query_embedder, self.lexical, self.settings.hybrid_dense_weight
                )

    # -- documents --------------------------------------------------------------------------------
    def ingest(self, paths: Sequence[Path | str], progress: bool | None = None) -> IngestReport:
        """Add new and changed files under `paths` to the index; remove files that vanished from them."""
        return ingest(paths, self.store, self.embedder, self.settings, progress=progress, lexical=self.lexical)

    def documents(self) -> list[dict[str, Any]]:
        """The ingested documents: `{"id", "source", "chunks"}`, sorted by source."""
        records = self.store.file_records()
        return sorted(
            ({"id": path, "source": record["source"], "chunks": record["chunks"]} for path, record in records.items()),
            key=lambda document: document["source"],
        )

    def remove_document(self, document_id: str) -> int:
        """Remove an ingested document by id (its path); returns the chunks removed."""
        if self.lexical is None:
            return remove_document(document_id, self.store)
        with self.lexical.writing():
            self.lexical.remove(self.store.chunk_ids_of(document_id))
            removed = remove_document(document_id, self.store)
            self.lexical.save()
        return removed

    # -- questions --------------------------------------------------------------------------------
    def ask(
        self,
        question: str,
        history: Sequence[Any] | None = None,
        k: int | None = None,
        sources: Sequence[str] | None = None,
        generator: str | None = None,
    ) -> Answer:
        """Answer `question` (in the context of `history`) from the top `k` passages, or refuse.

        `generator` (default: `settings.generator`) is "extractive" or an LLM: llama-cpp, openai, ollama.
        """
        started = time.perf_counter()
        question = self.validate_question(question)
        self.ensure_index()
        name = generator or self.settings.generator
        if name != "extractive":
            return self.generative.answer(name, question, history, k, sources)
        query = expand_followup(question, history)
        hits = self.retriever.retrieve(query, k or self.settings.k, sources)
        retrieved = time.perf_counter()
        answer = self.extractive.answer(question, hits, context=query)
        finished = time.perf_counter()
        timings = {"retrieve": retrieved - started, "answer": finished - retrieved, "total": finished - started}
        return replace(answer, timings=timings)

    def stream(
        self, question: str, history: Sequence[Any] | None = None, **options: Any
    ) -> Iterator[str | Answer]:
        """Yield the answer text as it is produced, then the final Answer with its citations."""
        name = options.pop("generator", None) or self.settings.generator
        if name != "extractive":
            question = self.validate_question(question)
            self.ensure_index()
            yield from self.generative.stream(name, question, history, **options)
            return
        answer = self.ask(question, history, generator="extractive", **options)
        yield answer.text
        yield answer

    # -- LangChain --------------------------------------------------------------------------------
    def as_retriever(self, k: int | None = None, sources: Sequence[str] | None = None) -> Any:
        """A LangChain `BaseRetriever` over this index: Documents with source, offsets, chunk id and score."""
        from assistant.integrations import AssistantRetriever

        return AssistantRetriever(assistant=self, k=k, sources=list(sources) if sources else None)

    def as_runnable(self) -> Any:
        """A LangChain `Runnable` taking `{"question", "history"}` and returning the Answer dict."""
        from assistant.integrations import assistant_runnable

        return assistant_runnable(self)

    def validate_question(self, question: str) -> str:
        """The question stripped, or InvalidQuestionError naming what is wrong with it."""
        if not isinstance(question, str) or not question.strip():
            raise InvalidQuestionError("The question is empty. Type a question about your documents.")
        question = question.strip()
        if len(question) > self.settings.max_question_chars:
            raise InvalidQuestionError(
                f"The question is {len(question)} characters long; the limit is "
                f"{self.settings.max_question_chars} (ASSISTANT_MAX_QUESTION_CHARS). Shorten it."
            )
        return question

    def ensure_index(self) -> None:
        """Raise IndexNotFoundError unless the index exists and holds at least one chunk."""
        where = self.settings.chroma_url or str(self.settings.index_dir)
        if not self.settings.chroma_url and not Path(self.settings.index_dir).is_dir():
            raise IndexNotFoundError(
                f"No index at {where}. Build it with `assistant ingest PATH --index {where}` (or `make index`)."
            )
        if self.store.count() == 0:
            raise IndexNotFoundError(
                f"The index at {where} holds no documents. Add some with `assistant ingest PATH`."
            )
