"""The native routes: `/api/ask`, `/api/chat/stream` (server-sent events) and `/api/documents`."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import StreamingResponse

from assistant.api.answers import AnswerSlots
from assistant.api.errors import ApiError, error_detail
from assistant.api.identity import CurrentUser
from assistant.api.schemas import AnswerBody, AskRequest, DocumentTextBody
from assistant.core.errors import UnsupportedDocumentError
from assistant.documents.loaders import load
from assistant.documents.sources import DEFAULT_CONTEXT, document_of_chunk, source_text, span_around
from assistant.documents.uploads import UPLOAD_SUFFIXES, check_upload_size, upload_name

if TYPE_CHECKING:
    from assistant.workspace import Workspace

logger = logging.getLogger(__name__)

UPLOAD_READ_BYTES = 1024 * 1024
COLLECTION_QUERY = Query(description="The collection (id, name or owner/name; default: 'default').")


def native_router(workspace: Workspace, answers: AnswerSlots) -> APIRouter:
    """The `/api` routes over `workspace`, each acting for `current_user` (the API key's owner)."""
    router = APIRouter()
    settings = workspace.settings

    @router.post("/api/ask", tags=["answers"], response_model=AnswerBody, response_model_exclude_unset=True)
    async def ask(body: AskRequest, user: CurrentUser) -> dict:
        """Answer a question with exact-quote citations, or refuse when the documents do not cover it."""
        options = answers.options(body.generator, "generator", body.k, body.sources, body.collection, body.conversation)
        return (await answers.answer(user, body.question, body.history, options)).to_dict()

    @router.post(
        "/api/chat/stream",
        tags=["answers"],
        responses={200: {"content": {"text/event-stream": {}}, "description": "`delta` events, then `answer`."}},
    )
    async def chat_stream(body: AskRequest, user: CurrentUser) -> StreamingResponse:
        """The answer as server-sent events: `delta` ({"text"}) as produced, then `answer` (the /api/ask body)."""
        options = answers.options(body.generator, "generator", body.k, body.sources, body.collection, body.conversation)
        chunks = await answers.stream(user, body.question, body.history, options)

        async def events() -> AsyncIterator[str]:
            try:
                async for chunk in chunks:
                    if not isinstance(chunk, str):  # the Reply: the answer with its citations
                        yield _sse("answer", chunk.to_dict())
                    elif chunk:
                        yield _sse("delta", {"text": chunk})
            except Exception as error:  # noqa: BLE001 - the status line is sent; report in-band
                logger.exception("stream failed")
                yield _sse("error", error_detail(error))

        return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})

    @router.get("/api/documents", tags=["documents"])
    def documents(user: CurrentUser, collection: Annotated[str | None, COLLECTION_QUERY] = None) -> dict:
        """The ingested documents of a collection: `{"id", "source", "chunks"}` each."""
        return {"documents": [document.to_dict() for document in workspace.documents(user, collection)]}

    @router.get("/api/documents/{document_id:path}/text", tags=["documents"], response_model=DocumentTextBody)
    def document_text(
        document_id: str,
        user: CurrentUser,
        collection: Annotated[str | None, COLLECTION_QUERY] = None,
        start: Annotated[int | None, Query(ge=0, description="A quote's start: return the span around it.")] = None,
        end: Annotated[int | None, Query(ge=0, description="The quote's end (with start).")] = None,
        context: Annotated[int, Query(ge=0, le=100_000, description="Characters either side of the quote.")] = (
            DEFAULT_CONTEXT
        ),
    ) -> dict:
        """A document's extracted text (what citations' offsets index), or the span around `start:end`."""
        _, readable = workspace.readable(user, collection)
        return _text_body(source_text(readable.store, document_id), start, end, context)

    @router.get("/api/citations/text", tags=["documents"], response_model=DocumentTextBody)
    def citation_text(
        chunk_id: Annotated[str, Query(description="The citation's chunk_id.")],
        start: Annotated[int, Query(ge=0, description="The citation's start.")],
        end: Annotated[int, Query(ge=0, description="The citation's end.")],
        user: CurrentUser,
        collection: Annotated[str | None, COLLECTION_QUERY] = None,
        context: Annotated[int, Query(ge=0, le=100_000, description="Characters either side of the quote.")] = (
            DEFAULT_CONTEXT
        ),
    ) -> dict:
        """The span of a cited document around the quote, for a viewer that highlights it."""
        _, readable = workspace.readable(user, collection)
        document = source_text(readable.store, document_of_chunk(readable.store, chunk_id))
        return _text_body(document, start, end, context)

    @router.post("/api/documents", tags=["documents"], status_code=201)
    def upload(
        file: Annotated[list[UploadFile], File(description=f"Files: {' '.join(sorted(UPLOAD_SUFFIXES))}.")],
        user: CurrentUser,
        collection: Annotated[str | None, Form(description="The collection to add them to (its owner only).")] = None,
    ) -> dict:
        """Upload documents and ingest them into a collection; uploading a file name again replaces that document."""
        target, owned = workspace.writable(user, collection)
        upload_dir = workspace.upload_dir(target)
        staged = [_stage_upload(item, upload_dir, settings.max_upload_mb) for item in file]
        try:
            for temporary, _ in staged:
                _check_loads(temporary)
            with workspace.write_lock(target):  # one ingest at a time per collection: upserts are not transactions
                for temporary, final in staged:
                    temporary.replace(final)
                report = owned.ingest([final for _, final in staged], progress=False)
        finally:
            for temporary, _ in staged:
                temporary.unlink(missing_ok=True)
        wanted = {str(final.resolve()) for _, final in staged}
        listed = [document.to_dict() for document in owned.documents() if document.id in wanted]
        return {"documents": listed, "ingest": report.to_dict()}

    @router.delete("/api/documents/{document_id:path}", tags=["documents"])
    def delete(document_id: str, user: CurrentUser, collection: Annotated[str | None, COLLECTION_QUERY] = None) -> dict:
        """Remove a document (by its id from GET /api/documents) from a collection (its owner only)."""
        target, owned = workspace.writable(user, collection)
        if document_id not in {document.id for document in owned.documents()}:
            raise ApiError(404, f"No document with id {document_id!r}; GET /api/documents lists them.", "document_id")
        with workspace.write_lock(target):
            removed = owned.remove_document(document_id)
        path = Path(document_id)
        if path.parent == workspace.upload_dir(target):
            path.unlink(missing_ok=True)
        return {"id": document_id, "chunks_removed": removed}

    return router


def _text_body(document, start: int | None, end: int | None, context: int) -> dict:
    """The body of the text routes: the whole text, or the span around `start:end` with the quote's location."""
    if (start is None) != (end is None):
        raise ApiError(422, "Give both start and end (a citation's offsets), or neither for the whole text.", "start")
    length = len(document.text)
    offset, text, highlight, location = 0, document.text, None, None
    if start is not None:
        if not start <= end <= length:
            raise ApiError(422, f"start and end must satisfy start <= end <= {length}; got {start} and {end}.", "end")
        span = span_around(document.text, start, end, context)
        offset, text = span.start, span.text
        highlight, location = {"start": start, "end": end}, document.location_at(start)
    located = [
        {"start": block_start, "location": where}
        for block_start, where in document.locations
        if offset <= block_start < offset + len(text)
    ]
    return {
        "id": document.id,
        "source": document.source,
        "text": text,
        "offset": offset,
        "length": length,
        "highlight": highlight,
        "location": location,
        "locations": located,
    }


def _sse(event: str, data: dict) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def _stage_upload(item: UploadFile, upload_dir: Path, max_mb: float) -> tuple[Path, Path]:
    """Save an upload under a hidden temporary name; returns it and the final path. Checks name, type and size."""
    name = upload_name(item.filename)
    upload_dir.mkdir(parents=True, exist_ok=True)
    temporary = upload_dir / f".upload-{uuid.uuid4().hex}{Path(name).suffix}"
    size = 0
    try:
        with temporary.open("wb") as out:
            while block := item.file.read(UPLOAD_READ_BYTES):
                size += len(block)
                check_upload_size(name, size, max_mb)
                out.write(block)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return temporary, (upload_dir / name).resolve()


def _check_loads(path: Path) -> None:
    """Refuse a file that cannot be read before it replaces an earlier upload of the same name."""
    try:
        load(path)
    except UnsupportedDocumentError as error:
        raise ApiError(422, f"The uploaded file cannot be used: {error.reason}.", "file", "unreadable_file") from error
