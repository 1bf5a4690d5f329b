"""One Assistant per collection, built on first use over one shared embedder; its uploads folder and write lock."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

from assistant.accounts.collection import Collection
from assistant.assistant import Assistant
from assistant.core.config import Settings
from assistant.embedding.base import Embedder
from assistant.retrieval.lexical import lexical_index_for
from assistant.retrieval.store import ChromaStore


class Assistants:
    """The Assistants of the collections in use, by prefix; callers check that the user may use a collection.

    A collection's chunks live in the Chroma collections `<prefix>-chunks` and `<prefix>-files`, its BM25 index in
    `<index_dir>/<prefix>-bm25.npz`, its uploads in `<upload folder>/<prefix>/` (the default collection, whose
    prefix is `settings.collection`, keeps the upload folder itself, as before collections).
    """

    def __init__(self, settings: Settings, embedder: Embedder) -> None:
        self.settings = settings
        self.embedder = embedder
        self.upload_root = Path(settings.upload_dir or Path(settings.index_dir) / "uploads").resolve()
        self._assistants: dict[str, Assistant] = {}
        self._write_locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    def get(self, collection: Collection) -> Assistant:
        """The Assistant over `collection`'s chunks, built on first use."""
        with self._lock:
            found = self._assistants.get(collection.prefix)
            if found is None:
                update = {"collection": collection.prefix, "upload_dir": self.upload_dir(collection)}
                settings = self.settings.model_copy(update=update)
                store = ChromaStore(settings)
                if not settings.chroma_url:  # a server is reached at first use: down, it fails requests, not this
                    store.client  # noqa: B018 - open under the lock: Chroma's local client creation is not thread-safe
                found = self._assistants[collection.prefix] = Assistant(settings, store, self.embedder)
            return found

    def keep(self, assistant: Assistant) -> None:
        """Answer the collection of `assistant.settings.collection` with this Assistant (a front end's own)."""
        with self._lock:
            self._assistants[assistant.settings.collection] = assistant

    def upload_dir(self, collection: Collection) -> Path:
        """Where uploads to `collection` are kept."""
        if collection.prefix == self.settings.collection:
            return self.upload_root
        return self.upload_root / collection.prefix  # a prefix is letters, digits, - and _: it stays inside

    def write_lock(self, collection: Collection) -> threading.Lock:
        """Held around every ingest and removal of `collection`, from every front end of this process."""
        with self._lock:
            return self._write_locks.setdefault(collection.prefix, threading.Lock())

    def drop(self, collection: Collection) -> None:
        """Delete `collection`'s chunks, BM25 file and uploaded files (it was removed from the registry)."""
        assistant = self.get(collection)
        with self.write_lock(collection):
            uploads = self.upload_dir(collection)
            documents = [Path(document.id) for document in assistant.documents()]
            assistant.store.reset()
            (assistant.lexical or lexical_index_for(assistant.settings)).delete_file()
            if uploads == self.upload_root:  # the default collection's: other collections' folders lie beside them
                for path in documents:
                    if path.parent == uploads:
                        path.unlink(missing_ok=True)
            else:
                shutil.rmtree(uploads, ignore_errors=True)
        with self._lock:
            self._assistants.pop(collection.prefix, None)
