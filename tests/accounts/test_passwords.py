"""Password hashes (Argon2id) and API key digests: round trips, wrong secrets, and the rules on passwords."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from assistant.accounts.passwords import (
    API_KEY_PREFIX,
    MAX_PASSWORD_CHARS,
    api_key_digest,
    hash_password,
    matching_digest,
    new_api_key,
    verify_password,
)
from assistant.core.errors import InvalidOptionError


def test_the_production_hasher_makes_argon2id_hashes_that_verify():
    """Once at the real cost (64 MiB, 3 passes): the parameters the users file gets."""
    real = PasswordHasher()
    hashed = hash_password("correct horse battery", hasher=real)
    assert hashed.startswith("$argon2id$") and "m=65536,t=3" in hashed
    assert verify_password(hashed, "correct horse battery", hasher=real)
    assert not verify_password(hashed, "correct horse battery!", hasher=real)


@pytest.mark.parametrize(
    "attempt", ["wrong password", "correct horse batter", "Correct horse battery", "", "x" * (MAX_PASSWORD_CHARS + 1)]
)
def test_a_wrong_password_does_not_verify(attempt):
    assert not verify_password(hash_password("correct horse battery"), attempt)


def test_hashes_are_salted_and_hold_no_password():
    first, second = hash_password("correct horse battery"), hash_password("correct horse battery")
    assert first != second and "correct" not in first
    assert verify_password(first, "correct horse battery") and verify_password(second, "correct horse battery")


@pytest.mark.parametrize("hashed", [None, "", "not a hash", "$argon2id$v=19$garbage", "$2b$12$bcryptlooking"])
def test_a_missing_or_unreadable_hash_never_verifies(hashed):
    assert not verify_password(hashed, "correct horse battery")


@pytest.mark.parametrize(
    ("password", "rule"),
    [("short", "at least 8"), ("", "at least 8"), ("x" * (MAX_PASSWORD_CHARS + 1), "at most"), (None, "text")],
)
def test_a_password_that_breaks_a_rule_is_refused_without_repeating_it(password, rule):
    with pytest.raises(InvalidOptionError) as raised:
        hash_password(password)
    assert rule in str(raised.value) and raised.value.param == "password"
    assert not password or str(password) not in str(raised.value)


def test_api_keys_are_random_and_match_only_their_own_digest():
    keys = [new_api_key() for _ in range(3)]
    assert len(set(keys)) == 3 and all(key.startswith(API_KEY_PREFIX) and len(key) > 40 for key in keys)
    digests = [api_key_digest(key) for key in keys]
    assert all(len(digest) == 64 and key not in digest for key, digest in zip(keys, digests, strict=True))
    assert matching_digest(keys[1], digests) == digests[1]
    assert matching_digest(new_api_key(), digests) is None
    assert matching_digest(keys[1][:-1], digests) is None
    assert matching_digest("", digests) is None
