"""The HTTP API's errors: `ApiError`, the `{"error": {...}}` bodies and handlers, and the request body size limit."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from assistant.core.errors import (
    AssistantError,
    CollectionNotFoundError,
    ConversationNotFoundError,
    CorruptDataError,
    DocumentNotFoundError,
    GeneratorUnavailableError,
    IndexNotFoundError,
    InvalidOptionError,
    InvalidQuestionError,
    NameTakenError,
    NotFoundError,
    PermissionDeniedError,
    UnsupportedDocumentError,
    UploadRejectedError,
)

logger = logging.getLogger(__name__)


class ApiError(HTTPException):
    """A client error rendered as `{"error": {"message", "type", "param", "code"}}`."""

    def __init__(self, status: int, message: str, param: str | None = None, code: str | None = None) -> None:
        super().__init__(status, message)
        self.param = param
        self.code = code


# An upload refused by its `code`: the status of each.
_UPLOAD_STATUS = {"unsupported_file_type": 415, "file_too_large": 413, "invalid_name": 422}
_STATUS_OF_ERROR = [  # first match wins; a None param is read from the error's own `param`
    (InvalidQuestionError, 422, "question", "invalid_question"),
    (InvalidOptionError, 422, None, "invalid_field"),
    (IndexNotFoundError, 409, None, "index_empty"),
    (DocumentNotFoundError, 404, None, "not_found"),
    (UnsupportedDocumentError, 422, "file", "unreadable_file"),
    (GeneratorUnavailableError, 503, "generator", "generator_unavailable"),
    # Another user's id and a missing one get the same 404 and the same message: nothing tells them apart.
    (CollectionNotFoundError, 404, "collection", "not_found"),
    (ConversationNotFoundError, 404, "conversation", "not_found"),
    (NotFoundError, 404, None, "not_found"),
    (NameTakenError, 409, None, "name_taken"),
    (PermissionDeniedError, 403, None, "permission_denied"),
    (CorruptDataError, 503, None, "corrupt_data"),
]
# What a client is told of damaged data: the file and the recovery command are for the server's log.
CORRUPT_MESSAGE = (
    "Data kept on the server is damaged, so this request cannot be served; nothing was changed. The server's "
    "administrator finds the file and the command that recovers it (`assistant conversations recover`) in its log."
)


def _classify(error: Exception) -> tuple[int, str | None, str | None] | None:
    """(status, param, code) of a user error; None for any other error."""
    if isinstance(error, UploadRejectedError):
        return _UPLOAD_STATUS.get(error.code, 422), "file", error.code
    for kind, status, param, code in _STATUS_OF_ERROR:
        if isinstance(error, kind):
            return status, param or getattr(error, "param", None), code
    return None


def error_detail(error: Exception) -> dict[str, Any]:
    """The error body for `error`, safe to send: unexpected errors say only "see the server log"."""
    known = _classify(error)
    if known is not None:
        status, param, code = known
        message = CORRUPT_MESSAGE if isinstance(error, CorruptDataError) else str(error)
        return {"error": {"message": message, "type": _error_type(status), "param": param, "code": code}}
    # An AssistantError's message is written for the user (a setting to fix); anything else stays in the log.
    message = str(error) if isinstance(error, AssistantError) else "Internal error; see the server log."
    return {"error": {"message": message, "type": "server_error", "param": None, "code": None}}


def _error_type(status: int) -> str:
    return {401: "authentication_error", 403: "permission_error", 404: "not_found_error", 409: "conflict_error"}.get(
        status, "invalid_request_error" if status < 500 else "server_error"
    )


def error_response(
    status: int, message: str, param: str | None = None, code: str | None = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    body = {"error": {"message": message, "type": _error_type(status), "param": param, "code": code}}
    return JSONResponse(body, status_code=status, headers=headers)


def add_error_handlers(app: FastAPI) -> None:
    """Render every error raised by a route as an `ErrorBody` with the matching status code."""

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if error.status_code == 401 else None
        param = getattr(error, "param", "Authorization" if error.status_code == 401 else None)
        return error_response(error.status_code, str(error.detail), param, getattr(error, "code", None), headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
        problems = error.errors()
        first = problems[0] if problems else {"loc": (), "msg": "invalid request"}
        param = ".".join(str(part) for part in first["loc"] if part not in ("body", "query", "path")) or "body"
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        return error_response(422, f"{param}: {first['msg']}{more}", param, "invalid_field")

    @app.exception_handler(AssistantError)
    async def assistant_error(request: Request, error: AssistantError) -> JSONResponse:
        detail = error_detail(error)["error"]
        status = (_classify(error) or (500,))[0]
        if status == 500 or isinstance(error, CorruptDataError):
            logger.error("assistant error on %s: %s", request.url.path, error)
        if request.url.path.startswith("/v1/"):  # the OpenAI request names these fields differently
            renamed = {"question": "messages", "generator": "model", "collection": "model"}
            detail["param"] = renamed.get(detail["param"], detail["param"])
        return JSONResponse({"error": detail}, status_code=status)

    @app.exception_handler(Exception)
    async def unexpected_error(request: Request, error: Exception) -> JSONResponse:
        logger.error("unexpected error on %s", request.url.path, exc_info=error)
        return error_response(500, "Internal error; see the server log.")


class BodyLimitMiddleware:
    """Refuse request bodies over a per-path limit with 413, by Content-Length or while reading."""

    def __init__(self, app: Any, limit_for: Callable[[str], int | None]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        limit = self.limit_for(scope["path"]) if scope["type"] == "http" else None
        if limit is None:
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            response = error_response(413, _too_large(limit), "body", "request_too_large")
            await response(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> dict:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                raise ApiError(413, _too_large(limit), "body", "request_too_large")
            return message

        await self.app(scope, limited_receive, send)


def _too_large(limit: int) -> str:
    return f"The request body is larger than the limit of {limit} bytes."
