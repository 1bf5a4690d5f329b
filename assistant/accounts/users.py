"""The users file: who may log in, their password hashes and API key digests, and the admin commands that edit it.

The file is JSON, written only by these functions (mode 0600):
`{"version": 1, "users": [{"name", "password": "$argon2id$...", "admin": bool,
"api_keys": [{"id", "sha256", "label", "created"}]}]}`.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.accounts.jsonfile import JsonFile
from assistant.accounts.names import check_user_name, shown
from assistant.accounts.passwords import api_key_digest, hash_password, new_api_key
from assistant.core.errors import InvalidNameError, NameTakenError, UserNotFoundError

USERS_FILE_VERSION = 1


@dataclass(frozen=True)
class User:
    """Someone who logs in; conversations and collections belong to a user by `name`."""

    name: str
    admin: bool = False


@dataclass(frozen=True)
class ApiKey:
    """What is kept of an API key: its id (to revoke it), a label, when it was made; never the key."""

    id: str
    label: str
    created: float


class UsersFile:
    """The users file, read again whenever it changes (an admin may add a user while the server runs)."""

    def __init__(self, path: Path) -> None:
        self.file = JsonFile(Path(path), "users file", {"version": USERS_FILE_VERSION, "users": []})

    @property
    def path(self) -> Path:
        return self.file.path

    def entries(self) -> list[dict[str, Any]]:
        """The users' entries as stored, checked."""
        return _checked_entries(self.file.read(), self.file)

    def users(self) -> list[User]:
        return [User(entry["name"], entry["admin"]) for entry in self.entries()]

    def entry(self, name: str) -> dict[str, Any] | None:
        """The entry of `name`, or None."""
        return next((entry for entry in self.entries() if entry["name"] == name), None)

    def edit_user(self, name: str, edit: Callable[[dict[str, Any]], Any]) -> Any:
        """Change the entry of `name` with `edit(entry)` under the file's lock; its result is returned."""

        def change(data: dict[str, Any]) -> Any:
            for entry in _checked_entries(data, self.file):
                if entry["name"] == name:
                    return edit(entry)
            raise _no_user(name, self.path)

        return self.file.change(change)


def add_user(path: Path, name: str, password: str, admin: bool = False) -> User:
    """Add a user with an Argon2id hash of `password` to the users file (made when missing)."""
    name = check_user_name(name)
    hashed = hash_password(password)  # before the lock: hashing takes half a second
    users = UsersFile(path)

    def change(data: dict[str, Any]) -> None:
        entries = _checked_entries(data, users.file)
        if any(entry["name"] == name for entry in entries):
            raise NameTakenError(
                f"The users file {path} already has a user {name!r}; set a new password with "
                f"`assistant users passwd {name}` or choose another name.",
                "user",
            )
        entries.append({"name": name, "password": hashed, "admin": bool(admin), "api_keys": []})

    users.file.change(change)
    return User(name, bool(admin))


def set_password(path: Path, name: str, password: str) -> None:
    """Replace the password hash of `name`."""
    hashed = hash_password(password)
    UsersFile(path).edit_user(name, lambda entry: entry.update(password=hashed))


def remove_user(path: Path, name: str) -> None:
    """Remove `name` and their API keys from the users file (their conversations stay in the database)."""
    users = UsersFile(path)

    def change(data: dict[str, Any]) -> None:
        entries = _checked_entries(data, users.file)
        kept = [entry for entry in entries if entry["name"] != name]
        if len(kept) == len(entries):
            raise _no_user(name, path)
        data["users"] = kept

    users.file.change(change)


def make_api_key(path: Path, name: str, label: str = "") -> str:
    """A new API key for `name`: returned once, kept only as its SHA-256 digest."""
    key = new_api_key()
    record = {"id": secrets.token_hex(4), "sha256": api_key_digest(key), "label": str(label), "created": time.time()}
    UsersFile(path).edit_user(name, lambda entry: entry["api_keys"].append(record))
    return key


def revoke_api_keys(path: Path, name: str, key_id: str | None = None) -> int:
    """Revoke the API key `key_id` of `name` (every one of theirs when None); how many were revoked."""

    def revoke(entry: dict[str, Any]) -> int:
        before = len(entry["api_keys"])
        entry["api_keys"] = [key for key in entry["api_keys"] if key_id is not None and key["id"] != key_id]
        return before - len(entry["api_keys"])

    return UsersFile(path).edit_user(name, revoke)


def list_users(path: Path) -> list[User]:
    """The users of the file, in the order they were added."""
    return UsersFile(path).users()


def api_keys(path: Path, name: str) -> list[ApiKey]:
    """What is kept of the API keys of `name`."""
    entry = UsersFile(path).entry(name)
    if entry is None:
        raise _no_user(name, path)
    return [ApiKey(key["id"], key.get("label", ""), key.get("created", 0.0)) for key in entry["api_keys"]]


def _no_user(name: str, path: Path) -> UserNotFoundError:
    return UserNotFoundError(f"The users file {path} has no user {shown(name)}; add one with `assistant users add`.")


def _checked_entries(data: dict[str, Any], file: JsonFile) -> list[dict[str, Any]]:
    """`data["users"]`, after checking every entry has the shape the functions above write."""
    if data.get("version") != USERS_FILE_VERSION or not isinstance(data.get("users"), list):
        raise file.corrupt(f'it must be {{"version": {USERS_FILE_VERSION}, "users": [...]}}')
    names = set()
    for number, entry in enumerate(data["users"], start=1):
        problem = _entry_problem(entry, names)
        if problem:
            raise file.corrupt(f"user #{number} {problem}")
        names.add(entry["name"])
    return data["users"]


def _entry_problem(entry: Any, names: set[str]) -> str | None:
    if not isinstance(entry, dict):
        return "is not an object"
    if not isinstance(entry.get("name"), str) or entry["name"] in names:
        return f"has a missing or repeated name: {shown(entry.get('name'))}"
    try:
        check_user_name(entry["name"])
    except InvalidNameError as error:
        return f"has a name that breaks the rule: {error}"
    if not isinstance(entry.get("password"), str) or not entry["password"].startswith("$argon2"):
        return "has no Argon2 password hash (set one with `assistant users passwd NAME`)"
    entry.setdefault("admin", False)
    entry.setdefault("api_keys", [])
    keys = entry["api_keys"]
    if not isinstance(keys, list) or not all(_is_key(key) for key in keys):
        return "has API keys that are not {id, sha256, label, created} objects"
    return None


def _is_key(key: Any) -> bool:
    return (
        isinstance(key, dict)
        and isinstance(key.get("id"), str)
        and isinstance(key.get("sha256"), str)
        and len(key["sha256"]) == 64
        and isinstance(key.get("label", ""), str)
    )
