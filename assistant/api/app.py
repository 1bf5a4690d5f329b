"""The HTTP API: `create_app` wires the native `/api` routes, the OpenAI-compatible `/v1` routes and the API key."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from fastapi import Depends, FastAPI
from fastapi.responses import JSONResponse

from assistant.api.answers import AnswerSlots
from assistant.api.collections import collections_router
from assistant.api.conversations import conversations_router
from assistant.api.errors import BodyLimitMiddleware, add_error_handlers
from assistant.api.identity import current_user
from assistant.api.native import native_router
from assistant.api.openai import openai_router
from assistant.api.schemas import ErrorBody
from assistant.workspace import Workspace

if TYPE_CHECKING:
    from assistant.assistant import Assistant

logger = logging.getLogger(__name__)

MAX_JSON_BYTES = 1024 * 1024  # a question, its history and options fit easily; bigger bodies are refused unread
MULTIPART_OVERHEAD_BYTES = 64 * 1024


def create_app(target: Workspace | Assistant, max_concurrent_answers: int | None = None) -> FastAPI:
    """The API over a workspace (or one Assistant as the collection 'default').

    At most `max_concurrent_answers` (default: CPU count) answers are computed at once.
    """
    workspace = target if isinstance(target, Workspace) else Workspace.around(target)
    settings = workspace.settings
    answers = AnswerSlots(workspace, max_concurrent_answers)
    upload_limit = int(settings.max_upload_mb * 1024 * 1024)

    app = FastAPI(
        title="assistant",
        version="0.1.0",
        description="Answers questions about your documents, citing the exact words. Errors are `ErrorBody` JSON.",
        responses={422: {"model": ErrorBody, "description": "A request field is invalid (`param` names it)."}},
    )
    app.add_middleware(BodyLimitMiddleware, limit_for=lambda path: _body_limit(path, upload_limit))
    add_error_handlers(app)

    @app.get("/healthz", tags=["health"])
    def healthz() -> JSONResponse:
        """Whether the index is reachable, with its document and chunk counts (no API key needed)."""
        try:
            assistant = workspace.default_assistant()
            body = {
                "status": "ok",
                "store": "chroma-server" if settings.chroma_url else "embedded",
                "documents": len(assistant.documents()),
                "chunks": assistant.store.count(),
            }
        except Exception as error:  # noqa: BLE001 - any failure to reach the store means "not healthy"
            logger.warning("health check failed: %s", error)  # the detail may name hosts: log it, do not send it
            return JSONResponse(
                {"status": "unavailable", "error": "The index cannot be reached; see the server log."}, status_code=503
            )
        return JSONResponse(body)

    app.state.workspace = workspace  # read by `current_user`, and by the page mounted over the same workspace
    secured = [Depends(current_user)]
    app.include_router(native_router(workspace, answers), dependencies=secured)
    app.include_router(collections_router(workspace), dependencies=secured)
    app.include_router(conversations_router(workspace), dependencies=secured)
    app.include_router(openai_router(answers), dependencies=secured)
    return app


def _body_limit(path: str, upload_limit: int) -> int | None:
    if path == "/api/documents":
        return upload_limit + MULTIPART_OVERHEAD_BYTES
    if path.startswith(("/api/", "/v1/")):
        return MAX_JSON_BYTES
    return None  # the web page enforces its own upload limit
