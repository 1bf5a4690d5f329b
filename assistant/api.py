"""The HTTP API: native `/api` routes, OpenAI-compatible `/v1` routes, and `serve` with the Gradio page at `/`."""

from __future__ import annotations

import hmac
import importlib
import importlib.util
import inspect
import json
import logging
import os
import re
import sys
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import anyio
from fastapi import Depends, FastAPI, File, Request, Security, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import iterate_in_threadpool
from starlette.exceptions import HTTPException

from assistant.errors import (
    AssistantError,
    DocumentNotFoundError,
    GeneratorUnavailableError,
    IndexNotFoundError,
    InvalidQuestionError,
    UnsupportedDocumentError,
)
from assistant.loaders import SUPPORTED_SUFFIXES, load
from assistant.types import Answer

if TYPE_CHECKING:
    from assistant.assistant import Assistant

logger = logging.getLogger(__name__)

MAX_JSON_BYTES = 1024 * 1024  # a question, its history and options fit easily; bigger bodies are refused unread
MULTIPART_OVERHEAD_BYTES = 64 * 1024
UPLOAD_READ_BYTES = 1024 * 1024
_bearer = HTTPBearer(auto_error=False, description="`Authorization: Bearer <ASSISTANT_API_KEY>` when the key is set.")


# -- request and response bodies --------------------------------------------------------------------------------
class HistoryMessage(BaseModel):
    role: Literal["user", "assistant", "system"] = Field(description="Who said it.")
    content: str = Field(description="What was said.")


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question: str = Field(description="The question (at most ASSISTANT_MAX_QUESTION_CHARS characters).")
    history: list[HistoryMessage] = Field(default_factory=list, max_length=200, description="Earlier turns.")
    k: int | None = Field(None, ge=1, le=50, description="Passages to retrieve (default ASSISTANT_K).")
    generator: str | None = Field(None, description="Answer generator; one of GET /v1/models.")
    sources: list[str] | None = Field(None, max_length=100, description="Only search these documents.")


class CitationBody(BaseModel):
    n: int
    source: str
    chunk_id: str
    quote: str = Field(description="Exact substring of the source at start:end.")
    start: int
    end: int
    score: float
    page: int | None = None


class AnswerBody(BaseModel):
    answer: str = Field(description="The answer, with [n] markers referring to citations.")
    refused: bool
    citations: list[CitationBody]
    timings: dict[str, float]


class TextPart(BaseModel):
    type: Literal["text"]
    text: str


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[TextPart] | None = None


class StreamOptions(BaseModel):
    include_usage: bool = False


class ChatCompletionRequest(BaseModel):
    """OpenAI's chat completion request; sampling options are accepted and ignored."""

    model_config = ConfigDict(extra="allow")
    model: str = Field(description="A generator from GET /v1/models.")
    messages: list[ChatMessage] = Field(min_length=1, max_length=200, description="The last one is the question.")
    stream: bool = False
    stream_options: StreamOptions | None = None


class ErrorDetail(BaseModel):
    message: str
    type: str
    param: str | None = Field(None, description="The request field at fault.")
    code: str | None = None


class ErrorBody(BaseModel):
    error: ErrorDetail


class ApiError(HTTPException):
    """A client error rendered as `{"error": {"message", "type", "param", "code"}}`."""

    def __init__(self, status: int, message: str, param: str | None = None, code: str | None = None) -> None:
        super().__init__(status, message)
        self.param = param
        self.code = code


# -- the app ------------------------------------------------------------------------------------------------------
def create_app(assistant: Assistant, max_concurrent_answers: int | None = None) -> FastAPI:
    """The API over `assistant`; at most `max_concurrent_answers` (default: CPU count) answers computed at once."""
    settings = assistant.settings
    generators = _generator_names(assistant)
    answer_slots = anyio.CapacityLimiter(max_concurrent_answers or os.cpu_count() or 2)
    ingest_lock = threading.Lock()  # one ingest at a time per process; Chroma upserts are not transactions
    upload_dir = Path(settings.upload_dir or Path(settings.index_dir) / "uploads").resolve()
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
    _add_error_handlers(app)
    secured = [Depends(require_key)]

    def ask_options(generator: str | None, field: str, k: int | None = None, sources: list | None = None) -> dict:
        options: dict[str, Any] = {"k": k, "sources": sources}
        if generator is not None and generator not in generators:
            status = 404 if field == "model" else 422
            raise ApiError(status, f"Unknown {field} {generator!r}; available: {', '.join(generators)}.", field,
                           "model_not_found")
        if generator is not None and "generator" in inspect.signature(assistant.ask).parameters:
            options["generator"] = generator
        return options

    async def answer_now(question: str, history: list, options: dict) -> Answer:
        ask = partial(assistant.ask, question, history, **options)
        return await anyio.to_thread.run_sync(ask, limiter=answer_slots)

    async def stream_now(question: str, history: list, options: dict) -> AsyncIterator[str | Answer]:
        """The stream's first item is computed before the response starts, so bad input is still a 4xx."""
        chunks = assistant.stream(question, history, **options)
        first = await anyio.to_thread.run_sync(partial(next, chunks, None), limiter=answer_slots)

        async def rest() -> AsyncIterator[str | Answer]:
            if first is not None:
                yield first
            async for chunk in iterate_in_threadpool(chunks):
                yield chunk

        return rest()

    @app.get("/healthz", tags=["health"])
    def healthz() -> JSONResponse:
        """Whether the index is reachable, with its document and chunk counts (no API key needed)."""
        try:
            body = {"status": "ok", "store": "chroma-server" if settings.chroma_url else "embedded",
                    "documents": len(assistant.documents()), "chunks": assistant.store.count()}
        except Exception as error:  # noqa: BLE001 - any failure to reach the store means "not healthy"
            logger.warning("health check failed: %s", error)  # the detail may name hosts: log it, do not send it
            return JSONResponse({"status": "unavailable", "error": "The index cannot be reached; see the server log."},
                                status_code=503)
        return JSONResponse(body)

    @app.post("/api/ask", tags=["answers"], dependencies=secured, response_model=AnswerBody,
              response_model_exclude_unset=True)
    async def ask(body: AskRequest) -> dict:
        """Answer a question with exact-quote citations, or refuse when the documents do not cover it."""
        options = ask_options(body.generator, "generator", body.k, body.sources)
        return (await answer_now(body.question, _history(body.history), options)).to_dict()

    @app.post("/api/chat/stream", tags=["answers"], dependencies=secured,
              responses={200: {"content": {"text/event-stream": {}}, "description": "`delta` events, then `answer`."}})
    async def chat_stream(body: AskRequest) -> StreamingResponse:
        """The answer as server-sent events: `delta` ({"text"}) as produced, then `answer` (the /api/ask body)."""
        options = ask_options(body.generator, "generator", body.k, body.sources)
        chunks = await stream_now(body.question, _history(body.history), options)

        async def events() -> AsyncIterator[str]:
            try:
                async for chunk in chunks:
                    if isinstance(chunk, Answer):
                        yield _sse("answer", chunk.to_dict())
                    elif chunk:
                        yield _sse("delta", {"text": chunk})
            except Exception as error:  # noqa: BLE001 - the status line is sent; report in-band
                logger.exception("stream failed")
                yield _sse("error", _error_detail(error))

        return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})

    @app.post("/v1/chat/completions", tags=["openai"], dependencies=secured)
    async def chat_completions(body: ChatCompletionRequest) -> Any:
        """OpenAI-compatible chat: `[n]` markers in the content, `citations` and `refused` as extra fields."""
        question, history = _question_and_history(body.messages)
        options = ask_options(body.model, "model")
        completion_id, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
        head = {"id": completion_id, "created": created, "model": body.model}
        if not body.stream:
            answer = await answer_now(question, history, options)
            return {
                **head, "object": "chat.completion",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": answer.text},
                             "finish_reason": "stop", "logprobs": None}],
                "usage": _usage(question, answer.text),
                **_evidence(answer),
            }
        chunks = await stream_now(question, history, options)
        include_usage = bool(body.stream_options and body.stream_options.include_usage)

        def chunk(delta: dict, finish: str | None = None, **extra: Any) -> str:
            choice = {"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}
            return _data({**head, "object": "chat.completion.chunk", "choices": [choice], **extra})

        async def events() -> AsyncIterator[str]:
            yield chunk({"role": "assistant", "content": ""})
            text = ""
            try:
                async for item in chunks:
                    if isinstance(item, Answer):
                        yield chunk({}, "stop", **_evidence(item))
                    elif item:
                        text += item
                        yield chunk({"content": item})
            except Exception as error:  # noqa: BLE001 - the status line is sent; report in-band
                logger.exception("stream failed")
                yield _data(_error_detail(error))
            if include_usage:
                yield _data({**head, "object": "chat.completion.chunk", "choices": [], "usage": _usage(question, text)})
            yield "data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})

    @app.get("/v1/models", tags=["openai"], dependencies=secured)
    def models() -> dict:
        """The generators, as OpenAI models."""
        return {"object": "list",
                "data": [{"id": name, "object": "model", "created": 0, "owned_by": "assistant"} for name in generators]}

    @app.get("/api/documents", tags=["documents"], dependencies=secured)
    def documents() -> dict:
        """The ingested documents: `{"id", "source", "chunks"}` each."""
        return {"documents": assistant.documents()}

    @app.post("/api/documents", tags=["documents"], dependencies=secured, status_code=201)
    def upload(file: Annotated[list[UploadFile], File(description="Files: .txt, .md, .pdf, .html.")]) -> dict:
        """Upload documents and ingest them; uploading a file name again replaces that document."""
        staged = [_stage_upload(item, upload_dir, upload_limit) for item in file]
        try:
            for temporary, _ in staged:
                _check_loads(temporary)
            with ingest_lock:
                for temporary, final in staged:
                    temporary.replace(final)
                report = assistant.ingest([final for _, final in staged], progress=False)
        finally:
            for temporary, _ in staged:
                temporary.unlink(missing_ok=True)
        wanted = {str(final.resolve()) for _, final in staged}
        return {"documents": [doc for doc in assistant.documents() if doc["id"] in wanted], "ingest": report.to_dict()}

    @app.delete("/api/documents/{document_id:path}", tags=["documents"], dependencies=secured)
    def delete(document_id: str) -> dict:
        """Remove a document (by its id from GET /api/documents) from the index."""
        if document_id not in {doc["id"] for doc in assistant.documents()}:
            raise ApiError(404, f"No document with id {document_id!r}; GET /api/documents lists them.", "document_id")
        with ingest_lock:
            removed = assistant.remove_document(document_id)
        path = Path(document_id)
        if path.parent == upload_dir:
            path.unlink(missing_ok=True)
        return {"id": document_id, "chunks_removed": removed}

    return app


# -- helpers of the routes ----------------------------------------------------------------------------------------
def _generator_names(assistant: Assistant) -> list[str]:
    """The configured generator, plus the extractive one when `ask` lets a request choose."""
    names = [assistant.settings.generator]
    if "generator" in inspect.signature(assistant.ask).parameters:
        names.append("extractive")
    return list(dict.fromkeys(names))


def _history(messages: list[HistoryMessage]) -> list[dict[str, str]]:
    return [message.model_dump() for message in messages if message.role != "system"]


def _text(message: ChatMessage) -> str:
    if isinstance(message.content, list):
        return "".join(part.text for part in message.content)
    return message.content or ""


def _question_and_history(messages: list[ChatMessage]) -> tuple[str, list[dict[str, str]]]:
    """The last message is the question (it must be the user's); earlier user and assistant turns are history."""
    last = messages[-1]
    if last.role != "user":
        message = f"The last message must have role 'user'; got {last.role!r}."
        raise ApiError(422, message, f"messages.{len(messages) - 1}")
    history = [
        {"role": message.role, "content": _text(message)}
        for message in messages[:-1]
        if message.role in ("user", "assistant")
    ]
    return _text(last), history


def _evidence(answer: Answer) -> dict[str, Any]:
    body = answer.to_dict()
    return {"citations": body["citations"], "refused": body["refused"]}


def _usage(question: str, answer: str) -> dict[str, int]:
    # Counts words, not model tokens: the extractive answerer has no tokenizer.
    prompt, completion = len(question.split()), len(answer.split())
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def _sse(event: str, data: dict) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def _data(data: dict) -> str:
    return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"


_UNSAFE_NAME = re.compile(r"[^\w.\- ]+")


def _stage_upload(item: UploadFile, upload_dir: Path, limit: int) -> tuple[Path, Path]:
    """Save an upload under a hidden temporary name; returns it and the final path. Checks type and size."""
    name = _UNSAFE_NAME.sub("_", Path((item.filename or "").replace("\\", "/")).name).strip(" .")[:200]
    suffix = Path(name).suffix.lower()
    if not Path(name).stem:
        raise ApiError(422, f"The uploaded file needs a name; got {item.filename!r}.", "file")
    if suffix not in SUPPORTED_SUFFIXES:
        raise ApiError(415, f"{name}: unsupported file type {suffix or '(none)'!r}; supported: "
                       f"{', '.join(sorted(SUPPORTED_SUFFIXES))}.", "file", "unsupported_file_type")
    upload_dir.mkdir(parents=True, exist_ok=True)
    temporary = upload_dir / f".upload-{uuid.uuid4().hex}{suffix}"
    size = 0
    with temporary.open("wb") as out:
        while block := item.file.read(UPLOAD_READ_BYTES):
            size += len(block)
            if size > limit:
                out.close()
                temporary.unlink(missing_ok=True)
                raise ApiError(413, f"{name} is larger than {limit / 1024 / 1024:g} MB (ASSISTANT_MAX_UPLOAD_MB).",
                               "file", "file_too_large")
            out.write(block)
    return temporary, (upload_dir / name).resolve()


def _check_loads(path: Path) -> None:
    """Refuse a file that cannot be read before it replaces an earlier upload of the same name."""
    try:
        load(path)
    except UnsupportedDocumentError as error:
        raise ApiError(422, f"The uploaded file cannot be used: {error.reason}.", "file", "unreadable_file") from error


def _body_limit(path: str, upload_limit: int) -> int | None:
    if path == "/api/documents":
        return upload_limit + MULTIPART_OVERHEAD_BYTES
    if path.startswith(("/api/", "/v1/")):
        return MAX_JSON_BYTES
    return None  # the Gradio page enforces its own upload limit


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
            response = _error_response(413, _too_large(limit), "body", "request_too_large")
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


# -- errors -------------------------------------------------------------------------------------------------------
_STATUS_OF_ERROR = [  # first match wins
    (InvalidQuestionError, 422, "question", "invalid_question"),
    (IndexNotFoundError, 409, None, "index_empty"),
    (DocumentNotFoundError, 404, None, "not_found"),
    (UnsupportedDocumentError, 422, "file", "unreadable_file"),
    (GeneratorUnavailableError, 503, "generator", "generator_unavailable"),
]


def _error_detail(error: Exception) -> dict[str, Any]:
    for kind, status, param, code in _STATUS_OF_ERROR:
        if isinstance(error, kind):
            return {"error": {"message": str(error), "type": _error_type(status), "param": param, "code": code}}
    # An AssistantError's message is written for the user (a setting to fix); anything else stays in the log.
    message = str(error) if isinstance(error, AssistantError) else "Internal error; see the server log."
    return {"error": {"message": message, "type": "server_error", "param": None, "code": None}}


def _error_type(status: int) -> str:
    return {401: "authentication_error", 404: "not_found_error", 409: "conflict_error"}.get(
        status, "invalid_request_error" if status < 500 else "server_error"
    )


def _error_response(status: int, message: str, param: str | None = None, code: str | None = None,
                    headers: dict[str, str] | None = None) -> JSONResponse:
    body = {"error": {"message": message, "type": _error_type(status), "param": param, "code": code}}
    return JSONResponse(body, status_code=status, headers=headers)


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if error.status_code == 401 else None
        param = getattr(error, "param", "Authorization" if error.status_code == 401 else None)
        return _error_response(error.status_code, str(error.detail), param, getattr(error, "code", None), headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
        problems = error.errors()
        first = problems[0] if problems else {"loc": (), "msg": "invalid request"}
        param = ".".join(str(part) for part in first["loc"] if part not in ("body", "query", "path")) or "body"
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        return _error_response(422, f"{param}: {first['msg']}{more}", param, "invalid_field")

    @app.exception_handler(AssistantError)
    async def assistant_error(request: Request, error: AssistantError) -> JSONResponse:
        detail = _error_detail(error)["error"]
        status = next((status for kind, status, *_ in _STATUS_OF_ERROR if isinstance(error, kind)), 500)
        if status == 500:
            logger.error("assistant error on %s: %s", request.url.path, error)
        if request.url.path.startswith("/v1/"):  # the OpenAI request names these fields differently
            detail["param"] = {"question": "messages", "generator": "model"}.get(detail["param"], detail["param"])
        return JSONResponse({"error": detail}, status_code=status)

    @app.exception_handler(Exception)
    async def unexpected_error(request: Request, error: Exception) -> JSONResponse:
        logger.error("unexpected error on %s", request.url.path, exc_info=error)
        return _error_response(500, "Internal error; see the server log.")


# -- serving ------------------------------------------------------------------------------------------------------
def serve(assistant: Assistant, host: str = "127.0.0.1", port: int = 8000, ui: bool = True,
          log_level: str = "info") -> None:
    """Run the API (and, when app.py is importable, the Gradio page at `/`) with uvicorn until interrupted."""
    import uvicorn

    assistant.embedder.embed(["warm up"])  # load the model now, so the first request is not the slow one
    app = create_app(assistant)
    if ui:
        mount_ui(app, assistant)
    logger.info("serving on http://%s:%d (OpenAPI schema at /openapi.json)", host, port)
    uvicorn.run(app, host=host, port=port, log_level=log_level, timeout_graceful_shutdown=5)


def mount_ui(app: FastAPI, assistant: Assistant) -> bool:
    """Mount app.py's `build_app(assistant)` at `/`; returns False (and logs why) when it is not available."""
    build_app = _find_build_app()
    if build_app is None:
        return False
    import gradio as gr

    settings = assistant.settings
    gr.mount_gradio_app(
        app, build_app(assistant), path="/", auth=_ui_auth(settings.api_key, settings.auth),
        allowed_paths=[], max_file_size=int(settings.max_upload_mb * 1024 * 1024),
    )
    return True


def _find_build_app() -> Callable | None:
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    beside_package = Path(__file__).resolve().parent.parent / "app.py"
    try:
        module = sys.modules.get("app") or importlib.import_module("app")
    except ImportError:
        module = None
    except Exception:  # noqa: BLE001 - a broken app.py must not stop the API from serving
        logger.exception("app.py failed to import; serving the API only")
        return None
    if getattr(module, "build_app", None) is None and beside_package.is_file():
        try:
            spec = importlib.util.spec_from_file_location("app", beside_package)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
        except Exception:  # noqa: BLE001 - as above
            logger.exception("%s failed to import; serving the API only", beside_package)
            return None
    build_app = getattr(module, "build_app", None)
    if build_app is None:
        logger.warning("no app.py with build_app(assistant) found; serving the API only (no page at /)")
    return build_app


def _ui_auth(api_key: str | None, login: str | None) -> Callable[[str, str], bool] | None:
    """With an API key, the page asks for a login: any user name with the key as password, or ASSISTANT_AUTH."""
    if not api_key and not login:
        return None
    user, _, password = (login or "").partition(":")

    def check(username: str, given: str) -> bool:
        by_key = bool(api_key) and hmac.compare_digest(given.encode(), api_key.encode())
        by_login = bool(login) and hmac.compare_digest(f"{username}:{given}".encode(), f"{user}:{password}".encode())
        return by_key or by_login

    return check
