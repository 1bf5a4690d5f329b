"""Argon2 with its smallest cost in these tests, for speed; test_passwords.py checks the real cost once."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch):
    """The same library and algorithm (Argon2id), at 8 KiB and one pass instead of 64 MiB and three."""
    monkeypatch.setattr(
        "assistant.accounts.passwords.HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )
