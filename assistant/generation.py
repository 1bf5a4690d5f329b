"""Generated answers: an LCEL chain from question to verified Answer over a LangChain chat model."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from assistant.answering import refusal, score_sentences
from assistant.citations import content_words, quotable
from assistant.conversation import expand_followup, normalize_history
from assistant.embeddings import Embedder
from assistant.errors import ConfigurationError, GeneratorUnavailableError
from assistant.generators import CHAT_BACKENDS, build_chat_model
from assistant.prompts import render_messages
from assistant.types import Answer, Hit
from assistant.verification import CitationVerifier, Passage, scrub

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
_MARKER = re.compile(r"\s*\[\d+(?:\s*,\s*\d+)*\]")
_LINK = re.compile(r"!?\[[^\]]*\]\([^)]*\)")
# Longest text held back while waiting for a possible link to end.
HELD_CHARS = 400

Retrieve = Callable[[str, int, Sequence[str] | None], list[Hit]]


def number_passages(
    question: str, hits: Sequence[Hit], embedder: Embedder, budget: int = PASSAGE_BUDGET_CHARS, threshold: float = 0.0,
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
        text = " ".join(_MARKER.sub("", message["content"]).split())[:HISTORY_CHARS]
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


class StreamScrubber:
    """Passes model text through as it arrives, holding back only what may become a link, image or address."""

    def __init__(self, allowed: str) -> None:
        self.allowed = allowed
        self.pending = ""

    def feed(self, delta: str) -> str:
        self.pending += delta
        cut = max(self.pending.rfind(" "), self.pending.rfind("\n")) + 1  # whole words only
        for match in _LINK.finditer(self.pending):
            if match.start() < cut < match.end():
                cut = match.start()  # a finished link is let out whole, or not yet
        unfinished = _unfinished_link(self.pending)
        cut = cut if unfinished is None else min(cut, unfinished)
        ready, self.pending = self.pending[:cut], self.pending[cut:]
        return scrub(ready, self.allowed)

    def flush(self) -> str:
        ready, self.pending = self.pending, ""
        return scrub(ready, self.allowed)


def _unfinished_link(text: str) -> int | None:
    """Where a `[text](target)` or `![alt](src)` begins that has not ended yet (citation markers excepted)."""
    for match in re.finditer(r"!?\[", text):
        rest = text[match.start() :]
        if len(rest) > HELD_CHARS or _LINK.match(rest) or re.match(r"!?\[[^\]]*\][^(]", rest):
            continue  # too long to be a link, a whole link, or brackets without a target (`[1] `)
        return match.start()
    return None


class GenerativeAnswerer:
    """(Rewrite with history) -> retrieve -> number passages -> prompt -> chat model -> parse -> verify."""

    def __init__(
        self,
        retrieve: Retrieve,
        embedder: Embedder,
        settings: Any,
        build_model: Callable[[str, Any], BaseChatModel] = build_chat_model,
    ) -> None:
        self.retrieve = retrieve
        self.embedder = embedder
        self.settings = settings
        self.verifier = CitationVerifier(embedder)
        self.build_model = build_model
        self._models: dict[str, BaseChatModel] = {}
        self._lock = threading.Lock()

    def model(self, name: str) -> BaseChatModel:
        """The chat model `name`, built on first use and kept."""
        if name not in CHAT_BACKENDS:
            raise ConfigurationError(
                f"Unknown generator {name!r}; choose extractive, {', '.join(CHAT_BACKENDS)} "
                "(ASSISTANT_GENERATOR, or --generator on the command line)."
            )
        with self._lock:
            if name not in self._models:
                self._models[name] = self.build_model(name, self.settings)
            return self._models[name]

    # -- the chain ----------------------------------------------------------------------------------
    def prepare(self, name: str) -> Runnable:
        """`{"question", "history", "k", "sources"}` -> the same plus query, hits, passages and messages."""
        from langchain_core.runnables import RunnableLambda, RunnablePassthrough

        model = self.model(name)
        return (
            RunnablePassthrough.assign(query=RunnableLambda(lambda state: self._condense(model, state)))
            | RunnablePassthrough.assign(hits=RunnableLambda(self._retrieve))
            | RunnablePassthrough.assign(passages=RunnableLambda(self._number))
            | RunnablePassthrough.assign(messages=RunnableLambda(self._prompt))
        ).with_config(run_name="prepare")

    def chain(self, name: str) -> Runnable:
        """The whole chain: inputs as for `prepare`, a verified Answer out."""
        from langchain_core.output_parsers import StrOutputParser
        from langchain_core.runnables import RunnableBranch, RunnableLambda, RunnablePassthrough

        generate = RunnablePassthrough.assign(
            draft=RunnableLambda(lambda state: state["messages"]) | self.model(name) | StrOutputParser()
        )
        skip = RunnablePassthrough.assign(draft=lambda state: "")
        return (
            self.prepare(name)
            | RunnableLambda(self._started_generation)
            | RunnableBranch((lambda state: not state["passages"], skip), generate)
            | RunnableLambda(self._verify)
        ).with_config(run_name=f"answer-{name}")

    def answer(
        self, name: str, question: str, history: Sequence[Any] | None = None, k: int | None = None,
        sources: Sequence[str] | None = None,
    ) -> Answer:
        """The verified answer of generator `name`."""
        with _reported_as_unavailable(name, self.settings):
            return self.chain(name).invoke(self._inputs(question, history, k, sources))

    def stream(
        self, name: str, question: str, history: Sequence[Any] | None = None, k: int | None = None,
        sources: Sequence[str] | None = None,
    ) -> Iterator[str | Answer]:
        """Yield the model's text as it is generated (links held back), then the verified Answer."""
        with _reported_as_unavailable(name, self.settings):
            state = self._started_generation(self.prepare(name).invoke(self._inputs(question, history, k, sources)))
            parts: list[str] = []
            if state["passages"]:
                scrubber = StreamScrubber(" ".join(passage.text for passage in state["passages"]))
                for chunk in self.model(name).stream(state["messages"]):
                    text = str(chunk.text)
                    parts.append(text)
                    if "first_token" not in state["timings"]:
                        state["timings"]["first_token"] = time.perf_counter() - state["started"]
                    if safe := scrubber.feed(text):
                        yield safe
                if rest := scrubber.flush():
                    yield rest
        yield self._verify({**state, "draft": "".join(parts)})

    # -- steps ----------------------------------------------------------------------------------------
    def _inputs(self, question: str, history: Sequence[Any] | None, k: int | None, sources: Any) -> dict[str, Any]:
        started = time.perf_counter()
        return {"question": question, "history": list(history or []), "k": k or self.settings.k,
                "sources": list(sources) if sources else None, "started": started, "timings": {}}

    def _condense(self, model: BaseChatModel, state: dict[str, Any]) -> str:
        """The question made standalone by the model; without history there is nothing to rewrite."""
        if not normalize_history(state["history"]):
            return state["question"]
        began = time.perf_counter()
        messages = render_messages("condense", history=format_history(state["history"]), question=state["question"])
        rewrite = str(model.invoke(messages, stop=["\n"]).text)  # one line: a long rewrite is a wrong one
        state["timings"]["condense"] = time.perf_counter() - began
        query = standalone_question(rewrite, state["question"], state["history"])
        logger.info("rewrote %r as %r", state["question"], query)
        return query

    def _retrieve(self, state: dict[str, Any]) -> list[Hit]:
        began = time.perf_counter()
        hits = self.retrieve(state["query"], state["k"], state["sources"])
        state["timings"]["retrieve"] = time.perf_counter() - began
        return hits

    def _number(self, state: dict[str, Any]) -> list[Passage]:
        return number_passages(state["query"], state["hits"], self.embedder, threshold=RELEVANCE_FLOOR)

    def _prompt(self, state: dict[str, Any]) -> list[tuple[str, str]]:
        return render_messages("answer", passages=format_passages(state["passages"]), question=state["query"])

    def _started_generation(self, state: dict[str, Any]) -> dict[str, Any]:
        state["timings"]["prepared"] = time.perf_counter()
        return state

    def _verify(self, state: dict[str, Any]) -> Answer:
        generated = time.perf_counter()
        if not state["passages"]:
            answer = refusal(state["question"], state["hits"])
        else:
            answer = self.verifier.verify(state["query"], state["draft"], state["passages"])
            if answer.refused:  # worded with the question as the user asked it
                answer = replace(answer, text=refusal(state["question"], state["hits"]).text)
        finished = time.perf_counter()
        timings = dict(state["timings"])
        prepared = timings.pop("prepared", generated)
        timings.update(generate=generated - prepared, verify=finished - generated, total=finished - state["started"])
        return replace(answer, timings=timings)


@contextmanager
def _reported_as_unavailable(name: str, settings: Any) -> Iterator[None]:
    """Turns a backend's connection, timeout or authentication failure into GeneratorUnavailableError."""
    try:
        yield
    except GeneratorUnavailableError:
        raise
    except Exception as error:
        message = unavailable_message(name, settings, error)
        if message is None:
            raise
        raise GeneratorUnavailableError(message) from error


def unavailable_message(name: str, settings: Any, error: BaseException) -> str | None:
    """A message naming the setting and the fix, when `error` means the generator's backend cannot be reached."""
    kinds = {cls.__name__ for cls in type(error).__mro__}
    detail = str(error).rstrip(". ") or type(error).__name__
    where = {
        "openai": f"the OpenAI-compatible endpoint {settings.llm_base_url or 'api.openai.com'} "
        "(ASSISTANT_LLM_BASE_URL)",
        "ollama": f"the Ollama server {settings.ollama_url} (ASSISTANT_OLLAMA_URL)",
    }.get(name, f"the {name} generator")
    if kinds & {"AuthenticationError", "PermissionDeniedError"}:
        return f"{where} refused the API key ({detail}). Set ASSISTANT_LLM_API_KEY (or OPENAI_API_KEY)."
    if kinds & {"NotFoundError"} or (kinds & {"ResponseError"} and "not found" in str(error).lower()):
        return (f"{where} has no model {settings.llm_model!r} ({detail}). "
                "Set ASSISTANT_LLM_MODEL to a model the server lists.")
    if kinds & {"APIConnectionError", "APITimeoutError", "ConnectError", "ConnectTimeout", "ReadTimeout",
                "TimeoutException", "TransportError", "ConnectionError", "TimeoutError"}:
        return (f"Cannot reach {where}: {detail}. Start the server or fix the URL, raise ASSISTANT_LLM_TIMEOUT "
                "if it is slow, or answer with --generator extractive.")
    return None


__all__ = ["GenerativeAnswerer", "StreamScrubber", "format_history", "format_passages", "number_passages",
           "standalone_question", "unavailable_message"]
