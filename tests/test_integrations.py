"""LangChain adapters: the retriever and the runnable, each inside a small LCEL chain."""

from __future__ import annotations

from operator import itemgetter

import pytest
from langchain_core.documents import Document
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import Runnable, RunnableLambda, RunnablePassthrough

from assistant.answering.conversation import normalize_history
from assistant.assistant import Assistant
from assistant.core.config import Settings
from assistant.core.errors import AssistantError, InvalidQuestionError
from assistant.documents.loaders import load
from assistant.embedding.fake import FakeEmbedder
from assistant.retrieval.store import ChromaStore
from tests.fixtures.paths import LIGHTHOUSE, SEED_FILE, SEEDS

SEED_TEXT = load(SEED_FILE).text
QUESTION = "What did NATO call on Russia to do?"


@pytest.fixture(scope="module")
def assistant(tmp_path_factory) -> Assistant:
    settings = Settings(index_dir=tmp_path_factory.mktemp("lc") / "index", chunk_size=300, chunk_overlap=50)
    built = Assistant(settings, ChromaStore(settings), FakeEmbedder())
    built.ingest([SEEDS, LIGHTHOUSE], progress=False)
    return built


def format_docs(docs: list[Document]) -> str:
    return "\n\n".join(
        f"[{doc.metadata['source']} {doc.metadata['start']}-{doc.metadata['end']}] {doc.page_content}" for doc in docs
    )


def test_retriever_documents_carry_source_offsets_chunk_id_and_score(assistant):
    retriever = assistant.as_retriever(k=3)
    assert isinstance(retriever, BaseRetriever)
    docs = retriever.invoke(QUESTION)
    assert len(docs) == 3
    assert [doc.metadata["rank"] for doc in docs] == [1, 2, 3]
    assert docs[0].metadata["score"] >= docs[-1].metadata["score"]
    for doc in docs:
        assert {"source", "start", "end", "chunk_id", "score", "rank"} <= set(doc.metadata)
        assert doc.id == doc.metadata["chunk_id"]
        text = SEED_TEXT if doc.metadata["source"] == SEED_FILE.name else load(LIGHTHOUSE).text
        assert text[doc.metadata["start"] : doc.metadata["end"]] == doc.page_content


def test_retriever_filters_by_source_and_defaults_k_to_the_settings(assistant):
    docs = assistant.as_retriever(sources=["lighthouse.txt"]).invoke(QUESTION)
    assert docs and {doc.metadata["source"] for doc in docs} == {"lighthouse.txt"}
    assert len(assistant.as_retriever().invoke(QUESTION)) == assistant.settings.k


def test_retriever_refuses_bad_values(assistant):
    with pytest.raises(InvalidQuestionError):
        assistant.as_retriever().invoke("   ")
    with pytest.raises(ValueError, match="k"):
        assistant.as_retriever(k=0)


def test_retriever_inside_an_lcel_rag_chain(assistant):
    prompt = ChatPromptTemplate.from_messages(
        [("system", "Answer from these passages only:\n{context}"), ("human", "{question}")]
    )
    seen = []

    def remember(value):
        seen.append(value.to_string())
        return value

    model = FakeListChatModel(responses=["They called on Russia to de-escalate."])
    chain = (
        {"context": assistant.as_retriever(k=2) | format_docs, "question": RunnablePassthrough()}
        | prompt
        | RunnableLambda(remember)
        | model
        | StrOutputParser()
    )
    assert chain.invoke(QUESTION) == "They called on Russia to de-escalate."
    assert SEED_FILE.name in seen[0] and QUESTION in seen[0]


def test_runnable_returns_the_answer_dict(assistant):
    runnable = assistant.as_runnable()
    assert isinstance(runnable, Runnable)
    result = runnable.invoke({"question": QUESTION})
    assert set(result) == {"answer", "refused", "citations", "timings"}
    assert result["answer"] == assistant.ask(QUESTION).text
    assert runnable.invoke(QUESTION)["answer"] == result["answer"]
    schema = runnable.get_input_jsonschema()
    schema = schema["$defs"]["AssistantInput"] if "$defs" in schema else schema
    assert schema["required"] == ["question"] and {"history", "k", "sources", "generator"} <= set(schema["properties"])


def test_runnable_inside_an_lcel_chain_with_batch_and_history(assistant):
    chain = (
        {"question": itemgetter("q"), "history": itemgetter("history"), "k": lambda _: 2}
        | assistant.as_runnable()
        | RunnableLambda(lambda answer: (answer["answer"], [c["source"] for c in answer["citations"]]))
    )
    history = [HumanMessage(QUESTION), AIMessage("To de-escalate."), SystemMessage("ignored")]
    results = chain.batch([{"q": QUESTION, "history": []}, {"q": "and what else?", "history": history}])
    assert len(results) == 2 and all(text for text, _ in results)
    expected = assistant.ask("and what else?", history=[{"role": "user", "content": QUESTION}], k=2).text
    assert results[1][0] == expected


def test_runnable_passes_the_generator_through(assistant):
    result = assistant.as_runnable().invoke({"question": QUESTION, "generator": "extractive"})
    assert result["answer"] == assistant.ask(QUESTION).text
    with pytest.raises(AssistantError, match="nonexistent"):
        assistant.as_runnable().invoke({"question": QUESTION, "generator": "nonexistent"})


def test_runnable_rejects_input_without_a_question(assistant):
    with pytest.raises(TypeError, match="question"):
        assistant.as_runnable().invoke({"query": QUESTION})
    with pytest.raises(InvalidQuestionError):
        assistant.as_runnable().invoke({"question": ""})


def test_langchain_messages_are_read_as_history():
    history = [HumanMessage("hi"), AIMessage("hello"), SystemMessage("be brief"), {"role": "user", "content": "x"}]
    assert normalize_history(history) == [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "hello"},
        {"role": "user", "content": "x"},
    ]
    assert normalize_history(None) == []


@pytest.mark.integration
def test_real_model_retriever_and_runnable(seeded_index):
    docs = seeded_index.as_retriever(k=2).invoke("Who is the secretary-general of NATO?")
    assert "Stoltenberg" in docs[0].page_content
    chain = seeded_index.as_runnable() | itemgetter("answer")
    answer = chain.invoke({"question": "Which council did NATO invite Russia to meet in?"})
    assert "NATO-Russia Council" in answer
