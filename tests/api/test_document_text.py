"""Documents of every format uploaded over HTTP, asked about, and their text served around each citation."""

from __future__ import annotations

import httpx
import pytest

from assistant.api.app import create_app
from assistant.assistant import Assistant
from assistant.core.config import Settings
from assistant.embedding.fake import FakeEmbedder
from assistant.retrieval.store import ChromaStore
from tests.documents import writers
from tests.fixtures.servers import uvicorn_thread

# (file, writer, question, words of the quote, location)
UPLOADS = [
    ("review.pptx", writers.write_pptx, "How many engineers did the company hire in Lisbon?", "forty", {"slide": 2}),
    ("sales.xlsx", writers.write_xlsx, "What revenue did the East region make?", "East", {"sheet": "Sales", "row": 4}),
    ("observatory.docx", writers.write_docx, "When was the Solar Tower first light?", "Solar Tower",
     {"section": "Instruments", "table": 1, "row": 3}),
    ("voyage.epub", writers.write_epub, "What did the crew find on the island?", "fresh water",
     {"chapter": "The Island"}),
    ("budget.eml", writers.write_eml, "In which room is the budget meeting?", "room 4", {"part": "body"}),
    ("garden.odt", writers.write_odt, "Which bed do the tomatoes go in?", "south bed", {"section": "Garden plan"}),
    ("cities.csv", writers.write_csv, "What is the population of Porto?", "Porto", {"row": 3}),
]  # fmt: skip


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    folder = tmp_path_factory.mktemp("api-formats")
    settings = Settings(index_dir=folder / "index", chunk_size=300, chunk_overlap=40, refusal_threshold=0.2)
    assistant = Assistant(settings, ChromaStore(settings), FakeEmbedder())
    with uvicorn_thread(create_app(assistant)) as url, httpx.Client(base_url=url, timeout=60) as client:
        files = []
        for name, write, *_ in UPLOADS:
            files.append(("file", (name, write(folder / name).read_bytes(), "application/octet-stream")))
        response = client.post("/api/documents", files=files)
        assert response.status_code == 201, response.text
        assert response.json()["ingest"]["files"] == len(UPLOADS)
        yield client


@pytest.mark.parametrize(("name", "question", "words", "location"), [(u[0], u[2], u[3], u[4]) for u in UPLOADS])
def test_an_uploaded_format_answers_and_its_citation_is_served_in_context(api, name, question, words, location):
    answer = api.post("/api/ask", json={"question": question, "sources": [name]}).json()
    citation = next(c for c in answer["citations"] if words in c["quote"])
    assert citation["source"] == name and citation["location"] == location

    span = api.get(
        "/api/citations/text",
        params={"chunk_id": citation["chunk_id"], "start": citation["start"], "end": citation["end"], "context": 30},
    ).json()
    assert span["source"] == name and span["highlight"] == {"start": citation["start"], "end": citation["end"]}
    start = citation["start"] - span["offset"]
    assert span["text"][start : start + len(citation["quote"])] == citation["quote"]
    assert len(span["text"]) <= len(citation["quote"]) + 60 and span["location"] == location

    whole = api.get(f"/api/documents/{span['id']}/text").json()
    assert whole["offset"] == 0 and len(whole["text"]) == whole["length"] and whole["highlight"] is None
    assert whole["text"][citation["start"] : citation["end"]] == citation["quote"]
    assert all(0 <= block["start"] < whole["length"] for block in whole["locations"])


def test_text_routes_refuse_unknown_documents_and_bad_offsets(api):
    missing = api.get("/api/documents//no/such.docx/text")
    assert missing.status_code == 404 and "GET /api/documents" in missing.json()["error"]["message"]
    assert api.get("/api/citations/text", params={"chunk_id": "x" * 40, "start": 0, "end": 1}).status_code == 404
    document = next(d for d in api.get("/api/documents").json()["documents"] if d["source"] == "cities.csv")
    only_start = api.get(f"/api/documents/{document['id']}/text", params={"start": 3})
    assert only_start.status_code == 422 and only_start.json()["error"]["param"] == "start"
    too_far = api.get(f"/api/documents/{document['id']}/text", params={"start": 3, "end": 10**6})
    assert too_far.status_code == 422 and "10" in too_far.json()["error"]["message"]


def test_a_macro_enabled_upload_is_refused_with_its_reason(api, tmp_path):
    macro = writers.write_docx(tmp_path / "macros.docx").read_bytes()
    response = api.post("/api/documents", files={"file": ("macros.docm", macro, "application/octet-stream")})
    assert response.status_code == 415  # not an upload type: macro-enabled files are never read
