"""The public API end to end: the real packaged model and a real Chroma index of the seeds."""

import pytest

from assistant.assistant import Assistant
from assistant.core.config import Settings
from assistant.core.errors import IndexNotFoundError, InvalidQuestionError
from assistant.documents.loaders import load
from tests.fixtures.paths import SEED_FILE

pytestmark = pytest.mark.integration
SEED_TEXT = load(SEED_FILE).text


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What did NATO call on Russia to do?", "de-escalate"),
        ("Who is the secretary-general of NATO?", "Jens Stoltenberg"),
        ("Which council did NATO invite Russia to meet in?", "NATO-Russia Council"),
        # "Which organisation is also a relevant platform?" is refused since sentence vectors are read in context: a
        # short sentence's vector leans to its neighbours' topic (support 0.42 < 0.44); over the seeds and
        # SQuAD-dev-a the in-context vectors pick the right sentence more often (bench/answer_model.py).
        ("Which platform besides the NATO-Russia Council is mentioned as relevant?", "OSCE"),
    ],
)
def test_answers_quote_the_source_exactly(seeded_index, question, expected):
    answer = seeded_index.ask(question)
    assert not answer.refused, answer.text
    assert expected in answer.text
    assert answer.citations
    for citation in answer.citations:
        assert SEED_TEXT[citation.start : citation.end] == citation.quote
        assert f"[{citation.n}]" in answer.text
        assert citation.source == SEED_FILE.name


@pytest.mark.parametrize(
    "question",
    [
        "How many troops did Russia deploy near the border?",
        "What is the capital of Australia?",
        "What recipe does the document give for chocolate cake?",
    ],
)
def test_questions_the_seeds_do_not_answer_are_refused(seeded_index, question):
    answer = seeded_index.ask(question)
    assert answer.refused, answer.text
    assert answer.citations == []
    assert answer.passages, "a refusal still offers the closest passages"


def test_followup_uses_the_conversation(seeded_index):
    history = [
        {"role": "user", "content": "Who did the NATO secretary-general welcome to headquarters?"},
        {"role": "assistant", "content": seeded_index.ask("Who did the NATO secretary-general welcome?").text},
    ]
    answer = seeded_index.ask("And what did he say about further aggression?", history=history)
    assert not answer.refused
    assert "severe consequences" in answer.text or "high price" in answer.text


def test_sources_filter_restricts_retrieval(seeded_index):
    answer = seeded_index.ask("What did NATO call on Russia to do?", sources=["no-such-document.txt"])
    assert answer.refused and answer.passages == []


@pytest.mark.parametrize("question", ["", "   \n", "x" * 2001])
def test_bad_questions_are_rejected(seeded_index, question):
    with pytest.raises(InvalidQuestionError):
        seeded_index.ask(question)


def test_missing_index_is_a_clear_error(tmp_path, real_embedder):
    from assistant.retrieval.store import ChromaStore

    settings = Settings(index_dir=tmp_path / "nothing-here")
    assistant = Assistant(settings, ChromaStore(settings), real_embedder)
    with pytest.raises(IndexNotFoundError, match="assistant ingest"):
        assistant.ask("Anything?")
    assert not (tmp_path / "nothing-here").exists(), "asking must not create an empty index"


def test_documents_lists_the_seed(seeded_index):
    (document,) = seeded_index.documents()
    assert document.source == SEED_FILE.name and document.chunks > 0 and len(document.sha256) == 64
    assert document.to_dict() == {"id": document.id, "source": SEED_FILE.name, "chunks": document.chunks}


def test_generators_offer_the_configured_one_first(tmp_path):
    assert Assistant.from_settings(index_dir=tmp_path, embedding_backend="fake").generators() == ["extractive"]
    openai = Assistant.from_settings(index_dir=tmp_path, embedding_backend="fake", generator="openai")
    assert openai.generators() == ["openai", "extractive"]


def test_timings_are_reported(seeded_index):
    timings = seeded_index.ask("What did NATO call on Russia to do?").timings
    assert set(timings) >= {"retrieve", "answer", "total"}
    assert timings["total"] >= timings["retrieve"] > 0
