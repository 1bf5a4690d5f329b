"""Assistant: the public API that every front end uses (build, ingest, ask, stream)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from assistant.answering.chat_models import check_generator
from assistant.answering.conversation import expand_followup, normalize_history
from assistant.answering.extractive import ExtractiveAnswerer
from assistant.answering.generative import GenerativeAnswerer
from assistant.core.config import Settings, check_k
from assistant.core.errors import IndexNotFoundError, InvalidQuestionError
from assistant.core.types import Answer, DocumentRecord, IngestReport
from assistant.documents.ingest import ingest, ingest_texts, remove_document
from assistant.embedding.base import Embedder
from assistant.embedding.build import build_embedder
from assistant.embedding.cache import CachingEmbedder
from assistant.retrieval.lexical import LexicalIndex, lexical_index_for
from assistant.retrieval.retrievers import DenseRetriever, HybridRetriever, LexicalRetriever, Retriever
from assistant.retrieval.store import ChromaStore


class Assistant:
    """Answers questions about ingested documents, citing the exact words that support each answer."""

    def __init__(self, settings: Settings, store: ChromaStore, embedder: Embedder) -> None:
        self.settings = settings
        self.store = store
        self.embedder = embedder  # ingest: chunk texts
        self._had_chunks = False
        # Questions and the sentences of retrieved passages: each distinct text is embedded once.
        self.query_embedder = CachingEmbedder(embedder, settings.embedding_cache_size)
        self.lexical: LexicalIndex | None = None if settings.retrieval == "dense" else lexical_index_for(settings)
        self.retriever = self._build_retriever()
        self.extractive = ExtractiveAnswerer(
            self.query_embedder, settings.refusal_threshold, settings.max_answer_sentences
        )
        # LLM generators (chat models built on first use, one per name).
        self.generative = GenerativeAnswerer(
            lambda query, k, sources: self.retriever.retrieve(query, k, sources),
            self.query_embedder,
            settings,
            extractive=self.extractive,
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
                return HybridRetriever(self.store, self.query_embedder, self.lexical, self.settings.hybrid_dense_weight)

    # -- documents --------------------------------------------------------------------------------
    def ingest(self, paths: Sequence[Path | str], progress: bool | None = None) -> IngestReport:
        """Add new and changed files under `paths` to the index; remove files that vanished from them."""
        return ingest(paths, self.store, self.embedder, self.settings, progress=progress, lexical=self.lexical)

    def ingest_texts(self, texts: Iterable[tuple[str, str, str]], progress: bool | None = None) -> IngestReport:
        """Make the index hold exactly these `(id, source, text)` documents (a benchmark corpus held in memory)."""
        return ingest_texts(texts, self.store, self.embedder, self.settings, progress=progress, lexical=self.lexical)

    def documents(self) -> list[DocumentRecord]:
        """The ingested documents, sorted by source name."""
        return sorted(self.store.file_records().values(), key=lambda record: (record.source, record.id))

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
    def generators(self) -> list[str]:
        """The answer generators a request may choose: the configured one, then the extractive answerer."""
        return list(dict.fromkeys([self.settings.generator, "extractive"]))

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
        question, name = self._checked(question, k, generator)
        if name != "extractive":
            return self.generative.answer(name, question, history, k, sources)
        return self._extract(question, history, k, sources, started)

    def stream(
        self,
        question: str,
        history: Sequence[Any] | None = None,
        k: int | None = None,
        sources: Sequence[str] | None = None,
        generator: str | None = None,
    ) -> Iterator[str | Answer]:
        """Yield the answer text as it is produced, then the final Answer with its citations."""
        started = time.perf_counter()
        question, name = self._checked(question, k, generator)
        if name != "extractive":
            yield from self.generative.stream(name, question, history, k, sources)
            return
        answer = self._extract(question, history, k, sources, started)
        yield answer.text
        yield answer

    def _extract(
        self,
        question: str,
        history: Sequence[Any] | None,
        k: int | None,
        sources: Sequence[str] | None,
        started: float,
    ) -> Answer:
        """The extractive answer: quotes from the retrieved passages, or a refusal."""
        query = expand_followup(question, normalize_history(history))
        hits = self.retriever.retrieve(query, k or self.settings.k, sources)
        retrieved = time.perf_counter()
        answer = self.extractive.answer(question, hits, context=query)
        finished = time.perf_counter()
        timings = {"retrieve": retrieved - started, "answer": finished - retrieved, "total": finished - started}
        return replace(answer, timings=timings)

    def _checked(self, question: str, k: int | None, generator: str | None) -> tuple[str, str]:
        """The question stripped and the generator's name, once the question, `k` and the index are checked."""
        question = self.validate_question(question)
        check_k(k)
        name = check_generator(generator or self.settings.generator)
        self.ensure_index()
        return question, name

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
        """Raise IndexNotFoundError unless the index exists and holds at least one chunk.

        Once it has held chunks, it is not counted again (a count costs 3 ms on 17k chunks, on every question): an
        index emptied since then gives refusals without passages.
        """
        if self._had_chunks:
            return
        where = self.settings.chroma_url or str(self.settings.index_dir)
        if not self.settings.chroma_url and not Path(self.settings.index_dir).is_dir():
            raise IndexNotFoundError(
                f"No index at {where}. Build it with `assistant ingest PATH --index {where}` (or `make index`)."
            )
        self._had_chunks = self.store.count() > 0
        if not self._had_chunks:
            raise IndexNotFoundError(f"The index at {where} holds no documents. Add some with `assistant ingest PATH`.")
