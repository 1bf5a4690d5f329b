"""The collection registry: owners, read-only sharing, ids that do not leak, safe prefixes, the old index kept."""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path

import pytest

from assistant.accounts.collection import EVERYONE, Collection, can_read, can_write
from assistant.accounts.registry import DEFAULT_ID, REGISTRY_FILE, Collections
from assistant.accounts.users import User
from assistant.core.config import Settings
from assistant.core.errors import (
    CollectionNotFoundError,
    CorruptDataError,
    InvalidNameError,
    InvalidOptionError,
    NameTakenError,
    NotFoundError,
    PermissionDeniedError,
)

ALICE, BOB, CAROL = User("alice", admin=True), User("bob"), User("carol")


@pytest.fixture
def registry(tmp_path) -> Collections:
    return Collections(tmp_path / REGISTRY_FILE)


def test_a_created_collection_is_its_owners_with_a_fresh_id_and_a_prefix_not_made_from_its_name(registry):
    papers = registry.create(ALICE, "  Papers  ")
    assert (papers.name, papers.owner, papers.shared_with) == ("Papers", "alice", frozenset())
    assert re.fullmatch(r"[0-9a-f]{16}", papers.id) and papers.prefix == f"c-{papers.id}"
    assert registry.get(ALICE, papers.id) == papers and registry.list_for(ALICE) == [papers]
    assert Settings(collection=papers.prefix).collection == papers.prefix  # the prefix is a valid Settings value
    assert papers.to_dict() == {
        "id": papers.id,
        "name": "Papers",
        "owner": "alice",
        "shared_with": [],
        "created": papers.created,
    }


@pytest.mark.parametrize("name", ["../x", "/etc/passwd", "a\x00b", "x" * 65, "", "..", "a/b", "C:\\x", "new\nline"])
def test_an_attack_name_is_refused_by_create_and_rename_and_nothing_is_written(registry, name):
    papers = registry.create(ALICE, "papers")
    before = registry.path.read_bytes()
    with pytest.raises(InvalidNameError) as raised:
        registry.create(ALICE, name)
    assert raised.value.param == "collection"
    with pytest.raises(InvalidNameError):
        registry.rename(ALICE, papers.id, name)
    assert registry.path.read_bytes() == before


def test_names_are_unique_among_one_owners_collections_only(registry):
    registry.create(ALICE, "papers")
    with pytest.raises(NameTakenError, match="already have a collection named 'PAPERS'"):
        registry.create(ALICE, "PAPERS")
    assert registry.create(BOB, "papers").owner == "bob"
    notes = registry.create(ALICE, "notes")
    with pytest.raises(NameTakenError):
        registry.rename(ALICE, notes.id, "Papers")
    assert registry.rename(ALICE, notes.id, "Notes 2").name == "Notes 2"
    assert registry.rename(ALICE, notes.id, "notes 2").name == "notes 2"  # its own name, in other letters


def test_rename_keeps_the_id_and_prefix(registry):
    papers = registry.create(ALICE, "papers")
    renamed = registry.rename(ALICE, papers.id, "Research papers")
    assert (renamed.id, renamed.prefix, renamed.name) == (papers.id, papers.prefix, "Research papers")
    assert registry.get(ALICE, papers.id).name == "Research papers"


def make(owner: str, shared_with: frozenset[str] = frozenset()) -> Collection:
    return Collection("0123456789abcdef", "papers", owner, "c-0123456789abcdef", shared_with)


@pytest.mark.parametrize(
    ("collection", "user", "reads", "writes"),
    [
        (make("alice"), ALICE, True, True),
        (make("alice"), BOB, False, False),
        (make("alice", frozenset({"bob"})), BOB, True, False),
        (make("alice", frozenset({"bob"})), CAROL, False, False),
        (make("alice", frozenset({EVERYONE})), CAROL, True, False),
        (make("alice", frozenset({EVERYONE})), ALICE, True, True),
        (make("bob"), ALICE, False, False),  # an admin is not an owner
    ],
)
def test_owners_write_readers_read_others_do_neither(collection, user, reads, writes):
    assert (can_read(user, collection), can_write(user, collection)) == (reads, writes)


def test_sharing_gives_read_only_access_until_unshared(registry):
    papers = registry.create(ALICE, "papers")
    registry.share(ALICE, papers.id, "bob")
    assert registry.get(BOB, papers.id).shared_with == {"bob"}
    assert [c.id for c in registry.list_for(BOB)] == [papers.id]
    with pytest.raises(PermissionDeniedError, match="shared with you read-only: only its owner \\(alice\\)"):
        registry.writable(BOB, papers.id)
    for change in (
        lambda: registry.rename(BOB, papers.id, "mine"),
        lambda: registry.share(BOB, papers.id, "carol"),
        lambda: registry.delete(BOB, papers.id),
    ):
        with pytest.raises(PermissionDeniedError):
            change()
    registry.unshare(ALICE, papers.id, "bob")
    with pytest.raises(CollectionNotFoundError):
        registry.get(BOB, papers.id)


def test_sharing_with_a_bad_user_name_is_refused(registry):
    papers = registry.create(ALICE, "papers")
    with pytest.raises(InvalidNameError):
        registry.share(ALICE, papers.id, "../bob")


def _not_found_message(call, reference: str) -> tuple[type, str]:
    with pytest.raises(NotFoundError) as raised:
        call(reference)
    return type(raised.value), str(raised.value).replace(reference, "<id>")


@pytest.mark.parametrize("method", ["get", "writable", "rename", "share", "unshare", "delete"])
def test_another_users_id_fails_exactly_like_a_missing_one(registry, method):
    alices = registry.create(ALICE, "papers")
    missing = "fedcba9876543210"
    extra = {"rename": ("other",), "share": ("carol",), "unshare": ("carol",)}.get(method, ())

    def call(collection_id: str):
        return getattr(registry, method)(BOB, collection_id, *extra)

    foreign = _not_found_message(call, alices.id)
    assert foreign == _not_found_message(call, missing)
    assert foreign[0] is CollectionNotFoundError and "alice" not in foreign[1] and "papers" not in foreign[1]
    assert registry.get(ALICE, alices.id) == alices  # unchanged


def test_a_reference_is_an_id_a_name_of_ones_own_or_owner_slash_name(registry):
    alices = registry.create(ALICE, "papers")
    bobs = registry.create(BOB, "papers")
    carols = registry.create(CAROL, "papers")
    assert registry.resolve(BOB, "Papers") == bobs  # one's own name first
    assert registry.resolve(BOB, bobs.id) == bobs
    alices = registry.share(ALICE, alices.id, "bob")
    assert registry.resolve(BOB, "alice/papers") == alices
    assert registry.resolve(BOB, "papers") == bobs
    assert registry.label(BOB, alices) == "alice/papers" and registry.label(BOB, bobs) == "papers"
    registry.share(CAROL, carols.id, "bob")
    registry.delete(BOB, bobs.id)
    with pytest.raises(InvalidOptionError, match="'alice/papers' or 'carol/papers'"):
        registry.resolve(BOB, "papers")
    registry.unshare(CAROL, carols.id, "bob")
    assert registry.resolve(BOB, "papers") == alices and registry.label(BOB, alices) == "papers"


@pytest.mark.parametrize(
    ("reference", "error"),
    [
        ("../x", InvalidNameError),
        ("/etc/passwd", InvalidNameError),
        ("..\\..\\x", InvalidNameError),
        ("a\x00b", InvalidNameError),
        ("x" * 500, InvalidNameError),
        ("alice/../x", InvalidNameError),
        ("alice/papers", CollectionNotFoundError),  # not shared with bob: not found, like a missing one
        ("nobody/papers", CollectionNotFoundError),
        ("0123456789abcdef", CollectionNotFoundError),
        (None, CollectionNotFoundError),
    ],
)
def test_a_bad_or_foreign_reference_is_refused(registry, reference, error):
    registry.create(ALICE, "papers")
    with pytest.raises(error):
        registry.resolve(BOB, reference)


def test_the_existing_index_is_registered_once_as_default_with_its_own_prefix(tmp_path):
    settings = Settings(index_dir=tmp_path / "index", collection="assistant")
    registry = Collections.from_settings(settings)
    assert registry.path == tmp_path / "index" / REGISTRY_FILE
    default = registry.ensure_default(ALICE)
    assert (default.id, default.name, default.owner, default.prefix) == (DEFAULT_ID, "default", "alice", "assistant")
    assert registry.resolve(BOB, "default") == default and not can_write(BOB, default)  # everyone reads it
    assert registry.ensure_default(BOB) is None and registry.list_for(ALICE) == [default]
    registry.delete(ALICE, DEFAULT_ID)
    assert registry.ensure_default(ALICE) is None and registry.list_for(ALICE) == []  # deleted stays deleted


def test_the_registry_lives_in_the_data_folder_when_one_is_set(tmp_path):
    settings = Settings(index_dir=tmp_path / "index", data_dir=tmp_path / "data", default_collection="Main")
    registry = Collections.from_settings(settings)
    assert registry.path == tmp_path / "data" / REGISTRY_FILE
    assert registry.ensure_default(ALICE).name == "Main"


def test_collections_created_at_once_by_many_threads_are_all_kept(registry):
    threads = [threading.Thread(target=registry.create, args=(ALICE, f"set {n}")) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    collections = registry.list_for(ALICE)
    assert sorted(c.name for c in collections) == sorted(f"set {n}" for n in range(16))
    assert len({c.prefix for c in collections}) == 16


def test_two_registries_on_one_file_see_each_others_changes(registry):
    other = Collections(registry.path)  # another process, as far as the file is concerned
    papers = registry.create(ALICE, "papers")
    assert other.get(ALICE, papers.id) == papers
    other.rename(ALICE, papers.id, "renamed")
    assert registry.get(ALICE, papers.id).name == "renamed"


@pytest.mark.parametrize(
    "record",
    [
        {"id": "x", "name": "evil", "owner": "eve", "prefix": "../../etc", "shared_with": [], "created": 0},
        {"id": "x", "name": "evil", "owner": "eve", "prefix": "/tmp/x", "shared_with": [], "created": 0},
        {"id": "x", "name": "evil", "owner": "eve", "prefix": "a.b", "shared_with": [], "created": 0},
        {"id": "x", "name": "../evil", "owner": "eve", "prefix": "c-abc", "shared_with": [], "created": 0},
        {"id": "x", "name": "evil", "owner": "eve", "prefix": "c-abc", "shared_with": "bob", "created": 0},
        {"id": "x", "name": "evil", "owner": "eve"},
    ],
)
def test_a_hand_edited_registry_with_an_unsafe_record_is_refused_and_left_alone(registry, record):
    content = json.dumps({"version": 1, "default_registered": True, "collections": [record]})
    registry.path.parent.mkdir(parents=True, exist_ok=True)
    registry.path.write_text(content)
    with pytest.raises(CorruptDataError) as raised:
        registry.list_for(ALICE)
    assert str(registry.path) in str(raised.value)
    with pytest.raises(CorruptDataError):
        registry.create(ALICE, "papers")
    assert registry.path.read_text() == content


def test_a_registry_that_is_not_json_is_refused_and_left_alone(registry):
    Path(registry.path).write_text("{truncated")
    with pytest.raises(CorruptDataError, match="not valid JSON"):
        registry.list_for(ALICE)
    assert registry.path.read_text() == "{truncated"
