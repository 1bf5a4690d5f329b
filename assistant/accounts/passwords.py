"""Secrets kept only as hashes: passwords with Argon2id (argon2-cffi), API keys with SHA-256."""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from collections.abc import Iterable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from assistant.core.errors import InvalidOptionError

# argon2-cffi's defaults: Argon2id with RFC 9106's low-memory profile (64 MiB, 3 passes, 4 lanes); about 0.3-0.7 s
# a check on this 2-core machine, which is what makes a stolen users file slow to guess from.
HASHER = PasswordHasher()
MIN_PASSWORD_CHARS = 8
# Argon2 takes any length; the cap stops a request from making the server hash megabytes.
MAX_PASSWORD_CHARS = 1024
API_KEY_PREFIX = "ask_"


def hash_password(password: str, hasher: PasswordHasher | None = None) -> str:
    """The Argon2id hash of `password` (salted: two calls give different hashes)."""
    check_password(password)
    return (hasher or HASHER).hash(password)


def verify_password(hashed: str | None, password: str, hasher: PasswordHasher | None = None) -> bool:
    """Whether `password` is the one `hashed` was made from; with no hash, a dummy check of the same cost."""
    hasher = hasher or HASHER
    if not isinstance(password, str) or len(password) > MAX_PASSWORD_CHARS:
        return False
    try:
        # A missing user costs as much as a wrong password, so the time taken does not tell which names exist.
        return hasher.verify(hashed or _dummy_hash(hasher), password) and hashed is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def check_password(password: object) -> str:
    """`password` when it is long enough to keep and short enough to hash."""
    if not isinstance(password, str):
        raise InvalidOptionError(f"A password must be text; got {type(password).__name__}.", "password")
    if len(password) < MIN_PASSWORD_CHARS:
        raise InvalidOptionError(
            f"A password needs at least {MIN_PASSWORD_CHARS} characters; this one has {len(password)}. "
            "Choose a longer one.",
            "password",
        )
    if len(password) > MAX_PASSWORD_CHARS:
        raise InvalidOptionError(
            f"A password may have at most {MAX_PASSWORD_CHARS} characters; this one has {len(password)}.", "password"
        )
    return password


def new_api_key() -> str:
    """A fresh API key: 256 random bits, shown once and kept only as its digest."""
    return API_KEY_PREFIX + secrets.token_urlsafe(32)


def api_key_digest(key: str) -> str:
    """The digest an API key is stored as.

    SHA-256 is enough here and Argon2 is not needed: a key is 256 random bits, so no guessing can find it from
    its digest, and a fast digest lets every request be checked without a 0.5 s hash.
    """
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def matching_digest(key: str, digests: Iterable[str]) -> str | None:
    """The stored digest that `key` hashes to, comparing with every one in constant time (no early exit)."""
    given = api_key_digest(key).encode()
    found = None
    for digest in digests:
        if hmac.compare_digest(given, digest.encode()):
            found = digest
    return found


@functools.lru_cache(maxsize=4)
def _dummy_hash(hasher: PasswordHasher) -> str:
    return hasher.hash(secrets.token_urlsafe(16))
