"""The HTTP API: `create_app` wires the native `/api` routes, the OpenAI-compatible `/v1` routes and the API key."""

from __future__ import annotations

import hmac
import json
import logging
import re
import threading
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, FastAPI, File, Security, UploadFile
from fastapi.responses import JSONResponse, StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException

from assistant.api_answers import AnswerSlots
from assistant.api_errors import ApiError, BodyLimitMiddleware, add_error_handlers, error_detail
from assistant.api_openai import openai_router
from assistant.api_schemas import AnswerBody, AskRequest, ErrorBody, HistoryMessage
from assistant.errors import UnsupportedDocumentError
from assistant.loaders import SUPPORTED_SUFFIXES, load
from assistant.types import Answer

if TYPE_CHECKING:
    from assistant.assistant import Assistant

logger = logging.getLogger(__name__)

MAX_JSON_BYTES = 1024 * 1024  # a question, its history and options fit easily; bigger bodies are refused unread
MULTIPART_OVERHEAD_BYTES = 64 * 1024
UPLOAD_READ_BYTES = 1024 * 1024
_bearer = HTTPBearer(auto_error=False, description="`Authorization: Bearer <ASSISTANT_API_KEY>` when the key is set.")


def create_app(assistant: Assistant, max_concurrent_answers: int | None = None) -> FastAPI:
    """The API over `assistant`; at most `max_concurrent_answers` (default: CPU count) answers computed at once."""
    settings = assistant.settings
    answers = AnswerSlots(assistant, max_concurrent_answers)
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
    add_error_handlers(app)
    secured = [Depends(require_key)]

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
        options = answers.options(body.generator, "generator", body.k, body.sources)
        return (await answers.answer(body.question, _history(body.history), options)).to_dict()

    @app.post("/api/chat/stream", tags=["answers"], dependencies=secured,
              responses={200: {"content": {"text/event-stream": {}}, "description": "`delta` events, then `answer`."}})
    async def chat_stream(body: AskRequest) -> StreamingResponse:
        """The answer as server-sent events: `delta` ({"text"}) as produced, then `answer` (the /api/ask body)."""
        options = answers.options(body.generator, "generator", body.k, body.sources)
        chunks = await answers.stream(body.question, _history(body.history), options)

        async def events() -> AsyncIterator[str]:
            try:
                async for chunk in chunks:
                    if isinstance(chunk, Answer):
                        yield _sse("answer", chunk.to_dict())
                    elif chunk:
                        yield _sse("delta", {"text": chunk})
            except Exception as error:  # noqa: BLE001 - the status line is sent; report in-band
                logger.exception("stream failed")
                yield _sse("error", error_detail(error))

        return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})

    app.include_router(openai_router(answers), dependencies=secured)

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


# -- helpers of the native routes ---------------------------------------------------------------------------------
def _history(messages: list[HistoryMessage]) -> list[dict[str, str]]:
    return [message.model_dump() for message in messages if message.role != "system"]


def _sse(event: str, data: dict) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


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
