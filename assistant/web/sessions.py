"""Who uses the page: the logged-in user of each request, the page's handlers per collection, and the login check."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.accounts.collection import Collection
from assistant.accounts.users import User
from assistant.assistant import Assistant
from assistant.core.errors import AssistantError
from assistant.core.types import Answer, DocumentRecord, IngestReport
from assistant.web.chat import ChatApp
from assistant.web.presentation import Turn, inert
from assistant.web.viewer import ViewerPanel, find_citation
from assistant.workspace import Workspace


class CollectionView:
    """One user's view of one collection, shaped like the Assistant that `ChatApp` drives: every call goes
    through the workspace, which checks the user's rights and holds the collection's write lock."""

    def __init__(self, workspace: Workspace, user: User, collection: Collection) -> None:
        self.workspace, self.user, self.collection = workspace, user, collection
        self.settings = workspace.assistant(collection).settings  # its upload folder among them

    def stream(self, question: str, history: Sequence[Any] | None = None, **options: Any) -> Iterator[str | Answer]:
        chosen = {"collection": self.collection.id, "history": history}
        for item in self.workspace.stream(self.user, question, **chosen, **options):
            yield item if isinstance(item, str) else item.answer

    def documents(self) -> list[DocumentRecord]:
        return self.workspace.documents(self.user, self.collection.id)

    def ingest(self, paths: Sequence[Path | str], progress: bool | None = None) -> IngestReport:
        return self.workspace.ingest(self.user, paths, self.collection.id, progress)

    def remove_document(self, document_id: str) -> int:
        return self.workspace.remove_document(self.user, document_id, self.collection.id)


class Sessions:
    """The page's view of the workspace: each handler names its `gr.Request`, and acts for who logged in."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace

    def user(self, request: gr.Request | None) -> User:
        """The logged-in user (the one local user when the page has no login)."""
        return self.workspace.user(getattr(request, "username", None))

    def chat(self, user: User, collection: Collection) -> ChatApp:
        """The chat handlers (questions, uploads, removals) over `collection`, acting for `user`."""
        return ChatApp(CollectionView(self.workspace, user, collection))  # cheap: paths and a lock

    def default_chat(self) -> ChatApp:
        """The handlers over the index that predates collections (the chat's example questions, exports)."""
        return ChatApp(self.workspace.default_assistant())

    def holder_of(self, user: User, chunk_id: str) -> Assistant | None:
        """The Assistant of the collection `user` may read that holds `chunk_id`, or None."""
        for collection in self.workspace.collections.list_for(user):
            assistant = self.workspace.assistant(collection)
            if assistant.store.get([chunk_id]):
                return assistant
        return None


def login_check(check: Callable[[str, str], object]) -> Callable[[str, str], Awaitable[bool]]:
    """`check` run off the event loop: an Argon2 check takes half a second, and would stall every other page."""

    async def checked(username: str, password: str) -> bool:
        return bool(await asyncio.to_thread(check, username, password))

    return checked


class CollectionViewer(ViewerPanel):
    """The source viewer over the collection that holds the cited passage, among those the user may read."""

    def __init__(self, sessions: Sessions, turns: gr.State) -> None:
        self._sessions = sessions
        self._local = threading.local()  # the Assistant `show` reads from, for the request being handled
        super().__init__(sessions.workspace.default_assistant(), turns)

    @property
    def assistant(self) -> Assistant:
        return getattr(self._local, "assistant", None) or self._default

    @assistant.setter
    def assistant(self, value: Assistant) -> None:
        self._default = value

    def show(self, turns: Sequence[Turn], value: str | None, request: gr.Request) -> str:
        """The viewer's HTML for the chosen citation, read from the collection that holds it."""
        citation = find_citation(turns, value)
        if citation is None:
            return super().show(turns, value)
        try:
            holder = self._sessions.holder_of(self._sessions.user(request), citation.chunk_id)
        except AssistantError as error:
            return f'<div class="viewer-note">{inert(str(error))}</div>'
        if holder is None:
            return (
                '<div class="viewer-note">This passage is no longer in any collection you may read (its document '
                "was removed or changed, or the collection was deleted).</div>"
            )
        self._local.assistant = holder
        try:
            return super().show(turns, value)
        finally:
            self._local.assistant = None
