"""A collection: a named set of documents with its own Chroma collections and BM25 file, and who may use it."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from assistant.accounts.users import User

# Shared with EVERYONE: every user may read it (the index that predates collections is shared so).
EVERYONE = "*"
# What a prefix may be: Settings.collection's rule (3-60 of letters, digits, - and _) and Chroma's (a collection
# name starts and ends with a letter or digit); no dot or separator, so `<index_dir>/<prefix>-bm25.npz` stays in
# its folder whatever the registry file says.
_PREFIX = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{1,58}[A-Za-z0-9]")


@dataclass(frozen=True)
class Collection:
    """A document set: `name` is its title (renamable, unique among its owner's), `id` and `prefix` never change.

    Its chunks live in the Chroma collections `<prefix>-chunks` and `<prefix>-files` and its BM25 index in
    `<index_dir>/<prefix>-bm25.npz`: use `prefix` as `Settings.collection`. `prefix` is made from random digits,
    never from `name`.
    """

    id: str
    name: str
    owner: str
    prefix: str
    shared_with: frozenset[str] = field(default_factory=frozenset)
    created: float = 0.0

    def __post_init__(self) -> None:
        if not is_safe_prefix(self.prefix):
            raise ValueError(f"collection prefix must match {_PREFIX.pattern}; got {self.prefix!r}")

    def to_dict(self) -> dict[str, Any]:
        """The listing object of a collection (its prefix stays on the server)."""
        return {
            "id": self.id,
            "name": self.name,
            "owner": self.owner,
            "shared_with": sorted(self.shared_with),
            "created": self.created,
        }


def new_collection_id() -> str:
    """A fresh opaque id: 64 random bits as 16 hex digits."""
    return secrets.token_hex(8)


def prefix_for(collection_id: str) -> str:
    """The Chroma prefix of a new collection: `c-` and its id."""
    prefix = f"c-{collection_id}"
    if not is_safe_prefix(prefix):
        raise ValueError(f"collection id {collection_id!r} cannot make a prefix; ids are 16 hex digits")
    return prefix


def is_safe_prefix(prefix: object) -> bool:
    return isinstance(prefix, str) and _PREFIX.fullmatch(prefix) is not None


def can_read(user: User, collection: Collection) -> bool:
    """Whether `user` may ask questions of `collection`: its owner, a reader it is shared with, or everyone."""
    return user.name == collection.owner or bool({user.name, EVERYONE} & collection.shared_with)


def can_write(user: User, collection: Collection) -> bool:
    """Whether `user` may add or remove documents, rename, share or delete `collection`: its owner only."""
    return user.name == collection.owner
