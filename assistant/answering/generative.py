"""Generated answers: an LCEL chain from question to verified Answer over a LangChain chat model."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from assistant.answering.chat_models import build_chat_model, check_generator, reported_as_unavailable
from assistant.answering.conversation import Message, expand_followup, normalize_history
from assistant.answering.extractive import ExtractiveAnswerer
from assistant.answering.guards import StreamScrubber, quotable
from assistant.answering.prompts import render_messages
from assistant.answering.scoring import score_sentences
from assistant.answering.verification import CitationVerifier, Passage
from assistant.core.text import content_words, strip_markers
from assistant.core.types import Answer, Hit
from assistant.embedding.base import Embedder

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from langchain_core.runnables import Runnable

logger = logging.getLogger(__name__)

# Characters of passage text shown to the model: the sentences most relevant to the question, best first.
# Prompt reading dominates a small local model's time (about 700 tokens of full passages took 15 s under load).
PASSAGE_BUDGET_CHARS = 1200
# Below this extractive support (answering.score_sentences) no passage sentence relates to the question: on the
# seeds, unrelated questions (a cake recipe, a capital city) score 0.04-0.10, the hardest answerable one 0.14-0.16
# (hybrid or dense retrieval).
# It is far below the extractive refusal threshold: the model may still phrase an answer the quotes miss.
RELEVANCE_FLOOR = 0.1
# Conversation turns (messages) given to the rewrite step, and characters kept of each.
HISTORY_MESSAGES, HISTORY_CHARS = 6, 400
_DELIMITER = re.compile(r"</?\s*passages?\s*>", re.IGNORECASE)

Retrieve = Callable[[str, int, Sequence[str] | None], list[Hit]]


@dataclass
class ChainState:
    """What the chain knows about one question as it moves from step to step."""

    question: str
    history: list[Message]
    k: int
    sources: list[str] | None
    started: float  # time.perf_counter() when the question arrived
    timings: dict[str, float] = field(default_factory=dict)  # seconds per step
    query: str = ""  # the question made standalone
    hits: list[Hit] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    messages: list[tuple[str, str]] = field(default_factory=list)
    prepared: float | None = None  # time.perf_counter() when the prompt was ready
    draft: str = ""  # the model's reply
    quotes: Answer | None = None  # the extractive answer from the same passages


def number_passages(
    question: str,
    hits: Sequence[Hit],
    embedder: Embedder,
    budget: int = PASSAGE_BUDGET_CHARS,
    threshold: float = 0.0,
) -> list[Passage]:
    """The hits as numbered passages of their sentences most relevant to `question` (no questions or orders).

    None when no sentence reaches `threshold`: then the documents hold no answer, and asking the model would
    only invite an invented one.
    """
    # Questions and text addressed to the assistant never reach the model.
    scored = [item for item in score_sentences(question, hits, embedder) if quotable(item.sentence.text)]
    if not scored or scored[0].support < threshold:
        return []
    chosen, used = [], 0
    for item in scored:
        if chosen and used + len(item.sentence.text) > budget:
            break
        chosen.append(item.sentence)
        used += len(item.sentence.text) + 1
    by_chunk = {hit.chunk.id: [] for hit in hits}
    for sentence in chosen:
        by_chunk[sentence.chunk.id].append(sentence)
    shown = [(hit, sorted(by_chunk[hit.chunk.id], key=lambda s: s.start)) for hit in hits if by_chunk[hit.chunk.id]]
    return [Passage(n, hit, tuple(sentences)) for n, (hit, sentences) in enumerate(shown, start=1)]


def format_passages(passages: Sequence[Passage]) -> str:
    """One `[n] text` line per passage; the text cannot close the `<passages>` block or start a new line."""
    return "\n".join(f"[{passage.n}] {' '.join(_DELIMITER.sub(' ', passage.text).split())}" for passage in passages)


def format_history(history: Sequence[Any] | None) -> str:
    """The recent conversation as `User:`/`Assistant:` lines, without citation markers."""
    lines = []
    for message in normalize_history(history)[-HISTORY_MESSAGES:]:
        speaker = "User" if message["role"] == "user" else "Assistant"
        text = " ".join(strip_markers(message["content"]).split())[:HISTORY_CHARS]
        lines.append(f"{speaker}: {text}")
    return "\n".join(lines)


def standalone_question(rewrite: str, question: str, history: Sequence[Any] | None) -> str:
    """The model's rewrite when it is a plausible question about the conversation, else the rule-based expansion."""
    lines = [line.strip() for line in rewrite.strip().splitlines() if line.strip()]
    candidate = re.sub(r"^(?:standalone|rewritten)?\s*question\s*:\s*", "", lines[0], flags=re.I) if lines else ""
    candidate = candidate.strip(" \"'“”")
    context = content_words(question + " " + format_history(history))
    if candidate and len(candidate) <= 3 * len(question) + 200 and content_words(candidate) & context:
        return candidate
    return expand_followup(question, history)


class GenerativeAnswerer:
    """(Rewrite with history) -> retrieve -> number passages -> prompt -> chat model -> parse -> verify.

    A generated sentence that its passage does not support is flagged or dropped; when none is left, the answer
    falls back to the extractive answerer's exact quotes (`Answer.fallback == "quotes"`).
    """

    def __init__(
        self,
        retrieve: Retrieve,
        embedder: Embedder,
        settings: Any,
        build_model: Callable[[str, Any], BaseChatModel] = build_chat_model,
        extractive: ExtractiveAnswerer | None = None,
    ) -> None:
        self.retrieve = retrieve
        self.embedder = embedder
        self.settings = settings
        self.verifier = CitationVerifier(embedder)
        self.extractive = extractive or ExtractiveAnswerer(embedder)
        self.build_model = build_model
        self._models: dict[str, BaseChatModel] = {}
        self._lock = threading.Lock()

    def model(self, name: str) -> BaseChatModel:
        """The chat model `name`, built on first use and kept."""
        check_generator(name, chat_only=True)
        with self._lock:
            if name not in self._models:
                self._models[name] = self.build_model(name, self.settings)
            return self._models[name]

    # -- the chain ----------------------------------------------------------------------------------
    def prepare(self, name: str) -> Runnable[ChainState, ChainState]:
        """A ChainState in; the same with its query, hits, passages and prompt messages filled in."""
        from langchain_core.runnables import RunnableLambda

        model = self.model(name)
        return (
            RunnableLambda(lambda state: self._condense(model, state), name="condense")
            | RunnableLambda(self._retrieve, name="retrieve")
            | RunnableLambda(self._number, name="number_passages")
            | RunnableLambda(self._prompt, name="prompt")
        ).with_config(run_name="prepare")

    def chain(self, name: str) -> Runnable[ChainState, Answer]:
        """The whole chain: a ChainState in, a verified Answer out."""
        from langchain_core.runnables import RunnableLambda

        model = self.model(name)

        def generate(state: ChainState, config: Any) -> ChainState:
            if state.passages:  # no passage relates to the question: nothing to ask the model
                state.draft = str(model.invoke(state.messages, config).text)
            return state

        return (
            self.prepare(name)
            | RunnableLambda(self._started_generation)
            | RunnableLambda(generate, name="generate")
            | RunnableLambda(self._verify, name="verify")
        ).with_config(run_name=f"answer-{name}")

    def answer(
        self,
        name: str,
        question: str,
        history: Sequence[Any] | None = None,
        k: int | None = None,
        sources: Sequence[str] | None = None,
    ) -> Answer:
        """The verified answer of generator `name`."""
        with reported_as_unavailable(name, self.settings):
            return self.chain(name).invoke(self._state(question, history, k, sources))

    def stream(
        self,
        name: str,
        question: str,
        history: Sequence[Any] | None = None,
        k: int | None = None,
        sources: Sequence[str] | None = None,
    ) -> Iterator[str | Answer]:
        """Yield the model's text as it is generated (links held back), then the verified Answer."""
        with reported_as_unavailable(name, self.settings):
            state = self._started_generation(self.prepare(name).invoke(self._state(question, history, k, sources)))
            parts: list[str] = []
            if state.passages:
                scrubber = StreamScrubber(" ".join(passage.text for passage in state.passages))
                for chunk in self.model(name).stream(state.messages):
                    text = str(chunk.text)
                    parts.append(text)
                    if "first_token" not in state.timings:
                        state.timings["first_token"] = time.perf_counter() - state.started
                    if safe := scrubber.feed(text):
                        yield safe
                if rest := scrubber.flush():
                    yield rest
        state.draft = "".join(parts)
        yield self._verify(state)

    # -- steps ----------------------------------------------------------------------------------------
    def _state(self, question: str, history: Sequence[Any] | None, k: int | None, sources: Any) -> ChainState:
        return ChainState(
            question=question,
            history=normalize_history(history),
            k=k or self.settings.k,
            sources=list(sources) if sources else None,
            started=time.perf_counter(),
        )

    def _condense(self, model: BaseChatModel, state: ChainState) -> ChainState:
        """The question made standalone by the model; without history there is nothing to rewrite."""
        state.query = state.question
        if state.history:
            began = time.perf_counter()
            messages = render_messages("condense", history=format_history(state.history), question=state.question)
            rewrite = str(model.invoke(messages, stop=["\n"]).text)  # one line: a long rewrite is a wrong one
            state.timings["condense"] = time.perf_counter() - began
            state.query = standalone_question(rewrite, state.question, state.history)
            logger.info("rewrote %r as %r", state.question, state.query)
        return state

    def _retrieve(self, state: ChainState) -> ChainState:
        began = time.perf_counter()
        state.hits = self.retrieve(state.query, state.k, state.sources)
        state.timings["retrieve"] = time.perf_counter() - began
        return state

    def _number(self, state: ChainState) -> ChainState:
        """The extractive answer first: when it refuses, so does the generator, and the model is not asked."""
        state.quotes = self.extractive.answer(state.question, state.hits, context=state.query)
        if not state.quotes.refused:
            state.passages = number_passages(state.query, state.hits, self.embedder, threshold=RELEVANCE_FLOOR)
        return state

    def _prompt(self, state: ChainState) -> ChainState:
        state.messages = render_messages("answer", passages=format_passages(state.passages), question=state.query)
        return state

    def _started_generation(self, state: ChainState) -> ChainState:
        state.prepared = time.perf_counter()
        return state

    def _verify(self, state: ChainState) -> Answer:
        generated = time.perf_counter()
        quotes = state.quotes
        answer = self.verifier.verify(state.query, state.draft, state.passages) if state.passages else None
        if quotes is not None and (quotes.refused or not _stands(answer, quotes)):
            # The generated answer stands only when every sentence it shows is supported and it cites what the
            # extractive answerer would quote (measured on the seeds: SmolLM2's other supported sentences seldom
            # answered the question, and its flagged ones were wrong); otherwise the quotes, marked as such, and a
            # refusal when the extractive answerer refuses.
            answer = quotes if quotes.refused else replace(quotes, fallback="quotes")
        finished = time.perf_counter()
        prepared = state.prepared if state.prepared is not None else generated
        timings = {
            **state.timings,
            "generate": generated - prepared,
            "verify": finished - generated,
            "total": finished - state.started,
        }
        return replace(answer, timings=timings)


def _stands(generated: Answer | None, quotes: Answer) -> bool:
    """Whether a checked generated answer may be shown instead of the quotes."""
    if generated is None or generated.refused:
        return False
    return _agrees(generated, quotes) and all(item.status != "unsupported" for item in generated.sentences or ())


def _agrees(generated: Answer, quotes: Answer) -> bool:
    """Whether a generated answer cites a sentence the extractive answer quotes (same document, overlapping span)."""
    return any(
        mine.source == theirs.source and mine.start < theirs.end and theirs.start < mine.end
        for mine in generated.citations
        for theirs in quotes.citations
    )


__all__ = [
    "ChainState",
    "GenerativeAnswerer",
    "format_history",
    "format_passages",
    "number_passages",
    "standalone_question",
]
