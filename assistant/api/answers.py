"""Answers for the HTTP routes: the request's generator checked, `ask`/`stream` run in worker threads, N at once."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from functools import partial
from typing import TYPE_CHECKING

import anyio
from starlette.concurrency import iterate_in_threadpool

from assistant.api.errors import ApiError

if TYPE_CHECKING:
    from assistant.accounts.users import User
    from assistant.workspace import Reply, Workspace


class AnswerSlots:
    """Computes the workspace's answers off the event loop, at most `max_concurrent` (default: CPU count) at once."""

    def __init__(self, workspace: Workspace, max_concurrent: int | None = None) -> None:
        self.workspace = workspace
        self.generators = workspace.generators()
        self._limiter = anyio.CapacityLimiter(max_concurrent or os.cpu_count() or 2)

    def options(
        self,
        generator: str | None,
        field: str,
        k: int | None = None,
        sources: list | None = None,
        collection: str | None = None,
        conversation: str | None = None,
    ) -> dict:
        """The keyword arguments of `ask`/`stream`; an unknown `generator` is an error naming request `field`."""
        if generator is not None and generator not in self.generators:
            status = 404 if field == "model" else 422
            raise ApiError(
                status,
                f"Unknown {field} {generator!r}; available: {', '.join(self.generators)}.",
                field,
                "model_not_found",
            )
        chosen = {"collection": collection, "conversation": conversation}
        return {"k": k, "sources": sources, "generator": generator, **chosen}

    async def answer(self, user: User, question: str, history: list, options: dict) -> Reply:
        ask = partial(self.workspace.ask, user, question, history=history, **options)
        return await anyio.to_thread.run_sync(ask, limiter=self._limiter)

    async def stream(self, user: User, question: str, history: list, options: dict) -> AsyncIterator[str | Reply]:
        """The stream's first item is computed before the response starts, so bad input is still a 4xx."""
        chunks = self.workspace.stream(user, question, history=history, **options)
        first = await anyio.to_thread.run_sync(partial(next, chunks, None), limiter=self._limiter)

        async def rest() -> AsyncIterator[str | Reply]:
            if first is not None:
                yield first
            async for chunk in iterate_in_threadpool(chunks):
                yield chunk

        return rest()
