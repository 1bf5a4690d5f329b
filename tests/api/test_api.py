"""The HTTP API against real uvicorn servers on loopback: native routes, OpenAI clients, SSE, errors, keys, fuzzing."""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from assistant.api.app import create_app
from assistant.assistant import Assistant
from assistant.core.config import Settings
from assistant.core.errors import ConfigurationError, GeneratorUnavailableError
from assistant.documents.loaders import load
from assistant.embedding.fake import FakeEmbedder
from assistant.retrieval.store import ChromaStore
from tests.fixtures.paths import LIGHTHOUSE, ROOT, SEED_FILE, SEEDS
from tests.fixtures.servers import assistant_serve, free_port, launch, stop, uvicorn_thread, wait_for

SEED_TEXT = load(SEED_FILE).text
KEY = "test-key-0123456789"


def events(response: httpx.Response) -> list[tuple[str, str]]:
    """(event, data) pairs of a server-sent event stream; `event` is "message" when the stream names none."""
    found, event, data = [], "message", []
    for line in response.iter_lines():
        if not line:
            if data:
                found.append((event, "\n".join(data)))
            event, data = "message", []
        elif line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].strip())
    return found


# -- fast servers: the fake embedder, a real Chroma in a temp dir ------------------------------------------------
def fake_assistant(index: Path, **overrides) -> Assistant:
    overrides.setdefault("refusal_threshold", 0.3)  # calibrated for the real model, not the bag-of-words fake
    settings = Settings(index_dir=index, chunk_size=300, chunk_overlap=50, max_upload_mb=0.05, **overrides)
    return Assistant(settings, ChromaStore(settings), FakeEmbedder())


@pytest.fixture(scope="module")
def fake_index(tmp_path_factory) -> Path:
    index = tmp_path_factory.mktemp("api") / "index"
    fake_assistant(index).ingest([SEEDS], progress=False)
    return index


@pytest.fixture(scope="module")
def api(fake_index):
    app = create_app(fake_assistant(fake_index))
    with uvicorn_thread(app) as url, httpx.Client(base_url=url, timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def keyed_api(fake_index):
    with uvicorn_thread(create_app(fake_assistant(fake_index, api_key=KEY))) as url:
        yield url


QUESTION = "What did NATO call on Russia to do?"


def test_ask_returns_the_answer_contract_with_exact_quotes(api):
    response = api.post("/api/ask", json={"question": QUESTION, "k": 3})
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"answer", "refused", "citations", "timings"}
    assert not body["refused"] and body["citations"]
    for citation in body["citations"]:
        assert set(citation) >= {"n", "source", "chunk_id", "quote", "start", "end", "score"}
        assert SEED_TEXT[citation["start"] : citation["end"]] == citation["quote"]
        assert f"[{citation['n']}]" in body["answer"]


def test_ask_accepts_history_and_sources(api):
    history = [{"role": "user", "content": QUESTION}, {"role": "assistant", "content": "To de-escalate."}]
    body = {"question": "and what else?", "history": history, "sources": [SEED_FILE.name]}
    response = api.post("/api/ask", json=body)
    assert response.status_code == 200, response.text
    elsewhere = api.post("/api/ask", json={"question": QUESTION, "sources": ["no-such-document.txt"]}).json()
    assert elsewhere["refused"] and not elsewhere["citations"]


@pytest.mark.parametrize(
    ("path", "body", "status", "param"),
    [
        ("/api/ask", {"question": ""}, 422, "question"),
        ("/api/ask", {"question": "   \n"}, 422, "question"),
        ("/api/ask", {"question": "why " * 600}, 422, "question"),
        ("/api/ask", {}, 422, "question"),
        ("/api/ask", {"question": 42}, 422, "question"),
        ("/api/ask", {"question": "q?", "k": 0}, 422, "k"),
        ("/api/ask", {"question": "q?", "k": 51}, 422, "k"),
        ("/api/ask", {"question": "q?", "k": "many"}, 422, "k"),
        ("/api/ask", {"question": "q?", "generator": "gpt-9"}, 422, "generator"),
        ("/api/ask", {"question": "q?", "history": [{"role": "bot", "content": "hi"}]}, 422, "history.0.role"),
        ("/api/ask", {"question": "q?", "sources": "all"}, 422, "sources"),
        ("/api/ask", {"question": "q?", "temperature": 2}, 422, "temperature"),
        ("/api/ask", [QUESTION], 422, "body"),
        ("/api/chat/stream", {"question": ""}, 422, "question"),
        ("/v1/chat/completions", {"model": "extractive", "messages": []}, 422, "messages"),
        ("/v1/chat/completions", {"model": "gpt-9", "messages": [{"role": "user", "content": "q?"}]}, 404, "model"),
        (
            "/v1/chat/completions",
            {"model": "extractive", "messages": [{"role": "user", "content": " "}]},
            422,
            "messages",
        ),
        (
            "/v1/chat/completions",
            {"model": "extractive", "messages": [{"role": "assistant", "content": "hi"}]},
            422,
            "messages.0",
        ),
        ("/v1/chat/completions", {"messages": [{"role": "user", "content": "q?"}]}, 422, "model"),
    ],
)
def test_bad_requests_get_a_4xx_naming_the_field(api, path, body, status, param):
    response = api.post(path, json=body)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["param"] == param
    assert error["message"]


def test_malformed_json_is_a_422(api):
    response = api.post("/api/ask", content=b'{"question": ', headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["error"]["param"]


def test_oversized_bodies_are_refused_with_413(api):
    big = json.dumps({"question": "x" * (2 * 1024 * 1024)}).encode()
    declared = api.post("/api/ask", content=big, headers={"content-type": "application/json"})
    assert declared.status_code == 413
    assert declared.json()["error"]["param"] == "body"

    def chunks():  # no Content-Length: the limit is enforced while reading
        for begin in range(0, len(big), 65536):
            yield big[begin : begin + 65536]

    streamed = api.post("/api/ask", content=chunks(), headers={"content-type": "application/json"})
    assert streamed.status_code == 413


def test_stream_sends_deltas_then_the_final_answer(api):
    with api.stream("POST", "/api/chat/stream", json={"question": QUESTION}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        received = events(response)
    kinds = [kind for kind, _ in received]
    assert kinds[-1] == "answer" and set(kinds[:-1]) == {"delta"}
    final = json.loads(received[-1][1])
    assert "".join(json.loads(data)["text"] for _, data in received[:-1]) == final["answer"]
    expected = api.post("/api/ask", json={"question": QUESTION}).json()
    assert {**final, "timings": None} == {**expected, "timings": None}


def test_openai_client_gets_the_answer_and_its_citations(api):
    openai = pytest.importorskip("openai")
    client = openai.OpenAI(base_url=f"{api.base_url}/v1", api_key="unused")
    # `model` names a collection (the index opens as 'default'); the generator name "extractive" still works.
    assert [model.id for model in client.models.list()] == ["default"]
    expected = api.post("/api/ask", json={"question": QUESTION}).json()

    completion = client.chat.completions.create(model="extractive", messages=[{"role": "user", "content": QUESTION}])
    assert completion.choices[0].message.content == expected["answer"]
    assert completion.model_extra["citations"] == expected["citations"]

    stream = client.chat.completions.create(
        model="extractive",
        messages=[{"role": "user", "content": QUESTION}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    assert "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices) == expected["answer"]
    assert [chunk.model_extra.get("citations") for chunk in chunks if chunk.choices][-1] == expected["citations"]
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens > 0

    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(model="gpt-9", messages=[{"role": "user", "content": QUESTION}])
    with pytest.raises(openai.UnprocessableEntityError, match="empty"):
        client.chat.completions.create(model="extractive", messages=[{"role": "user", "content": ""}])


def test_langchain_chat_openai_in_an_lcel_chain(api):
    langchain_openai = pytest.importorskip("langchain_openai")
    from langchain_core.output_parsers import StrOutputParser
    from langchain_core.prompts import ChatPromptTemplate

    model = langchain_openai.ChatOpenAI(model="extractive", base_url=f"{api.base_url}/v1", api_key="unused")
    chain = ChatPromptTemplate.from_messages([("human", "{question}")]) | model | StrOutputParser()
    expected = api.post("/api/ask", json={"question": QUESTION}).json()["answer"]
    assert chain.invoke({"question": QUESTION}) == expected
    assert "".join(chain.stream({"question": QUESTION})) == expected
    from langchain_core.messages import AIMessage, HumanMessage

    follow_up = model.invoke([HumanMessage(QUESTION), AIMessage(expected), HumanMessage("and what else?")])
    assert follow_up.content


def test_documents_upload_list_ask_and_delete(api):
    with LIGHTHOUSE.open("rb") as handle:
        response = api.post("/api/documents", files={"file": ("lighthouse.txt", handle, "text/plain")})
    assert response.status_code == 201, response.text
    [document] = response.json()["documents"]
    assert document["source"] == "lighthouse.txt" and document["chunks"] > 0
    assert document["id"] in {doc["id"] for doc in api.get("/api/documents").json()["documents"]}

    answer = api.post("/api/ask", json={"question": "Who designed the Kestrel Point lighthouse?"}).json()
    assert answer["citations"] and {citation["source"] for citation in answer["citations"]} == {"lighthouse.txt"}
    for citation in answer["citations"]:
        assert LIGHTHOUSE.read_text()[citation["start"] : citation["end"]] == citation["quote"]

    changed = LIGHTHOUSE.read_text() + "\nThe light was automated in 1979.\n"
    again = api.post("/api/documents", files={"file": ("lighthouse.txt", changed.encode(), "text/plain")})
    assert again.status_code == 201 and again.json()["ingest"]["chunks_embedded"] > 0
    assert [doc["source"] for doc in api.get("/api/documents").json()["documents"]].count("lighthouse.txt") == 1

    deleted = api.delete(f"/api/documents/{document['id']}")
    assert deleted.status_code == 200 and deleted.json()["chunks_removed"] > 0
    assert not Path(document["id"]).exists()
    assert api.delete(f"/api/documents/{document['id']}").status_code == 404
    assert "lighthouse.txt" not in {doc["source"] for doc in api.get("/api/documents").json()["documents"]}


@pytest.mark.parametrize(
    ("name", "content", "status", "code"),
    [
        ("tool.exe", b"MZ\x90\x00", 415, "unsupported_file_type"),
        ("noext", b"plain words", 415, "unsupported_file_type"),
        ("empty.txt", b"", 422, "unreadable_file"),
        ("binary.txt", bytes(range(256)) * 8, 422, "unreadable_file"),
        ("big.txt", b"word " * 12000, 413, "file_too_large"),  # over the 0.05 MB limit of the fast server
        ("huge.txt", b"word " * 40000, 413, "request_too_large"),  # over the whole-request limit
    ],
)
def test_bad_uploads_are_refused_and_leave_nothing_behind(api, fake_index, name, content, status, code):
    before = api.get("/api/documents").json()["documents"]
    response = api.post("/api/documents", files={"file": (name, content, "application/octet-stream")})
    assert response.status_code == status, response.text
    assert response.json()["error"]["param"] in ("file", "body")
    assert response.json()["error"]["code"] == code
    assert api.get("/api/documents").json()["documents"] == before
    assert not [path for path in (fake_index / "uploads").glob("*") if path.name != "lighthouse.txt"]


def test_upload_names_cannot_escape_the_upload_folder(api, fake_index):
    response = api.post("/api/documents", files={"file": ("../../escape.txt", b"Escaping words here.", "text/plain")})
    assert response.status_code == 201, response.text
    [document] = response.json()["documents"]
    assert Path(document["id"]).parent == (fake_index / "uploads").resolve()
    assert api.delete(f"/api/documents/{document['id']}").status_code == 200


def test_healthz_reports_counts(api):
    body = api.get("/healthz").json()
    assert body["status"] == "ok" and body["documents"] >= 1 and body["chunks"] > 0


def test_unknown_routes_get_json_errors(api):
    response = api.get("/api/nope")
    assert response.status_code == 404 and response.json()["error"]["type"] == "not_found_error"


def test_api_key_is_required_on_api_and_v1_routes(keyed_api):
    ask = {"question": QUESTION}
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {KEY}"}, {"Authorization": KEY}):
        response = httpx.post(f"{keyed_api}/api/ask", json=ask, headers=headers)
        assert response.status_code == 401, headers
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json()["error"]["param"] == "Authorization"
    for method, path in (("GET", "/api/documents"), ("GET", "/v1/models"), ("DELETE", "/api/documents/x")):
        assert httpx.request(method, keyed_api + path).status_code == 401
    granted = httpx.post(f"{keyed_api}/api/ask", json=ask, headers={"Authorization": f"Bearer {KEY}"})
    assert granted.status_code == 200
    assert httpx.get(f"{keyed_api}/healthz").status_code == 200

    openai = pytest.importorskip("openai")
    client = openai.OpenAI(base_url=f"{keyed_api}/v1", api_key=KEY)
    assert client.chat.completions.create(model="extractive", messages=[{"role": "user", "content": QUESTION}]).choices
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=f"{keyed_api}/v1", api_key="wrong").models.list()


class FailingAssistant(Assistant):
    """Streams a first piece, then fails; or fails before anything is produced."""

    failure: Exception = RuntimeError("boom")
    partial = True

    def stream(self, question, history=None, **options):
        self.validate_question(question)
        if self.partial:
            yield "A first piece"
        raise self.failure

    def ask(self, question, history=None, **options):
        raise self.failure


@pytest.fixture
def failing(fake_index):
    from fastapi.testclient import TestClient

    settings = Settings(index_dir=fake_index, chunk_size=300, chunk_overlap=50)
    assistant = FailingAssistant(settings, ChromaStore(settings), FakeEmbedder())
    return assistant, TestClient(create_app(assistant), raise_server_exceptions=False)


def test_a_failure_mid_stream_is_reported_in_band(failing):
    assistant, client = failing
    assistant.failure = GeneratorUnavailableError("The LLM endpoint went away. Check ASSISTANT_LLM_BASE_URL.")
    with client.stream("POST", "/api/chat/stream", json={"question": QUESTION}) as response:
        received = events(response)
    assert [kind for kind, _ in received] == ["delta", "error"]
    assert json.loads(received[1][1])["error"]["code"] == "generator_unavailable"
    body = {"model": "extractive", "messages": [{"role": "user", "content": QUESTION}], "stream": True}
    with client.stream("POST", "/v1/chat/completions", json=body) as response:
        received = events(response)
    assert received[-1] == ("message", "[DONE]")
    assert any("error" in json.loads(data) for _, data in received[:-1])


@pytest.mark.parametrize(
    ("failure", "status", "message"),
    [
        (GeneratorUnavailableError("The LLM endpoint went away."), 503, "went away"),
        (ConfigurationError("ASSISTANT_LLM_MODEL is not set. Set it."), 500, "ASSISTANT_LLM_MODEL"),
        (RuntimeError("secret internals"), 500, "see the server log"),
    ],
)
def test_server_side_failures_are_json_errors(failing, failure, status, message):
    assistant, client = failing
    assistant.failure, assistant.partial = failure, False
    for path, body in (
        ("/api/ask", {"question": QUESTION}),
        ("/api/chat/stream", {"question": QUESTION}),
        ("/v1/chat/completions", {"model": "extractive", "messages": [{"role": "user", "content": QUESTION}]}),
    ):
        response = client.post(path, json=body)
        assert response.status_code == status, path
        assert message in response.json()["error"]["message"]
        assert "secret" not in response.text


def test_an_unreachable_chroma_server_is_a_503_health_and_json_errors(tmp_path):
    from fastapi.testclient import TestClient

    settings = Settings(index_dir=tmp_path / "index", chroma_url=f"http://127.0.0.1:{free_port()}")
    client = TestClient(
        create_app(Assistant(settings, ChromaStore(settings), FakeEmbedder())), raise_server_exceptions=False
    )
    health = client.get("/healthz")
    assert health.status_code == 503 and health.json()["status"] == "unavailable"
    assert "127.0.0.1" not in health.text
    response = client.post("/api/ask", json={"question": QUESTION})
    assert response.status_code >= 500 and response.json()["error"]["type"] == "server_error"


def test_importing_the_api_does_not_import_gradio():
    code = "import sys, assistant.api.app; assert 'gradio' not in sys.modules, 'gradio was imported'"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_the_page_is_mounted_at_the_root_only_when_asked(fake_index):
    from fastapi.testclient import TestClient

    import assistant.api.server as server_module

    api_only = create_app(fake_assistant(fake_index))
    assert TestClient(api_only).get("/").status_code == 404
    with_page = create_app(fake_assistant(fake_index))
    server_module.mount_ui(with_page)
    client = TestClient(with_page)
    assert client.get("/").status_code == 200 and client.get("/healthz").status_code == 200


# -- fuzzing the OpenAPI schema -----------------------------------------------------------------------------------
# Driven with hypothesis directly: schemathesis' lazy pytest fixture does not run under pytest 9.
OPERATIONS = [
    ("GET", "/healthz"),
    ("POST", "/api/ask"),
    ("POST", "/api/chat/stream"),
    ("POST", "/v1/chat/completions"),
    ("GET", "/v1/models"),
    ("GET", "/api/documents"),
    ("POST", "/api/documents"),
    ("DELETE", "/api/documents/{document_id}"),
    ("GET", "/api/documents/{document_id}/text"),
    ("GET", "/api/citations/text"),
    ("GET", "/api/collections"),
    ("POST", "/api/collections"),
    ("GET", "/api/collections/{collection_id}"),
    ("PATCH", "/api/collections/{collection_id}"),
    ("DELETE", "/api/collections/{collection_id}"),
    ("PUT", "/api/collections/{collection_id}/readers/{reader}"),
    ("DELETE", "/api/collections/{collection_id}/readers/{reader}"),
    ("GET", "/api/conversations"),
    ("POST", "/api/conversations"),
    ("GET", "/api/conversations/{conversation_id}"),
    ("PATCH", "/api/conversations/{conversation_id}"),
    ("DELETE", "/api/conversations/{conversation_id}"),
    ("GET", "/api/conversations/{conversation_id}/export"),
]


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory):
    schemathesis = pytest.importorskip("schemathesis")
    # Its own index: fuzzed uploads and deletes must not disturb the other tests.
    index = tmp_path_factory.mktemp("fuzz") / "index"
    fake_assistant(index).ingest([SEEDS], progress=False)
    return schemathesis.openapi.from_asgi("/openapi.json", create_app(fake_assistant(index)))


def test_the_fuzzed_operations_are_all_the_operations(api_schema):
    found = {(result.ok().method.upper(), result.ok().path) for result in api_schema.get_all_operations()}
    assert found == set(OPERATIONS)


@pytest.mark.integration
@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_fuzzed_requests_never_get_a_server_error(api_schema, method, path):
    from hypothesis import HealthCheck, given, settings, strategies
    from schemathesis import GenerationMode
    from schemathesis.checks import not_a_server_error

    operation = api_schema[path][method]
    cases = strategies.one_of(*(operation.as_strategy(mode) for mode in GenerationMode))
    statuses = []

    @given(case=cases)
    @settings(max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def fuzz(case):
        statuses.append(case.call_and_validate(checks=[not_a_server_error]).status_code)

    fuzz()
    assert statuses and max(statuses) < 500


# -- the real model behind `assistant serve` ----------------------------------------------------------------------
AUTH = {"Authorization": f"Bearer {KEY}"}


@pytest.fixture(scope="module")
def served(tmp_path_factory, request):
    """A real `assistant serve` with an API key (packaged model, Gradio page at /); seeds uploaded through the API."""
    folder = tmp_path_factory.mktemp("served")
    port = free_port()
    process = launch(assistant_serve(port, folder / "index"), folder / "serve.log", env={"ASSISTANT_API_KEY": KEY})
    url = f"http://127.0.0.1:{port}"
    try:
        request.getfixturevalue("seeded_index")  # build the in-process index while the server starts
        wait_for(process, f"{url}/healthz", folder / "serve.log")
        with SEED_FILE.open("rb") as handle:
            uploaded = httpx.post(
                f"{url}/api/documents", files={"file": (SEED_FILE.name, handle)}, headers=AUTH, timeout=120
            )
        assert uploaded.status_code == 201, uploaded.text
        yield url
    finally:
        stop(process)


SEED_QUESTIONS = [json.loads(line) for line in (ROOT / "tests" / "data" / "seed_questions.jsonl").open()]


def ask_served(url: str, question: str, timeout: float = 60) -> httpx.Response:
    return httpx.post(f"{url}/api/ask", json={"question": question}, headers=AUTH, timeout=timeout)


@pytest.mark.integration
def test_served_answers_match_the_python_api(served, seeded_index):
    for item in SEED_QUESTIONS[::8]:
        expected = seeded_index.ask(item["question"]).to_dict()
        got = ask_served(served, item["question"]).json()
        assert (got["answer"], got["refused"]) == (expected["answer"], expected["refused"]), item["id"]
        assert [c["quote"] for c in got["citations"]] == [c["quote"] for c in expected["citations"]]


@pytest.mark.integration
def test_served_openai_client_and_chat_openai(served):
    openai = pytest.importorskip("openai")
    langchain_openai = pytest.importorskip("langchain_openai")
    client = openai.OpenAI(base_url=f"{served}/v1", api_key=KEY)
    completion = client.chat.completions.create(
        model="extractive", messages=[{"role": "user", "content": "Who is the secretary-general of NATO?"}]
    )
    assert "Stoltenberg" in completion.choices[0].message.content
    for citation in completion.model_extra["citations"]:
        assert SEED_TEXT[citation["start"] : citation["end"]] == citation["quote"]
    model = langchain_openai.ChatOpenAI(model="extractive", base_url=f"{served}/v1", api_key=KEY)
    streamed = "".join(chunk.content for chunk in model.stream("Which council did NATO invite Russia to meet in?"))
    assert "NATO-Russia Council" in streamed
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=f"{served}/v1", api_key="wrong").models.list()


@pytest.mark.integration
def test_served_stream_and_refusal(served):
    question = {"question": "What is the capital of Australia?"}
    with httpx.stream("POST", f"{served}/api/chat/stream", json=question, headers=AUTH, timeout=60) as response:
        received = events(response)
    assert received[-1][0] == "answer" and json.loads(received[-1][1])["refused"] is True


@pytest.mark.integration
def test_served_concurrent_requests_answer_like_serial_ones(served):
    questions = [item["question"] for item in SEED_QUESTIONS[:10]]
    serial = {question: ask_served(served, question).json()["answer"] for question in questions}

    def ask(question: str) -> tuple[str, int, str]:
        response = ask_served(served, question, timeout=120)
        return question, response.status_code, response.json().get("answer")

    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(ask, questions * 4))
    assert all(status == 200 for _, status, _ in results)
    assert all(answer == serial[question] for question, _, answer in results)


@pytest.mark.integration
def test_served_page_is_mounted_at_root_behind_a_login(served):
    with httpx.Client(base_url=served, timeout=30) as browser:
        page = browser.get("/")
        assert page.status_code == 200 and "<html" in page.text.lower()
        assert browser.get("/config").status_code == 401
        assert browser.post("/login", data={"username": "me", "password": "wrong"}).status_code >= 400
        assert browser.post("/login", data={"username": "me", "password": KEY}).status_code == 200
        assert browser.get("/config").status_code == 200


@pytest.mark.parametrize(
    ("api_key", "login", "username", "password", "allowed"),
    [
        (None, None, "any", "any", None),
        (KEY, None, "any", KEY, True),
        (KEY, None, "any", "wrong", False),
        (None, "ann:secret", "ann", "secret", True),
        (None, "ann:secret", "bob", "secret", False),
        (KEY, "ann:secret", "bob", KEY, True),
    ],
)
def test_page_login_accepts_the_api_key_or_the_configured_login(tmp_path, api_key, login, username, password, allowed):
    from assistant.api.server import _ui_auth
    from assistant.workspace import Workspace

    settings = Settings(index_dir=tmp_path / "index", api_key=api_key, auth=login, users_file=None)
    check = _ui_auth(Workspace.from_settings(settings, FakeEmbedder()))
    assert (check(username, password) if check else None) == allowed
