"""The collection registry: which collections exist, their owners and readers, kept in `<data_dir>/collections.json`.

The file: `{"version": 1, "default_registered": bool, "collections": [{"id", "name", "owner", "prefix",
"shared_with": [...], "created"}]}`. Every lookup takes the user: an id that is not theirs to read gives the same
`CollectionNotFoundError` as an id that does not exist.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from assistant.accounts.collection import (
    EVERYONE,
    Collection,
    can_read,
    can_write,
    is_safe_prefix,
    new_collection_id,
    prefix_for,
)
from assistant.accounts.jsonfile import JsonFile
from assistant.accounts.names import check_collection_name, check_user_name, shown
from assistant.accounts.users import User
from assistant.core.config import Settings
from assistant.core.errors import (
    CollectionNotFoundError,
    InvalidNameError,
    InvalidOptionError,
    NameTakenError,
    PermissionDeniedError,
)

REGISTRY_VERSION = 1
REGISTRY_FILE = "collections.json"
# The id of the collection that holds the index made before collections existed.
DEFAULT_ID = "default"


class Collections:
    """The registry of one data folder; safe for threads and processes (changes take the file's lock)."""

    def __init__(self, path: Path, default_prefix: str = "assistant", default_name: str = "default") -> None:
        empty = {"version": REGISTRY_VERSION, "default_registered": False, "collections": []}
        self._file = JsonFile(Path(path), "collection registry", empty, mode=0o644)
        self.default_prefix = default_prefix
        self.default_name = default_name

    @classmethod
    def from_settings(cls, settings: Settings) -> Collections:
        folder = settings.data_dir or settings.index_dir
        return cls(Path(folder) / REGISTRY_FILE, settings.collection, settings.default_collection)

    @property
    def path(self) -> Path:
        return self._file.path

    # -- reading ----------------------------------------------------------------------------------
    def list_for(self, user: User) -> list[Collection]:
        """The collections `user` may read: their own first, then those shared with them, each by name."""
        readable = [collection for collection in self._all() if can_read(user, collection)]
        return sorted(readable, key=lambda c: (c.owner != user.name, c.name.casefold(), c.owner, c.id))

    def get(self, user: User, collection_id: str) -> Collection:
        """The collection with this id, when `user` may read it."""
        for collection in self._all():
            if collection.id == collection_id and can_read(user, collection):
                return collection
        raise _not_found(collection_id)

    def resolve(self, user: User, reference: str) -> Collection:
        """The collection `reference` names for `user`: an id, one of their names, or `owner/name` of a shared one."""
        if not isinstance(reference, str):
            raise _not_found(reference)
        readable = self.list_for(user)
        by_id = [collection for collection in readable if collection.id == reference]
        if by_id:
            return by_id[0]
        owner, name = _owner_and_name(reference)
        named = [c for c in readable if c.name.casefold() == name.casefold() and owner in (None, c.owner)]
        own = [collection for collection in named if collection.owner == user.name]
        if own or len(named) == 1:
            return (own or named)[0]
        if named:
            choices = " or ".join(repr(label_of(collection)) for collection in named)
            raise InvalidOptionError(
                f"{len(named)} collections shared with you are named {name!r}: name {choices}.", "collection"
            )
        raise _not_found(reference)

    def label(self, user: User, collection: Collection) -> str:
        """How `user` names `collection` (the OpenAI `model`): its name when that resolves to it, else `owner/name`."""
        try:
            if self.resolve(user, collection.name).id == collection.id:
                return collection.name
        except (CollectionNotFoundError, InvalidOptionError):
            pass
        return label_of(collection)

    def writable(self, user: User, collection_id: str) -> Collection:
        """The collection with this id, when `user` owns it (may add or remove documents)."""
        return _writable(self._all(), user, collection_id)

    # -- changing ---------------------------------------------------------------------------------
    def ensure_default(self, owner: User, shared_with: Iterable[str] = (EVERYONE,)) -> Collection | None:
        """Register the index that predates collections (prefix `default_prefix`) as `default_name`, once.

        Nothing is re-embedded: the collection keeps the Chroma collections and BM25 file it had. Later calls do
        nothing, also after its owner deleted it. Returns the collection when this call registered it.
        """
        name = check_collection_name(self.default_name)
        readers = frozenset(_check_reader(reader) for reader in shared_with)

        def register(data: dict[str, Any]) -> Collection | None:
            collections = _collections(data, self._file)
            if data.get("default_registered"):
                return None
            data["default_registered"] = True
            if any(c.owner == owner.name and c.name.casefold() == name.casefold() for c in collections):
                return None
            collection = Collection(DEFAULT_ID, name, owner.name, self.default_prefix, readers, time.time())
            data["collections"].append(_record(collection))
            return collection

        return self._file.change(register)

    def create(self, owner: User, name: str) -> Collection:
        """A new empty collection of `owner`, with a fresh id and prefix."""
        name = check_collection_name(name)

        def add(data: dict[str, Any]) -> Collection:
            _check_free(_collections(data, self._file), owner.name, name)
            collection_id = new_collection_id()
            collection = Collection(
                collection_id, name, owner.name, prefix_for(collection_id), frozenset(), time.time()
            )
            data["collections"].append(_record(collection))
            return collection

        return self._file.change(add)

    def rename(self, user: User, collection_id: str, name: str) -> Collection:
        """Give the collection a new name (its id, prefix and documents stay)."""
        name = check_collection_name(name)

        def edit(collection: Collection, others: list[Collection]) -> Collection:
            _check_free([other for other in others if other.id != collection.id], collection.owner, name)
            return replace(collection, name=name)

        return self._edit(user, collection_id, edit)

    def share(self, user: User, collection_id: str, reader: str) -> Collection:
        """Let `reader` (a user name, or EVERYONE) read the collection."""
        reader = _check_reader(reader)
        return self._edit(user, collection_id, lambda c, _: replace(c, shared_with=c.shared_with | {reader}))

    def unshare(self, user: User, collection_id: str, reader: str) -> Collection:
        """Stop sharing the collection with `reader`."""
        return self._edit(user, collection_id, lambda c, _: replace(c, shared_with=c.shared_with - {reader}))

    def delete(self, user: User, collection_id: str) -> Collection:
        """Remove the collection from the registry; returns it, so the caller can drop its chunks and BM25 file."""

        def remove(data: dict[str, Any]) -> Collection:
            collection = _writable(_collections(data, self._file), user, collection_id)
            data["collections"] = [record for record in data["collections"] if record["id"] != collection_id]
            return collection

        return self._file.change(remove)

    # -- the file ---------------------------------------------------------------------------------
    def _all(self) -> list[Collection]:
        return _collections(self._file.read(), self._file)

    def _edit(self, user: User, collection_id: str, edit: Callable[[Collection, list[Collection]], Collection]):
        def change(data: dict[str, Any]) -> Collection:
            collections = _collections(data, self._file)
            changed = edit(_writable(collections, user, collection_id), collections)
            data["collections"] = [_record(changed) if c.id == changed.id else _record(c) for c in collections]
            return changed

        return self._file.change(change)


def label_of(collection: Collection) -> str:
    """`owner/name`: the name of a collection that holds for every user who may read it."""
    return f"{collection.owner}/{collection.name}"


def _owner_and_name(reference: str) -> tuple[str | None, str]:
    """`owner/name` split, or (None, name); a reference that is neither gives the naming rule it breaks."""
    owner, separator, name = reference.partition("/")
    if separator:
        try:
            return check_user_name(owner), check_collection_name(name)
        except InvalidNameError:
            check_collection_name(reference)  # names the rule: absolute path, separator, NUL, length
            raise
    return None, check_collection_name(reference)


def _writable(collections: list[Collection], user: User, collection_id: str) -> Collection:
    for collection in collections:
        if collection.id == collection_id and can_read(user, collection):
            if not can_write(user, collection):
                raise PermissionDeniedError(
                    f"The collection {collection.name!r} is shared with you read-only: only its owner "
                    f"({collection.owner}) may change it or add and remove its documents."
                )
            return collection
    raise _not_found(collection_id)


def _check_free(collections: list[Collection], owner: str, name: str) -> None:
    if any(c.owner == owner and c.name.casefold() == name.casefold() for c in collections):
        raise NameTakenError(
            f"You already have a collection named {name!r}; choose another name or rename that one.", "collection"
        )


def _check_reader(reader: str) -> str:
    return reader if reader == EVERYONE else check_user_name(reader)


def _not_found(reference: object) -> CollectionNotFoundError:
    # One message for a missing id and for another user's: it must not tell which.
    return CollectionNotFoundError(
        f"No collection {shown(reference)} is yours or shared with you; pick one from the list of your collections."
    )


def _record(collection: Collection) -> dict[str, Any]:
    return {**collection.to_dict(), "prefix": collection.prefix}


def _collections(data: dict[str, Any], file: JsonFile) -> list[Collection]:
    """The registry's collections, after checking each record (a hand-edited file may hold anything)."""
    if data.get("version") != REGISTRY_VERSION or not isinstance(data.get("collections"), list):
        raise file.corrupt(f'it must be {{"version": {REGISTRY_VERSION}, "collections": [...]}}')
    collections, seen = [], set()
    for number, record in enumerate(data["collections"], start=1):
        collection = _collection(record)
        if collection is None or {collection.id, "prefix:" + collection.prefix} & seen:
            raise file.corrupt(
                f"collection #{number} is not a valid record, or repeats an id or prefix: {shown(record)}"
            )
        seen |= {collection.id, "prefix:" + collection.prefix}
        collections.append(collection)
    return collections


def _collection(record: Any) -> Collection | None:
    try:
        readers = record.get("shared_with", [])
        if not (
            isinstance(record["id"], str) and isinstance(record["owner"], str) and is_safe_prefix(record["prefix"])
        ):
            return None
        if not isinstance(readers, list) or not all(isinstance(reader, str) for reader in readers):
            return None
        if not isinstance(record["created"], int | float):
            return None
        name = check_collection_name(record["name"])
        return Collection(record["id"], name, record["owner"], record["prefix"], frozenset(readers), record["created"])
    except (AttributeError, KeyError, TypeError, ValueError):
        return None
