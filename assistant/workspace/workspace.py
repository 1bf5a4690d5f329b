"""Workspace: the users of one server, their collections and conversations, and an Assistant per collection."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.accounts.collection import Collection
from assistant.accounts.directory import Accounts
from assistant.accounts.registry import Collections
from assistant.accounts.users import User
from assistant.assistant import Assistant
from assistant.conversations.records import Conversation, Transcript, Turn
from assistant.conversations.store import ConversationStore
from assistant.core.config import Settings
from assistant.core.errors import IndexNotFoundError, InvalidOptionError, UserNotFoundError
from assistant.core.types import Answer, DocumentRecord, IngestReport
from assistant.embedding.base import Embedder
from assistant.embedding.build import build_embedder
from assistant.workspace.assistants import Assistants

# Earlier turns of a stored conversation that a follow-up is answered with (the facade's follow-up rules read the
# last question; generators get this much context).
HISTORY_TURNS = 10


@dataclass(frozen=True)
class Reply:
    """An answer, the collection that gave it, and its stored turn when it was asked within a conversation."""

    answer: Answer
    collection: Collection
    turn: Turn | None = None

    def to_dict(self) -> dict[str, Any]:
        """The answer object of DESIGN.md; within a conversation also `conversation` (its id) and `turn`."""
        values = self.answer.to_dict()
        if self.turn is not None:
            values.update(conversation=self.turn.conversation, turn=self.turn.position)
        return values


@dataclass(frozen=True)
class _Question:
    collection: Collection
    assistant: Assistant
    conversation: Conversation | None
    history: Sequence[Any] | None


class Workspace:
    """Every front end's entry: each call names the user, and sees only what that user may see.

    An `Assistant` is built per collection on first use (all share one embedder) and kept; the collection that
    predates collections (prefix `settings.collection`) is registered as `default` and keeps its index.
    """

    def __init__(
        self,
        settings: Settings,
        accounts: Accounts,
        collections: Collections,
        embedder: Embedder,
        conversations: ConversationStore | None = None,
    ) -> None:
        self.settings = settings
        self.accounts = accounts
        self.collections = collections
        self.embedder = embedder
        self.assistants = Assistants(settings, embedder)
        self._conversations = conversations
        self._lock = threading.Lock()
        self._default_registered = False
        if settings.chroma_url or self.data_dir.is_dir():  # else at the first ingest: a typo makes no folder
            self._register_default()

    @classmethod
    def from_settings(cls, settings: Settings | None = None, embedder: Embedder | None = None) -> Workspace:
        """The workspace of `settings` (default: `ASSISTANT_*`): users file, registry and database in data_dir."""
        settings = settings or Settings()
        accounts = Accounts.from_settings(settings)
        return cls(settings, accounts, Collections.from_settings(settings), embedder or build_embedder(settings))

    @classmethod
    def around(cls, assistant: Assistant) -> Workspace:
        """A workspace whose collection `default` is answered by `assistant` (the single-collection front ends)."""
        workspace = cls.from_settings(assistant.settings, assistant.embedder)
        workspace.assistants.keep(assistant)
        return workspace

    @property
    def data_dir(self) -> Path:
        """The folder of the collection registry and the conversation database."""
        return Path(self.settings.data_dir or self.settings.index_dir)

    def _register_default(self) -> None:
        """Register the index that predates collections as the collection 'default' (once; nothing re-embedded)."""
        if not self._default_registered:
            self.collections.ensure_default(self.accounts.default_owner())
            self._default_registered = True

    @property
    def conversations(self) -> ConversationStore:
        """The conversation database, opened on first use (a damaged one raises CorruptDataError naming the fix)."""
        with self._lock:
            if self._conversations is None:
                self._conversations = ConversationStore.from_settings(self.settings)
            return self._conversations

    def close(self) -> None:
        if self._conversations is not None:
            self._conversations.close()

    # -- who is asking ----------------------------------------------------------------------------
    def login(self, name: str, password: str, api_key_as_password: bool = False) -> User | None:
        """The user for a page login: their password, or (when allowed) an API key of theirs as the password.

        Without a users file there is one user, so ASSISTANT_API_KEY logs in under any name, as before.
        """
        user = self.accounts.authenticate(name, password)
        if user is None and api_key_as_password:
            owner = self.accounts.user_for_api_key(password)
            if owner is not None and (owner.name == name or self.settings.users_file is None):
                user = owner
        return user

    def api_user(self, key: str | None) -> User | None:
        """The user an HTTP request acts for: the owner of its API key; anyone when no key is configured."""
        if self.settings.users_file is None and self.settings.api_key is None:
            return self.accounts.default_owner()
        return self.accounts.user_for_api_key(key) if key else None

    def user(self, name: str | None = None) -> User:
        """The user called `name` (a page login, `--user`); without a users file, the one user there is."""
        if self.settings.users_file is None:
            return self.accounts.default_owner()
        found = self.accounts.get(name) if name else None
        if found is None:
            raise UserNotFoundError(
                f"No user {name!r} is in the users file {self.settings.users_file}; log in again as a listed user "
                "(`assistant users list`)."
            )
        return found

    # -- collections ------------------------------------------------------------------------------
    def collection(self, user: User, reference: str | None = None) -> Collection:
        """The collection `reference` (id, name or `owner/name`) names for `user`; None: the default collection."""
        if not self._default_registered and self.data_dir.is_dir():
            self._register_default()
        if not self._default_registered and reference is None:
            where = self.settings.index_dir
            raise IndexNotFoundError(
                f"No index at {where}. Build it with `assistant ingest PATH --index {where}` (or `make index`)."
            )
        return self.collections.resolve(user, self.settings.default_collection if reference is None else reference)

    def create_collection(self, user: User, name: str) -> Collection:
        self._register_default()
        return self.collections.create(user, name)

    def rename_collection(self, user: User, reference: str, name: str) -> Collection:
        return self.collections.rename(user, self.collection(user, reference).id, name)

    def share_collection(self, user: User, reference: str, reader: str, shared: bool = True) -> Collection:
        """Let `reader` (a user name, or `*` for everyone) read the collection, or stop it (`shared=False`)."""
        collection_id = self.collection(user, reference).id
        if shared:
            return self.collections.share(user, collection_id, reader)
        return self.collections.unshare(user, collection_id, reader)

    def delete_collection(self, user: User, reference: str) -> Collection:
        """Delete the collection with its chunks, its BM25 file and its uploaded files (its owner only)."""
        collection = self.collections.delete(user, self.collection(user, reference).id)
        self.assistants.drop(collection)
        return collection

    def assistant(self, collection: Collection) -> Assistant:
        """The Assistant over `collection`'s chunks, built on first use; callers check the user may use it."""
        return self.assistants.get(collection)

    def default_assistant(self) -> Assistant:
        """The Assistant of the index that predates collections (health checks)."""
        return self.assistant(Collection("default", "default", "", self.settings.collection))

    def upload_dir(self, collection: Collection) -> Path:
        return self.assistants.upload_dir(collection)

    def write_lock(self, collection: Collection) -> threading.Lock:
        return self.assistants.write_lock(collection)

    def readable(self, user: User, reference: str | None = None) -> tuple[Collection, Assistant]:
        collection = self.collection(user, reference)
        return collection, self.assistant(collection)

    def writable(self, user: User, reference: str | None = None) -> tuple[Collection, Assistant]:
        """The collection and its Assistant when `user` owns it (PermissionDeniedError when shared read-only)."""
        self._register_default()
        collection = self.collections.writable(user, self.collection(user, reference).id)
        return collection, self.assistant(collection)

    # -- documents --------------------------------------------------------------------------------
    def documents(self, user: User, collection: str | None = None) -> list[DocumentRecord]:
        return self.readable(user, collection)[1].documents()

    def ingest(
        self, user: User, paths: Sequence[Path | str], collection: str | None = None, progress: bool | None = None
    ) -> IngestReport:
        target, assistant = self.writable(user, collection)
        with self.write_lock(target):
            return assistant.ingest(paths, progress=progress)

    def remove_document(self, user: User, document_id: str, collection: str | None = None) -> int:
        target, assistant = self.writable(user, collection)
        with self.write_lock(target):
            return assistant.remove_document(document_id)

    # -- questions --------------------------------------------------------------------------------
    def generators(self) -> list[str]:
        """The answer generators a question may choose (the same for every collection)."""
        return list(dict.fromkeys([self.settings.generator, "extractive"]))

    def ask(self, user: User, question: str, **options: Any) -> Reply:
        """Answer `question` from one collection; within a `conversation`, with its history, and stored in it.

        Options: `collection`, `conversation` (an id), `history`, `k`, `sources`, `generator`.
        """
        *_, reply = self.stream(user, question, **options)
        return reply

    def stream(
        self,
        user: User,
        question: str,
        collection: str | None = None,
        conversation: str | None = None,
        history: Sequence[Any] | None = None,
        k: int | None = None,
        sources: Sequence[str] | None = None,
        generator: str | None = None,
    ) -> Iterator[str | Reply]:
        """The answer text as produced, then the Reply; the turn is stored only once the answer is complete."""
        target = self._question(user, collection, conversation, history)
        question = target.assistant.validate_question(question)
        answer = None
        try:
            for item in target.assistant.stream(question, target.history, k=k, sources=sources, generator=generator):
                if isinstance(item, Answer):
                    answer = item
                elif item:
                    yield item
        except IndexNotFoundError as error:
            raise self._empty(target.collection, error) from error
        if answer is None:
            return
        turn = None
        if target.conversation is not None:
            turn = self.conversations.append(user.name, target.conversation.id, question, answer, target.collection.id)
        yield Reply(answer, target.collection, turn)

    def _question(
        self, user: User, collection: str | None, conversation: str | None, history: Sequence[Any] | None
    ) -> _Question:
        if conversation is None:
            target = self.collection(user, collection)
            return _Question(target, self.assistant(target), None, history)
        if history:
            raise InvalidOptionError(
                "Give either `history` or `conversation`, not both: a stored conversation brings its own history.",
                "history",
            )
        found = self.conversations.get(user.name, conversation)
        target = self.collection(user, found.collection if collection is None else collection)
        if target.id != found.collection:
            raise InvalidOptionError(
                f"The conversation {found.title!r} is about another collection; ask it there, or start a new "
                f"conversation about {target.name!r}.",
                "collection",
            )
        stored = self.conversations.history(user.name, found.id, last=HISTORY_TURNS)
        return _Question(target, self.assistant(target), found, stored)

    def _empty(self, collection: Collection, error: IndexNotFoundError) -> IndexNotFoundError:
        if collection.prefix == self.settings.collection:
            return error
        return IndexNotFoundError(
            f"The collection {collection.name!r} holds no documents yet. Add some with `assistant ingest PATH "
            f"--collection {collection.name!r}`, the page's upload, or POST /api/documents."
        )

    # -- conversations ----------------------------------------------------------------------------
    def start_conversation(self, user: User, collection: str | None = None, title: str | None = None) -> Conversation:
        """A new conversation about a collection `user` may read; untitled ones take their first question."""
        return self.conversations.create(user.name, self.collection(user, collection).id, title)

    def record(
        self, user: User, conversation_id: str | None, collection: Collection, question: str, answer: Answer
    ) -> Turn:
        """Store a complete answer as the next turn of the conversation (a new one about `collection` when None)."""
        if conversation_id is None:
            conversation_id = self.conversations.create(user.name, collection.id).id
        return self.conversations.append(user.name, conversation_id, question, answer, collection.id)

    def conversations_of(self, user: User, limit: int | None = None) -> list[Conversation]:
        return self.conversations.list_for(user.name, limit)

    def conversation(self, user: User, conversation_id: str) -> Conversation:
        return self.conversations.get(user.name, conversation_id)

    def transcript(self, user: User, conversation_id: str) -> Transcript:
        """The conversation with every turn, each answer with the citations and passages it had."""
        return self.conversations.export(user.name, conversation_id)

    def rename_conversation(self, user: User, conversation_id: str, title: str) -> Conversation:
        return self.conversations.rename(user.name, conversation_id, title)

    def delete_conversation(self, user: User, conversation_id: str) -> None:
        self.conversations.delete(user.name, conversation_id)
