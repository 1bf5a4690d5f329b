"""The users file and its admin functions: hashes only, one writer at a time, a damaged file left alone."""

from __future__ import annotations

import json
import stat
import threading

import pytest

from assistant.accounts.directory import Accounts
from assistant.accounts.users import (
    User,
    add_user,
    api_keys,
    list_users,
    make_api_key,
    remove_user,
    revoke_api_keys,
    set_password,
)
from assistant.core.errors import (
    CorruptDataError,
    InvalidNameError,
    InvalidOptionError,
    NameTakenError,
    UserNotFoundError,
)


@pytest.fixture
def users_file(tmp_path):
    path = tmp_path / "users.json"
    add_user(path, "alice", "alice-password", admin=True)
    add_user(path, "bob", "bob-password")
    return path


def test_added_users_log_in_with_their_password_only(users_file):
    accounts = Accounts(users_file)
    assert accounts.authenticate("alice", "alice-password") == User("alice", admin=True)
    assert accounts.authenticate("bob", "bob-password") == User("bob")
    assert accounts.authenticate("alice", "bob-password") is None
    assert accounts.authenticate("nobody", "bob-password") is None
    assert list_users(users_file) == [User("alice", admin=True), User("bob")]


def test_the_file_holds_hashes_only_and_only_its_owner_may_read_it(users_file):
    key = make_api_key(users_file, "bob", label="laptop")
    text = users_file.read_text()
    assert "alice-password" not in text and "bob-password" not in text and key not in text
    assert text.count("$argon2id$") == 2
    assert stat.S_IMODE(users_file.stat().st_mode) == 0o600


def test_a_new_password_replaces_the_old_one(users_file):
    set_password(users_file, "bob", "a-new-password")
    accounts = Accounts(users_file)
    assert accounts.authenticate("bob", "a-new-password") == User("bob")
    assert accounts.authenticate("bob", "bob-password") is None


def test_api_keys_map_to_their_user_until_revoked(users_file):
    bob_key, bob_second, alice_key = (
        make_api_key(users_file, "bob"),
        make_api_key(users_file, "bob", "ci"),
        make_api_key(users_file, "alice"),
    )
    accounts = Accounts(users_file)
    assert accounts.user_for_api_key(bob_key) == User("bob")
    assert accounts.user_for_api_key(bob_second) == User("bob")
    assert accounts.user_for_api_key(alice_key) == User("alice", admin=True)
    assert accounts.user_for_api_key(bob_key + "x") is None
    first = api_keys(users_file, "bob")[0]
    assert revoke_api_keys(users_file, "bob", first.id) == 1
    assert accounts.user_for_api_key(bob_key) is None and accounts.user_for_api_key(bob_second) == User("bob")
    assert revoke_api_keys(users_file, "bob") == 1
    assert accounts.user_for_api_key(bob_second) is None


def test_a_removed_user_can_no_longer_log_in(users_file):
    key = make_api_key(users_file, "bob")
    accounts = Accounts(users_file)
    remove_user(users_file, "bob")
    assert accounts.authenticate("bob", "bob-password") is None and accounts.user_for_api_key(key) is None


@pytest.mark.parametrize(
    ("call", "error", "said"),
    [
        (lambda path: add_user(path, "bob", "another-password"), NameTakenError, "already has a user 'bob'"),
        (lambda path: add_user(path, "../bob", "another-password"), InvalidNameError, "'../bob'"),
        (lambda path: add_user(path, "carol", "short"), InvalidOptionError, "at least 8 characters"),
        (lambda path: set_password(path, "carol", "another-password"), UserNotFoundError, "no user 'carol'"),
        (lambda path: remove_user(path, "carol"), UserNotFoundError, "no user 'carol'"),
        (lambda path: make_api_key(path, "carol"), UserNotFoundError, "no user 'carol'"),
        (lambda path: api_keys(path, "carol"), UserNotFoundError, "no user 'carol'"),
    ],
)
def test_admin_commands_refuse_bad_requests_and_leave_the_file_as_it_was(users_file, call, error, said):
    before = users_file.read_bytes()
    with pytest.raises(error) as raised:
        call(users_file)
    assert said in str(raised.value)
    assert users_file.read_bytes() == before


def test_users_added_at_once_by_many_threads_are_all_kept(tmp_path):
    path = tmp_path / "users.json"
    threads = [threading.Thread(target=add_user, args=(path, f"user{n}", "a-long-password")) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(user.name for user in list_users(path)) == sorted(f"user{n}" for n in range(12))


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("{not json", "not valid JSON"),
        ("[]", "JSON list"),
        ('{"version": 1}', '"users"'),
        ('{"version": 2, "users": []}', '"version": 1'),
        ('{"version": 1, "users": [{"name": "eve"}]}', "Argon2 password hash"),
        ('{"version": 1, "users": [{"name": "e:ve", "password": "$argon2id$x"}]}', "rule"),
        ('{"version": 1, "users": [{"name": "eve", "password": "$argon2id$x", "api_keys": [{"id": 1}]}]}', "API keys"),
    ],
)
def test_a_damaged_users_file_is_named_in_the_error_and_never_overwritten(tmp_path, content, problem):
    path = tmp_path / "users.json"
    path.write_text(content)
    with pytest.raises(CorruptDataError) as raised:
        add_user(path, "carol", "a-long-password")
    assert str(path) in str(raised.value) and problem in str(raised.value) and raised.value.path == str(path)
    assert path.read_text() == content
    with pytest.raises(CorruptDataError):
        Accounts(path)


def test_a_user_added_while_the_server_runs_can_log_in_at_once(users_file):
    accounts = Accounts(users_file)
    add_user(users_file, "carol", "carol-password")
    assert accounts.authenticate("carol", "carol-password") == User("carol")
    assert json.loads(users_file.read_text())["version"] == 1
