"""Accounts: the users file, else ASSISTANT_AUTH's one login as today, else no login; API keys to users."""

from __future__ import annotations

import pytest

from assistant.accounts.directory import LOCAL_USER, Accounts
from assistant.accounts.users import User, add_user, make_api_key
from assistant.core.config import Settings
from assistant.core.errors import ConfigurationError


def test_without_any_login_everyone_is_the_local_user():
    accounts = Accounts()
    assert not accounts.login_required
    assert accounts.users() == [LOCAL_USER] and accounts.default_owner() == LOCAL_USER
    assert accounts.authenticate("local", "") is None and accounts.user_for_api_key("anything") is None


def test_assistant_auth_still_gives_its_one_user():
    accounts = Accounts.from_settings(Settings(auth="ann:open sesame"))
    assert accounts.login_required
    assert accounts.authenticate("ann", "open sesame") == User("ann", admin=True)
    assert accounts.users() == [User("ann", admin=True)] and accounts.get("ann") == User("ann", admin=True)
    for name, password in [("ann", "open sesam"), ("Ann", "open sesame"), ("bob", "open sesame"), ("ann", "")]:
        assert accounts.authenticate(name, password) is None


@pytest.mark.parametrize("login", ["ann", "ann:", ":secret", "an n:secret", "../ann:secret"])
def test_a_malformed_assistant_auth_is_a_configuration_error(login):
    with pytest.raises(ConfigurationError, match="ASSISTANT_AUTH"):
        Accounts(login=login)


def test_the_assistant_api_key_belongs_to_the_default_owner(tmp_path):
    assert Accounts(api_key="shared-key").user_for_api_key("shared-key") == LOCAL_USER
    assert Accounts(login="ann:pw123456", api_key="shared-key").user_for_api_key("shared-key") == User("ann", True)
    path = tmp_path / "users.json"
    add_user(path, "bob", "bob-password")
    add_user(path, "alice", "alice-password", admin=True)
    accounts = Accounts(path, api_key="shared-key")
    assert accounts.default_owner() == User("alice", admin=True)  # the first admin, not the first user
    assert accounts.user_for_api_key("shared-key") == User("alice", admin=True)
    assert accounts.user_for_api_key("shared-kez") is None
    assert accounts.user_for_api_key(make_api_key(path, "bob")) == User("bob")


def test_a_users_file_replaces_assistant_auth(tmp_path):
    path = tmp_path / "users.json"
    add_user(path, "bob", "bob-password")
    accounts = Accounts.from_settings(Settings(users_file=path, auth="ann:open sesame"))
    assert accounts.authenticate("ann", "open sesame") is None
    assert accounts.authenticate("bob", "bob-password") == User("bob")
    assert accounts.default_owner() == User("bob")  # no admin: the first user


def test_a_users_file_that_is_missing_or_empty_is_a_configuration_error_that_says_how_to_add_a_user(tmp_path):
    with pytest.raises(ConfigurationError, match="assistant users add"):
        Accounts(tmp_path / "missing.json")
    (tmp_path / "empty.json").write_text('{"version": 1, "users": []}')
    with pytest.raises(ConfigurationError, match="lists no user"):
        Accounts(tmp_path / "empty.json")


@pytest.mark.parametrize("given", [None, 5, b"bob-password"])
def test_a_login_that_is_not_text_is_refused(tmp_path, given):
    path = tmp_path / "users.json"
    add_user(path, "bob", "bob-password")
    accounts = Accounts(path)
    assert accounts.authenticate("bob", given) is None and accounts.authenticate(given, "bob-password") is None
    assert accounts.user_for_api_key(given) is None


def test_an_unknown_name_costs_one_password_check_like_a_wrong_password(tmp_path):
    """So the time a failed login takes does not tell which names exist."""
    from argon2 import PasswordHasher

    class CountingHasher(PasswordHasher):
        checks = 0

        def verify(self, hashed, password):
            CountingHasher.checks += 1
            return super().verify(hashed, password)

    path = tmp_path / "users.json"
    add_user(path, "bob", "bob-password")
    accounts = Accounts(path, hasher=CountingHasher(time_cost=1, memory_cost=8, parallelism=1))
    for name in ["bob", "nobody", "bob", "someone-else"]:
        before = CountingHasher.checks
        assert accounts.authenticate(name, "a wrong guess") is None
        assert CountingHasher.checks == before + 1
