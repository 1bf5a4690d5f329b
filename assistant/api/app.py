"""The HTTP API: `create_app` wires the native `/api` routes, the OpenAI-compatible `/v1` routes and the API key."""

from __future__ import annotations

import hmac
import logging
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, FastAPI, Security
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException

from assistant.api.answers import AnswerSlots
from assistant.api.errors import BodyLimitMiddleware, add_error_handlers
from assistant.api.native import native_router
from assistant.api.openai import openai_router
from assistant.api.schemas import ErrorBody

if TYPE_CHECKING:
    from assistant.assistant import Assistant

logger = logging.getLogger(__name__)

MAX_JSON_BYTES = 1024 * 1024  # a question, its history and options fit easily; bigger bodies are refused unread
MULTIPART_OVERHEAD_BYTES = 64 * 1024
_bearer = HTTPBearer(auto_error=False, description="`Authorization: Bearer <ASSISTANT_API_KEY>` when the key is set.")


def create_app(assistant: Assistant, max_concurrent_answers: int | None = None) -> FastAPI:
    """The API over `assistant`; at most `max_concurrent_answers` (default: CPU count) answers computed at once."""
    settings = assistant.settings
    answers = AnswerSlots(assistant, max_concurrent_answers)
    upload_limit = int(settings.max_upload_mb * 1024 * 1024)

    def require_key(credentials: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)]) -> None:
        if settings.api_key is None:
            return
        given = credentials.credentials if credentials else ""
        if not hmac.compare_digest(given.encode(), settings.api_key.encode()):
            raise HTTPException(401, "Missing or wrong API key: send `Authorization: Bearer <ASSISTANT_API_KEY>`.")

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

    secured = [Depends(require_key)]
    app.include_router(native_router(assistant, answers), dependencies=secured)
    app.include_router(openai_router(answers), dependencies=secured)
    return app


def _body_limit(path: str, upload_limit: int) -> int | None:
    if path == "/api/documents":
        return upload_limit + MULTIPART_OVERHEAD_BYTES
    if path.startswith(("/api/", "/v1/")):
        return MAX_JSON_BYTES
    return None  # the web page enforces its own upload limit
