"""Collections over HTTP: API keys map to users, names that escape are refused, others' ids are plain 404s.

A real uvicorn server on loopback over a workspace of two users (a real users file), a real Chroma in a temp dir
and the fake embedder.
"""

from __future__ import annotations

import httpx
import pytest

from assistant.api.app import create_app
from assistant.embedding.fake import FakeEmbedder
from assistant.workspace import Workspace
from tests.fixtures.accounts import ESCAPING_NAMES, make_users_file, workspace_settings
from tests.fixtures.paths import LIGHTHOUSE, SEED_FILE
from tests.fixtures.servers import uvicorn_thread

LAMP = "Who designed the Kestrel Point lighthouse?"
NATO = "What did NATO call on Russia to do?"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """(base URL, accounts) of a server whose 'default' (alice's, shared with everyone) holds the seed."""
    folder = tmp_path_factory.mktemp("collections")
    accounts = make_users_file(folder / "users.json")
    settings = workspace_settings(folder, users_file=accounts.path, max_upload_mb=0.05)
    workspace = Workspace.from_settings(settings, FakeEmbedder())
    workspace.ingest(workspace.user("alice"), [SEED_FILE])
    with uvicorn_thread(create_app(workspace)) as url:
        yield url, accounts
    workspace.close()


@pytest.fixture
def lighthouses(alice):
    """A collection of alice's holding lighthouse.txt; deleted afterwards."""
    created = alice.post("/api/collections", json={"name": "Lighthouses"})
    assert created.status_code == 201, created.text
    collection = created.json()
    with LIGHTHOUSE.open("rb") as handle:
        uploaded = alice.post("/api/documents", files={"file": handle}, data={"collection": collection["id"]})
    assert uploaded.status_code == 201, uploaded.text
    yield collection
    alice.delete(f"/api/collections/{collection['id']}")


def test_requests_without_a_users_key_are_refused(served):
    url, _ = served
    for headers in ({}, {"Authorization": "Bearer ask_not-a-key"}):
        for method, path in (("GET", "/api/collections"), ("POST", "/api/ask"), ("GET", "/v1/models")):
            response = httpx.request(method, url + path, headers=headers, json={"question": NATO})
            assert response.status_code == 401 and response.json()["error"]["param"] == "Authorization"


def test_a_collection_is_created_filled_asked_and_listed_only_for_its_owner(alice, bob, lighthouses):
    assert (lighthouses["name"], lighthouses["owner"], lighthouses["writable"]) == ("Lighthouses", "alice", True)
    listed = {c["name"]: c for c in alice.get("/api/collections").json()}
    assert set(listed) == {"default", "Lighthouses"} and listed["default"]["shared_with"] == ["*"]
    answer = alice.post("/api/ask", json={"question": LAMP, "collection": "Lighthouses"}).json()
    assert "Marta Olsen" in answer["answer"] and {c["source"] for c in answer["citations"]} == {"lighthouse.txt"}
    default = alice.post("/api/ask", json={"question": NATO}).json()
    assert {c["source"] for c in default["citations"]} == {SEED_FILE.name}
    documents = alice.get("/api/documents", params={"collection": lighthouses["id"]}).json()["documents"]
    assert [d["source"] for d in documents] == ["lighthouse.txt"]
    assert [c["name"] for c in bob.get("/api/collections").json()] == ["default"]
    assert bob.get("/api/collections").json()[0]["writable"] is False


@pytest.mark.parametrize(("name", "rule"), ESCAPING_NAMES)
def test_collection_names_that_try_to_escape_get_a_clear_422(alice, lighthouses, name, rule):
    for method, path, body in (
        ("POST", "/api/collections", {"name": name}),
        ("PATCH", f"/api/collections/{lighthouses['id']}", {"name": name}),
        ("POST", "/api/ask", {"question": LAMP, "collection": name}),
        ("POST", "/api/conversations", {"collection": name}),
    ):
        response = alice.request(method, path, json=body)
        assert response.status_code == 422, (path, response.text)
        error = response.json()["error"]
        assert error["param"] == "collection" and rule in error["message"] and len(error["message"]) < 300
    upload = alice.post("/api/documents", files={"file": ("a.txt", b"Some words.")}, data={"collection": name})
    assert upload.status_code == 422 and upload.json()["error"]["param"] == "collection"
    assert {c["name"] for c in alice.get("/api/collections").json()} == {"default", "Lighthouses"}


def test_another_users_collection_id_is_a_404_like_a_missing_one(alice, bob, lighthouses):
    missing = "0123456789abcdef"
    for method, path, kwargs in (
        ("GET", "/api/collections/{id}", {}),
        ("PATCH", "/api/collections/{id}", {"json": {"name": "Mine"}}),
        ("DELETE", "/api/collections/{id}", {}),
        ("PUT", "/api/collections/{id}/readers/bob", {}),
        ("GET", "/api/documents?collection={id}", {}),
        ("POST", "/api/ask", {"json": {"question": LAMP, "collection": "{id}"}}),
        ("POST", "/api/conversations", {"json": {"collection": "{id}"}}),
    ):
        bodies = []
        for reference in (lighthouses["id"], missing):
            filled = {key: {k: v.replace("{id}", reference) for k, v in value.items()} for key, value in kwargs.items()}
            response = bob.request(method, path.replace("{id}", reference), **filled)
            assert response.status_code == 404, (path, response.text)
            body = response.json()
            body["error"]["message"] = body["error"]["message"].replace(reference, "ID")
            bodies.append(body)
        assert bodies[0] == bodies[1], path
    model = {"model": lighthouses["id"], "messages": [{"role": "user", "content": LAMP}]}
    assert bob.post("/v1/chat/completions", json=model).status_code == 404
    assert alice.get(f"/api/collections/{lighthouses['id']}").json()["name"] == "Lighthouses"


def test_a_shared_collection_can_be_asked_but_not_changed_by_its_reader(alice, bob, lighthouses):
    shared = alice.put(f"/api/collections/{lighthouses['id']}/readers/bob")
    assert shared.status_code == 200 and shared.json()["shared_with"] == ["bob"]
    answer = bob.post("/api/ask", json={"question": LAMP, "collection": "alice/Lighthouses"})
    assert answer.status_code == 200 and "Marta Olsen" in answer.json()["answer"]
    denied = [
        bob.post("/api/documents", files={"file": ("x.txt", b"Planted words.")}, data={"collection": "Lighthouses"}),
        bob.delete(f"/api/documents/{LIGHTHOUSE}", params={"collection": lighthouses["id"]}),
        bob.patch(f"/api/collections/{lighthouses['id']}", json={"name": "Mine"}),
        bob.delete(f"/api/collections/{lighthouses['id']}"),
        bob.post("/api/documents", files={"file": ("x.txt", b"Planted words.")}),  # 'default': read-only for bob
    ]
    for response in denied:
        assert response.status_code == 403, response.text
        assert response.json()["error"]["code"] == "permission_denied" and "only its owner" in response.text
    assert [
        d["source"] for d in alice.get("/api/documents", params={"collection": "Lighthouses"}).json()["documents"]
    ] == ["lighthouse.txt"]
    assert alice.delete(f"/api/collections/{lighthouses['id']}/readers/bob").json()["shared_with"] == []
    assert bob.post("/api/ask", json={"question": LAMP, "collection": lighthouses["id"]}).status_code == 404


def test_names_are_unique_per_owner(alice, lighthouses):
    taken = alice.post("/api/collections", json={"name": "lighthouses"})
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "name_taken"
    renamed = alice.patch(f"/api/collections/{lighthouses['id']}", json={"name": "Towers"}).json()
    assert renamed["id"] == lighthouses["id"] and renamed["name"] == "Towers"
    assert "Marta Olsen" in alice.post("/api/ask", json={"question": LAMP, "collection": "Towers"}).json()["answer"]


def test_deleting_a_collection_forgets_its_documents(alice):
    made = alice.post("/api/collections", json={"name": "Scratch"}).json()
    with LIGHTHOUSE.open("rb") as handle:
        alice.post("/api/documents", files={"file": handle}, data={"collection": "Scratch"})
    assert alice.delete(f"/api/collections/{made['id']}").json() == {"id": made["id"], "deleted": True}
    assert alice.get(f"/api/collections/{made['id']}").status_code == 404
    again = alice.post("/api/collections", json={"name": "Scratch"}).json()
    assert alice.get("/api/documents", params={"collection": again["id"]}).json()["documents"] == []
    empty = alice.post("/api/ask", json={"question": LAMP, "collection": "Scratch"})
    assert empty.status_code == 409 and "--collection 'Scratch'" in empty.json()["error"]["message"]
    alice.delete(f"/api/collections/{again['id']}")


def test_openai_models_are_the_users_collections_and_model_picks_one(served, lighthouses):
    openai = pytest.importorskip("openai")
    url, accounts = served
    alice = openai.OpenAI(base_url=f"{url}/v1", api_key=accounts.keys["alice"])
    assert [model.id for model in alice.models.list()] == ["default", "Lighthouses"]
    for model in ("Lighthouses", "Lighthouses:extractive", lighthouses["id"]):
        completion = alice.chat.completions.create(model=model, messages=[{"role": "user", "content": LAMP}])
        assert "Marta Olsen" in completion.choices[0].message.content
        assert {c["source"] for c in completion.model_extra["citations"]} == {"lighthouse.txt"}
    legacy = alice.chat.completions.create(model="extractive", messages=[{"role": "user", "content": NATO}])
    assert {c["source"] for c in legacy.model_extra["citations"]} == {SEED_FILE.name}  # a generator: 'default'
    with pytest.raises(openai.NotFoundError, match="name one of your collections"):
        alice.chat.completions.create(model="Lighthouses:gpt-9", messages=[{"role": "user", "content": LAMP}])
    bob = openai.OpenAI(base_url=f"{url}/v1", api_key=accounts.keys["bob"])
    assert [model.id for model in bob.models.list()] == ["default"]  # alice's, shared with everyone
    with pytest.raises(openai.NotFoundError):
        bob.chat.completions.create(model="Lighthouses", messages=[{"role": "user", "content": LAMP}])


def test_document_text_routes_read_only_collections_the_user_may_read(alice, bob, lighthouses):
    """The viewer's routes check the collection like every other route: bob gets a plain 404 for alice's."""
    documents = alice.get("/api/documents", params={"collection": lighthouses["id"]}).json()["documents"]
    document_id = documents[0]["id"]
    path = f"/api/documents/{document_id}/text"
    own = alice.get(path, params={"collection": lighthouses["id"]})
    assert own.status_code == 200 and "Kestrel Point" in own.json()["text"]
    foreign = bob.get(path, params={"collection": lighthouses["id"]})
    assert foreign.status_code == 404 and "Kestrel Point" not in foreign.text
    answer = alice.post("/api/ask", json={"question": LAMP, "collection": lighthouses["id"]}).json()
    cited = answer["citations"][0]
    span = {
        "chunk_id": cited["chunk_id"],
        "start": cited["start"],
        "end": cited["end"],
        "collection": lighthouses["id"],
    }
    assert alice.get("/api/citations/text", params=span).json()["highlight"] == {
        "start": cited["start"],
        "end": cited["end"],
    }
    assert bob.get("/api/citations/text", params=span).status_code == 404
