"""The collection routes: list, create, rename, share and delete the named document sets of the API key's user."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Path

from assistant.accounts.collection import Collection, can_write
from assistant.accounts.users import User
from assistant.api.identity import CurrentUser
from assistant.api.schemas import CollectionBody, NewCollection

if TYPE_CHECKING:
    from assistant.workspace import Workspace

CollectionId = Annotated[str, Path(description="A collection's id (GET /api/collections), or its name.")]
Reader = Annotated[str, Path(description="A user name, or '*' for every user.")]


def collections_router(workspace: Workspace) -> APIRouter:
    """The `/api/collections` routes; an id that is not the user's to see is a 404 like a missing one."""
    router = APIRouter(tags=["collections"])

    def body(user: User, collection: Collection) -> dict:
        label = workspace.collections.label(user, collection)
        return {**collection.to_dict(), "label": label, "writable": can_write(user, collection)}

    @router.get("/api/collections", response_model=list[CollectionBody])
    def list_collections(user: CurrentUser) -> list[dict]:
        """The collections you may ask: your own first, then those shared with you."""
        return [body(user, collection) for collection in workspace.collections.list_for(user)]

    @router.post("/api/collections", response_model=CollectionBody, status_code=201)
    def create(request: NewCollection, user: CurrentUser) -> dict:
        """A new empty collection of yours; add documents with POST /api/documents and its id."""
        return body(user, workspace.create_collection(user, request.name))

    @router.get("/api/collections/{collection_id}", response_model=CollectionBody)
    def get(collection_id: CollectionId, user: CurrentUser) -> dict:
        return body(user, workspace.collection(user, collection_id))

    @router.patch("/api/collections/{collection_id}", response_model=CollectionBody)
    def rename(collection_id: CollectionId, request: NewCollection, user: CurrentUser) -> dict:
        """Give your collection a new name (its id and documents stay)."""
        return body(user, workspace.rename_collection(user, collection_id, request.name))

    @router.delete("/api/collections/{collection_id}")
    def delete(collection_id: CollectionId, user: CurrentUser) -> dict:
        """Delete your collection with its documents; conversations about it keep their answers."""
        deleted = workspace.delete_collection(user, collection_id)
        return {"id": deleted.id, "deleted": True}

    @router.put("/api/collections/{collection_id}/readers/{reader}", response_model=CollectionBody)
    def share(collection_id: CollectionId, reader: Reader, user: CurrentUser) -> dict:
        """Let another user (or '*', everyone) ask your collection, read-only."""
        return body(user, workspace.share_collection(user, collection_id, reader))

    @router.delete("/api/collections/{collection_id}/readers/{reader}", response_model=CollectionBody)
    def unshare(collection_id: CollectionId, reader: Reader, user: CurrentUser) -> dict:
        """Stop sharing your collection with a user (or with everyone)."""
        return body(user, workspace.share_collection(user, collection_id, reader, shared=False))

    return router
