"""The chat page's handlers: questions streamed into the conversation, exports, and the document panel."""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.assistant import Assistant
from assistant.core.errors import AssistantError, UploadRejectedError
from assistant.core.types import Answer, DocumentRecord
from assistant.documents.uploads import check_upload_size, upload_name
from assistant.web.presentation import (
    Turn,
    answer_html,
    conversation_markdown,
    documents_html,
    inert,
    sources_html,
    sources_title,
)

logger = logging.getLogger(__name__)

SEED_EXAMPLES = {
    "nato_statement_russia_ukraine_buildup_2021-12-16.txt": [
        "What did NATO call on Russia to do?",
        "Who did the NATO secretary-general welcome to NATO headquarters?",
        "What would further aggression against Ukraine carry?",
    ],
}
EXPORT_MAX_AGE_S = 3600  # exported conversations are deleted after this long (Gradio keeps its served copy)


def _drop_older_than(folder: Path, seconds: float) -> None:
    """Delete the entries of `folder` last changed more than `seconds` ago (other processes may race us)."""
    for entry in folder.iterdir():
        try:
            if time.time() - entry.stat().st_mtime > seconds:
                shutil.rmtree(entry)
        except OSError:
            continue


class ChatApp:
    """The page's state shared by all sessions: the assistant, the upload folder and export files."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant
        self.settings = assistant.settings
        self.max_upload_mb = self.settings.max_upload_mb
        configured = self.settings.upload_dir
        self.upload_dir = Path(configured or Path(self.settings.index_dir) / "uploads").resolve()
        self.export_dir = Path(tempfile.gettempdir()) / "assistant-exports"
        self._write_lock = threading.Lock()

    # -- questions --------------------------------------------------------------------------------
    def respond(
        self, question: str, chat: list, turns: list[Turn], mode: str, k: float, scope: list[str] | None
    ) -> Iterator[tuple[Any, Any, Any]]:
        """Stream the answer into the chat, then show it with its sources panel and refresh the export."""
        if not question:
            yield chat, turns, gr.skip()
            return
        answer, text = None, ""
        try:
            history = [(turn.question, turn.answer.text) for turn in turns]
            stream = self.assistant.stream(
                question, history, k=int(k), sources=list(scope or []) or None, generator=mode or None
            )
            for item in stream:
                if isinstance(item, Answer):
                    answer = item
                else:
                    text += item
                    streaming = f'<div class="answer streaming">{inert(text)}</div>'
                    yield [*chat, {"role": "assistant", "content": streaming}], turns, gr.skip()
        except AssistantError as error:
            message = f'<div class="error">&#9888; {inert(str(error))}</div>'
            yield [*chat, {"role": "assistant", "content": message}], turns, gr.skip()
            return
        if answer is None:
            return
        turns = [*turns, Turn(question, answer)]
        panel = {"title": sources_title(answer)}  # no status: the panel starts open, showing the evidence
        if "total" in answer.timings:
            panel["duration"] = round(answer.timings["total"], 2)
        messages = [
            {"role": "assistant", "content": answer_html(answer)},
            {"role": "assistant", "content": sources_html(answer), "metadata": panel},
        ]
        yield [*chat, *messages], turns, gr.DownloadButton(value=self.export(turns), interactive=True)

    def export(self, turns: list[Turn]) -> str:
        """Write the conversation as Markdown to a new file and return its path; drops exports over an hour old."""
        self.export_dir.mkdir(exist_ok=True)
        _drop_older_than(self.export_dir, EXPORT_MAX_AGE_S)
        folder = Path(tempfile.mkdtemp(dir=self.export_dir))
        path = folder / f"conversation-{datetime.now():%Y-%m-%d-%H%M%S}.md"
        path.write_text(conversation_markdown(turns), encoding="utf-8")
        return str(path)

    # -- documents --------------------------------------------------------------------------------
    def documents(self) -> list[DocumentRecord]:
        try:
            return self.assistant.documents()
        except AssistantError as error:
            logger.warning("cannot list documents: %s", error)
            return []

    def examples(self) -> list[dict[str, str]]:
        """Example questions for the documents in the index."""
        sources = {document.source for document in self.documents()}
        return [{"text": question} for source in sorted(sources) for question in SEED_EXAMPLES.get(source, [])]

    def document_views(self) -> tuple[Any, Any, Any]:
        """The document table, the removal choices and the search-scope choices."""
        documents = self.documents()
        removable = [(document.source, document.id) for document in documents]
        sources = sorted({document.source for document in documents})
        return documents_html(documents), gr.Dropdown(choices=removable, value=None), gr.Dropdown(choices=sources)

    def add_documents(self, files: list[str] | None, progress: Any = None) -> tuple[Any, ...]:
        """Copy accepted uploads into the upload folder and ingest them, reporting each file."""
        lines = []
        accepted: list[tuple[str, Path]] = []
        for file in files or []:
            try:
                name = upload_name(Path(file).name)
                check_upload_size(name, Path(file).stat().st_size, self.max_upload_mb)
            except UploadRejectedError as error:
                lines.append(f"✗ {error}")
                gr.Warning(str(error))
            else:
                accepted.append((name, Path(file)))
        for number, (name, path) in enumerate(accepted):
            if progress is not None:
                progress(number / len(accepted), desc=f"Indexing {name}")
            target = self.upload_dir / name
            try:
                with self._write_lock:
                    self.upload_dir.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(path, target)
                    report = self.assistant.ingest([target], progress=False)
            except AssistantError as error:
                report = None
                lines.append(f"✗ {name}: {error}")
            if report is not None and report.skipped:
                target.unlink(missing_ok=True)
                reasons = "; ".join(reason for _, reason in report.skipped_files)
                lines.append(f"✗ {name}: {reasons}")
                gr.Warning(f"{name}: {reasons}")
            elif report is not None:
                chunks = report.chunks_embedded + report.chunks_unchanged
                lines.append(f"✓ {name}: {chunks} passage{'s' * (chunks != 1)} indexed in {report.seconds:.1f} s")
        status = "<br>".join(inert(line) for line in lines)
        return (status, None, *self.document_views())

    def remove(self, document_id: str | None) -> tuple[Any, ...]:
        """Remove a document from the index (and its uploaded copy, if it was uploaded here)."""
        if not document_id:
            return (inert("Choose a document to remove."), *self.document_views())
        with self._write_lock:
            removed = self.assistant.remove_document(document_id)
            path = Path(document_id)
            if path.is_relative_to(self.upload_dir):
                path.unlink(missing_ok=True)
        return (inert(f"Removed {path.name} ({removed} passage{'s' * (removed != 1)})."), *self.document_views())


def add_question(question: str, chat: list) -> tuple[str, list, str]:
    """Show the question in the chat at once and clear the box; the answer follows."""
    question = (question or "").strip()
    if not question:
        return "", chat, ""
    return "", [*chat, {"role": "user", "content": f'<div class="question">{inert(question)}</div>'}], question
