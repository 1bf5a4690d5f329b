"""The Workspace: collections kept apart, rights per user, stored conversations, the old index kept as 'default'.

Over a real Chroma and SQLite in tmp_path with the fake embedder; users from a real users file (cheap Argon2).
"""

from __future__ import annotations

import re

import pytest

from assistant.accounts.directory import LOCAL_USER
from assistant.accounts.users import User
from assistant.assistant import Assistant
from assistant.conversations.database import DATABASE_FILE
from assistant.core.config import Settings
from assistant.core.errors import (
    CollectionNotFoundError,
    ConversationNotFoundError,
    CorruptDataError,
    IndexNotFoundError,
    InvalidNameError,
    InvalidOptionError,
    NameTakenError,
    PermissionDeniedError,
)
from assistant.retrieval.store import ChromaStore
from assistant.workspace import Workspace
from tests.fixtures.accounts import ESCAPING_NAMES, PASSWORDS
from tests.fixtures.paths import LIGHTHOUSE, SEED_FILE, SEEDS

ALICE, BOB = User("alice", admin=True), User("bob")
NATO = "What did NATO call on Russia to do?"
LAMP = "Who designed the Kestrel Point lighthouse?"


def assert_fails_alike(call, others: str, missing: str, error: type[Exception]) -> None:
    """`call` raises `error` with the same message for another user's id as for an id that does not exist."""
    messages = []
    for reference in (others, missing):
        with pytest.raises(error) as raised:
            call(reference)
        messages.append(str(raised.value).replace(reference, "ID"))
    assert messages[0] == messages[1]


@pytest.fixture
def two_users(users_file, workspace_factory):
    """A workspace of alice and bob: alice owns 'default' (the seeds) and 'Lighthouses' (lighthouse.txt)."""
    workspace = workspace_factory(users_file=users_file.path)
    workspace.ingest(ALICE, [SEEDS])
    lighthouses = workspace.create_collection(ALICE, "Lighthouses")
    workspace.ingest(ALICE, [LIGHTHOUSE], lighthouses.id)
    return workspace, lighthouses


def sources(reply) -> set[str]:
    return {citation.source for citation in reply.answer.citations} | {h.chunk.source for h in reply.answer.passages}


def test_an_existing_index_opens_as_default_with_nothing_re_embedded(tmp_path, fake_embedder):
    settings = Settings(index_dir=tmp_path / "index", embedding_backend="fake", refusal_threshold=0.3)
    before = Assistant(settings, ChromaStore(settings), fake_embedder)
    before.ingest([SEEDS])
    chunks = before.store.count()

    workspace = Workspace.from_settings(settings, fake_embedder)
    [default] = workspace.collections.list_for(LOCAL_USER)
    assert (default.id, default.name, default.prefix, default.owner) == ("default", "default", "assistant", "local")
    report = workspace.ingest(LOCAL_USER, [SEEDS])
    assert report.chunks_embedded == 0 and report.chunks_unchanged == chunks
    reply = workspace.ask(LOCAL_USER, NATO)
    assert reply.answer.to_dict() == {**before.ask(NATO).to_dict(), "timings": reply.answer.to_dict()["timings"]}
    assert reply.to_dict().keys() == {"answer", "refused", "citations", "timings"}


def test_a_missing_index_is_named_and_no_folder_is_made(tmp_path, fake_embedder):
    settings = Settings(index_dir=tmp_path / "typo", embedding_backend="fake")
    workspace = Workspace.from_settings(settings, fake_embedder)
    with pytest.raises(IndexNotFoundError, match=r"No index at .*typo.*assistant ingest PATH --index"):
        workspace.ask(LOCAL_USER, NATO)
    assert not (tmp_path / "typo").exists()


def test_each_question_is_answered_from_its_own_collection_only(two_users):
    workspace, lighthouses = two_users
    in_lighthouses = workspace.ask(ALICE, LAMP, collection="Lighthouses")
    assert "Marta Olsen" in in_lighthouses.answer.text and sources(in_lighthouses) == {"lighthouse.txt"}
    assert in_lighthouses.collection == lighthouses
    in_default = workspace.ask(ALICE, NATO)
    assert sources(in_default) == {SEED_FILE.name}
    assert [d.source for d in workspace.documents(ALICE, lighthouses.id)] == ["lighthouse.txt"]
    assert [d.source for d in workspace.documents(ALICE)] == [SEED_FILE.name]


def test_an_empty_collection_says_how_to_fill_it(two_users):
    workspace, _ = two_users
    workspace.create_collection(ALICE, "papers")
    with pytest.raises(IndexNotFoundError, match=r"'papers' holds no documents.*--collection 'papers'"):
        workspace.ask(ALICE, LAMP, collection="papers")


@pytest.mark.parametrize(("name", "rule"), ESCAPING_NAMES)
def test_collection_names_that_try_to_escape_get_a_clear_error_and_write_nothing(two_users, tmp_path, name, rule):
    workspace, lighthouses = two_users
    before = sorted(str(path) for path in tmp_path.rglob("*") if "lock" not in path.name)
    for attempt in (
        lambda: workspace.create_collection(ALICE, name),
        lambda: workspace.rename_collection(ALICE, lighthouses.id, name),
        lambda: workspace.ask(ALICE, LAMP, collection=name),
        lambda: workspace.ingest(ALICE, [LIGHTHOUSE], name),
    ):
        with pytest.raises(InvalidNameError, match=re.escape(rule)) as raised:
            attempt()
        assert raised.value.param == "collection" and len(str(raised.value)) < 300
    after = sorted(str(path) for path in tmp_path.rglob("*") if "lock" not in path.name)
    assert after == before


def test_another_users_collection_id_fails_exactly_like_a_missing_one(two_users):
    workspace, lighthouses = two_users
    missing = "0123456789abcdef"
    for call in (
        lambda ref: workspace.ask(BOB, LAMP, collection=ref),
        lambda ref: workspace.documents(BOB, ref),
        lambda ref: workspace.ingest(BOB, [LIGHTHOUSE], ref),
        lambda ref: workspace.delete_collection(BOB, ref),
        lambda ref: workspace.start_conversation(BOB, ref),
    ):
        assert_fails_alike(call, lighthouses.id, missing, CollectionNotFoundError)
    assert [c.name for c in workspace.collections.list_for(BOB)] == ["default"]


def test_a_shared_collection_is_read_only_for_its_reader(two_users):
    workspace, lighthouses = two_users
    workspace.share_collection(ALICE, lighthouses.id, "bob")
    assert "Marta Olsen" in workspace.ask(BOB, LAMP, collection="alice/Lighthouses").answer.text
    for change in (
        lambda: workspace.ingest(BOB, [SEED_FILE], lighthouses.id),
        lambda: workspace.remove_document(BOB, str(LIGHTHOUSE.resolve()), lighthouses.id),
        lambda: workspace.rename_collection(BOB, lighthouses.id, "Mine"),
        lambda: workspace.delete_collection(BOB, lighthouses.id),
        lambda: workspace.ingest(BOB, [LIGHTHOUSE]),  # 'default' is shared with everyone, read-only
    ):
        with pytest.raises(PermissionDeniedError, match="only its owner"):
            change()
    workspace.share_collection(ALICE, lighthouses.id, "bob", shared=False)
    with pytest.raises(CollectionNotFoundError):
        workspace.ask(BOB, LAMP, collection=lighthouses.id)


def test_names_are_unique_per_owner_and_renaming_keeps_the_documents(two_users):
    workspace, lighthouses = two_users
    with pytest.raises(NameTakenError):
        workspace.create_collection(ALICE, "lighthouses")
    assert workspace.create_collection(BOB, "Lighthouses").owner == "bob"  # another owner's may share the name
    renamed = workspace.rename_collection(ALICE, "Lighthouses", "Towers")
    assert (renamed.id, renamed.prefix) == (lighthouses.id, lighthouses.prefix)
    assert "Marta Olsen" in workspace.ask(ALICE, LAMP, collection="Towers").answer.text


def test_deleting_a_collection_drops_its_chunks_bm25_file_and_uploads(two_users, tmp_path):
    workspace, lighthouses = two_users
    uploads = workspace.upload_dir(lighthouses)
    uploads.mkdir(parents=True)
    (uploads / "kept.txt").write_text("An uploaded copy.")
    bm25 = tmp_path / "index" / f"{lighthouses.prefix}-bm25.npz"
    assert bm25.is_file()
    workspace.delete_collection(ALICE, lighthouses.id)
    assert not bm25.exists() and not uploads.exists()
    with pytest.raises(CollectionNotFoundError):
        workspace.ask(ALICE, LAMP, collection=lighthouses.id)
    again = workspace.create_collection(ALICE, "Lighthouses")
    assert workspace.assistant(again).store.count() == 0
    assert [d.source for d in workspace.documents(ALICE)] == [SEED_FILE.name]  # the others are untouched


def test_a_conversation_keeps_its_turns_with_their_citations_and_answers_follow_ups(two_users):
    workspace, lighthouses = two_users
    conversation = workspace.start_conversation(ALICE, "Lighthouses")
    first = workspace.ask(ALICE, LAMP, conversation=conversation.id)
    follow_up = workspace.ask(ALICE, "When was it first lit?", conversation=conversation.id)
    assert (first.turn.position, follow_up.turn.position) == (1, 2)
    assert "1887" in follow_up.answer.text and sources(follow_up) == {"lighthouse.txt"}
    assert follow_up.to_dict()["conversation"] == conversation.id and follow_up.to_dict()["turn"] == 2
    transcript = workspace.transcript(ALICE, conversation.id)
    assert transcript.conversation.title == LAMP and transcript.conversation.collection == lighthouses.id
    assert [turn.answer for turn in transcript.turns] == [first.answer, follow_up.answer]
    assert [c.name for c in [workspace.collection(ALICE, t.collection) for t in transcript.turns]] == [
        "Lighthouses"
    ] * 2


def test_a_conversation_is_about_one_collection_and_brings_its_own_history(two_users):
    workspace, _ = two_users
    conversation = workspace.start_conversation(ALICE, "Lighthouses")
    with pytest.raises(InvalidOptionError, match="another collection") as raised:
        workspace.ask(ALICE, NATO, conversation=conversation.id, collection="default")
    assert raised.value.param == "collection"
    with pytest.raises(InvalidOptionError, match="either `history` or `conversation`"):
        workspace.ask(ALICE, LAMP, conversation=conversation.id, history=[{"role": "user", "content": "Hi"}])
    assert workspace.transcript(ALICE, conversation.id).turns == []


def test_another_users_conversation_fails_exactly_like_a_missing_one(two_users):
    workspace, _ = two_users
    conversation = workspace.start_conversation(ALICE)
    workspace.ask(ALICE, NATO, conversation=conversation.id)
    missing = "fedcba9876543210"
    for call in (
        lambda ref: workspace.ask(BOB, NATO, conversation=ref),
        lambda ref: workspace.transcript(BOB, ref),
        lambda ref: workspace.rename_conversation(BOB, ref, "Mine now"),
        lambda ref: workspace.delete_conversation(BOB, ref),
    ):
        assert_fails_alike(call, conversation.id, missing, ConversationNotFoundError)
    assert workspace.conversations_of(BOB) == []
    assert len(workspace.transcript(ALICE, conversation.id).turns) == 1


def test_a_damaged_database_is_refused_with_the_way_to_recover_and_recovered(two_users, tmp_path):
    workspace, _ = two_users
    conversation = workspace.start_conversation(ALICE)
    workspace.ask(ALICE, NATO, conversation=conversation.id)
    workspace.close()
    path = tmp_path / "index" / DATABASE_FILE
    assert not path.with_name(DATABASE_FILE + "-wal").exists()  # closed: every turn is in the file itself
    damaged = bytearray(path.read_bytes())
    page = damaged.index(NATO.encode()) // 4096
    damaged[page * 4096 : (page + 1) * 4096] = b"\xff" * 4096  # the page that holds the turn
    path.write_bytes(bytes(damaged))

    reopened = Workspace.from_settings(workspace.settings, workspace.embedder)
    with pytest.raises(CorruptDataError, match=r"assistant conversations recover") as raised:
        reopened.conversations_of(ALICE)
    assert raised.value.path == str(path) and path.read_bytes() == bytes(damaged)  # never silently emptied
    assert "Marta Olsen" in reopened.ask(ALICE, LAMP, collection="Lighthouses").answer.text  # questions still work

    from assistant.conversations.recovery import recover

    recovery = recover(path)
    assert recovery.kept_as.read_bytes() == bytes(damaged)
    assert Workspace.from_settings(workspace.settings, workspace.embedder).conversations_of(ALICE) is not None


@pytest.mark.parametrize(
    ("name", "password", "expected"),
    [
        ("alice", PASSWORDS["alice"], "alice"),
        ("bob", PASSWORDS["bob"], "bob"),
        ("bob", PASSWORDS["alice"], None),
        ("carol", PASSWORDS["alice"], None),
        ("alice", "", None),
    ],
)
def test_logins_are_checked_against_the_users_file(users_file, workspace_factory, name, password, expected):
    workspace = workspace_factory(users_file=users_file.path)
    user = workspace.login(name, password)
    assert (user.name if user else None) == expected


def test_api_keys_map_to_their_users(users_file, workspace_factory):
    workspace = workspace_factory(users_file=users_file.path)
    assert workspace.api_user(users_file.keys["alice"]) == ALICE
    assert workspace.api_user(users_file.keys["bob"]) == BOB
    assert workspace.api_user("ask_wrong") is None and workspace.api_user(None) is None
    # A page login with an API key as the password must name the key's owner.
    assert workspace.login("bob", users_file.keys["bob"], api_key_as_password=True) == BOB
    assert workspace.login("alice", users_file.keys["bob"], api_key_as_password=True) is None
    assert workspace.login("bob", users_file.keys["bob"]) is None


def test_without_a_users_file_there_is_one_user_as_before(workspace_factory):
    open_workspace = workspace_factory()
    assert open_workspace.api_user(None) == LOCAL_USER and open_workspace.user("anyone") == LOCAL_USER
    keyed = workspace_factory(api_key="the-one-key-123", auth="ann:secret-word")
    assert keyed.api_user(None) is None and keyed.api_user("the-one-key-123") == User("ann", admin=True)
    assert keyed.login("whoever", "the-one-key-123", api_key_as_password=True) == User("ann", admin=True)
    assert keyed.login("ann", "secret-word") == User("ann", admin=True)
