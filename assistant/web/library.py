"""The page's collection panel: choose, create, rename and delete collections, and their documents' handlers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gradio as gr

from assistant.accounts.collection import can_write
from assistant.accounts.users import User
from assistant.core.errors import AssistantError
from assistant.web.presentation import inert
from assistant.web.sessions import Sessions


class LibraryPanel:
    """The collection selector with its management buttons; questions and uploads go to the chosen collection.

    `views` outputs (selector, info) and, once `documents` wired them, the document table, the removal choices and
    the search-scope choices.
    """

    def __init__(self, sessions: Sessions) -> None:
        self.sessions = sessions
        self.workspace = sessions.workspace
        with gr.Accordion("Collection", open=True, elem_id="collection-panel"):
            self.selector = gr.Dropdown(
                [], label="Ask and add documents to", elem_id="collection", interactive=True, allow_custom_value=False
            )
            self.info = gr.HTML(elem_id="collection-info")
            self.name = gr.Textbox(
                placeholder="Name of a new collection, or a new name for this one",
                show_label=False,
                elem_id="collection-name",
                max_lines=1,
                max_length=64,
            )
            with gr.Row():
                self.create_button = gr.Button("Create", elem_id="collection-create", size="sm")
                self.rename_button = gr.Button("Rename", elem_id="collection-rename", size="sm")
                self.delete_button = gr.Button("Delete", elem_id="collection-delete", size="sm", variant="stop")
            self.status = gr.HTML(elem_id="collection-status")
        self.document_outputs: list[Any] = []

    @property
    def view_outputs(self) -> list[Any]:
        return [self.selector, self.info, *self.document_outputs]

    def wire(self, switched: Callable[[Any], Any]) -> None:
        """Hook the panel's events; `switched(event)` follows each one that may choose another collection."""
        changed = [*self.view_outputs, self.status, self.name]
        switched(self.selector.input(self.show, [self.selector], self.view_outputs))
        switched(self.create_button.click(self.create, [self.name], changed))
        switched(self.delete_button.click(self.delete, [self.selector], changed))
        self.rename_button.click(self.rename, [self.selector, self.name], changed)

    # -- views ------------------------------------------------------------------------------------
    def views(self, user: User, collection_id: str | None) -> tuple[Any, ...]:
        """The selector showing `collection_id` (default: the default collection) and that collection's documents."""
        readable = self.workspace.collections.list_for(user)
        chosen = next((c for c in readable if c.id == collection_id), None)
        if chosen is None:
            try:
                chosen = self.workspace.collection(user)
            except AssistantError:
                chosen = readable[0] if readable else None
        choices = [(self._label(user, c), c.id) for c in readable]
        selector = gr.Dropdown(choices=choices, value=chosen.id if chosen else None)
        if chosen is None:
            info = '<span class="collection-none">You have no collection yet: create one above.</span>'
            documents = (
                "",
                gr.Dropdown(choices=[], value=None),
                gr.Dropdown(choices=[], value=None),
            )
            return (selector, info, *documents)
        if can_write(user, chosen):
            info = f'<span class="collection-own">Your collection <b>{inert(chosen.name)}</b>.</span>'
        else:
            info = (
                f'<span class="collection-shared">Shared by <b>{inert(chosen.owner)}</b>, read-only: you may ask it, '
                "not change it.</span>"
            )
        return (selector, info, *self.sessions.chat(user, chosen).document_views())

    def _label(self, user: User, collection: Any) -> str:
        label = self.workspace.collections.label(user, collection)
        return label if can_write(user, collection) else f"{label} (shared, read-only)"

    def show(self, collection_id: str | None, request: gr.Request) -> tuple[Any, ...]:
        """The views of the chosen collection (after the selector or a reopened conversation changed it)."""
        return self.views(self.sessions.user(request), collection_id)

    def load(self, request: gr.Request) -> tuple[Any, ...]:
        return self.views(self.sessions.user(request), None)

    # -- managing collections ---------------------------------------------------------------------
    def create(self, name: str, request: gr.Request) -> tuple[Any, ...]:
        def create(user: User) -> tuple[str | None, str]:
            created = self.workspace.create_collection(user, name)
            return created.id, f"Created {created.name!r}."

        return self._change(request, None, create)

    def rename(self, collection_id: str | None, name: str, request: gr.Request) -> tuple[Any, ...]:
        def rename(user: User) -> tuple[str | None, str]:
            renamed = self.workspace.rename_collection(user, self._chosen(collection_id), name)
            return renamed.id, f"Renamed to {renamed.name!r}."

        return self._change(request, collection_id, rename)

    def delete(self, collection_id: str | None, request: gr.Request) -> tuple[Any, ...]:
        def delete(user: User) -> tuple[str | None, str]:
            deleted = self.workspace.delete_collection(user, self._chosen(collection_id))
            return None, f"Deleted {deleted.name!r} and its documents."

        return self._change(request, collection_id, delete)

    def _change(
        self, request: gr.Request, current: str | None, change: Callable[[User], tuple[str | None, str]]
    ) -> tuple[Any, ...]:
        """Run `change(user)`: the views of the collection it names, a status line, and the name box cleared."""
        user = self.sessions.user(request)
        try:
            shown, message = change(user)
        except AssistantError as error:
            return (*self.views(user, current), _failed(error), gr.skip())
        return (*self.views(user, shown), f"&#10003; {inert(message)}", "")

    @staticmethod
    def _chosen(collection_id: str | None) -> str:
        if not collection_id:
            raise AssistantError("Choose a collection first.")
        return collection_id

    # -- documents of the chosen collection -------------------------------------------------------
    def add_documents(
        self,
        files: list[str] | None,
        collection_id: str | None,
        request: gr.Request,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 - Gradio's way to report progress
    ) -> tuple[Any, ...]:
        """Ingest uploads into the chosen collection, when it is the user's own."""
        user = self.sessions.user(request)
        try:
            collection, _ = self.workspace.writable(user, collection_id or None)
        except AssistantError as error:
            gr.Warning(str(error))
            return (_failed(error), None, *self.views(user, collection_id)[2:])
        return self.sessions.chat(user, collection).add_documents(files, progress)

    def remove(self, document_id: str | None, collection_id: str | None, request: gr.Request) -> tuple[Any, ...]:
        """Remove a document from the chosen collection, when it is the user's own."""
        user = self.sessions.user(request)
        try:
            collection, assistant = self.workspace.writable(user, collection_id or None)
            if document_id and document_id not in {document.id for document in assistant.documents()}:
                raise AssistantError("That document is not in this collection; choose one from the list.")
        except AssistantError as error:
            return (_failed(error), *self.views(user, collection_id)[2:])
        return self.sessions.chat(user, collection).remove(document_id)


def _failed(error: Exception) -> str:
    return f'<span class="error">&#10007; {inert(str(error))}</span>'
