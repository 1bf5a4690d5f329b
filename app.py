"""The browser chat (Gradio): a thin layer over `assistant.Assistant` and `assistant.presentation`."""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

import gradio as gr  # noqa: E402

from assistant import Assistant  # noqa: E402
from assistant.config import Settings  # noqa: E402
from assistant.errors import AssistantError, ConfigurationError  # noqa: E402
from assistant.presentation import (  # noqa: E402
    CHAT_CSS,
    Turn,
    answer_html,
    conversation_markdown,
    documents_html,
    history_messages,
    inert,
    sources_html,
    sources_title,
)
from assistant.types import Answer  # noqa: E402

logger = logging.getLogger(__name__)

UPLOAD_TYPES = (".txt", ".md", ".pdf", ".html")
# Answer modes the page offers; the configured generator (ASSISTANT_GENERATOR) is added when it is another one.
ANSWER_MODES = ("extractive",)
SEED_EXAMPLES = {
    "nato_statement_russia_ukraine_buildup_2021-12-16.txt": [
        "What did NATO call on Russia to do?",
        "Who did the NATO secretary-general welcome to NATO headquarters?",
        "What would further aggression against Ukraine carry?",
    ],
}
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._ -]+")


def answer_modes(settings: Settings) -> list[str]:
    """The answer modes offered: the built-in ones plus the configured generator."""
    configured = settings.generator
    return list(dict.fromkeys([*ANSWER_MODES, configured]))


def upload_problem(name: str, size: int, max_mb: float) -> str | None:
    """Why an uploaded file is refused (type or size), or None when it may be ingested."""
    suffix = Path(name).suffix.lower()
    if suffix not in UPLOAD_TYPES:
        return f"{name}: files of type {suffix or '(none)'!r} are not accepted; upload {', '.join(UPLOAD_TYPES)}."
    if size > max_mb * 1024 * 1024:
        return f"{name}: {size / 1024 / 1024:.1f} MB is larger than the {max_mb:g} MB limit (ASSISTANT_MAX_UPLOAD_MB)."
    if size == 0:
        return f"{name}: the file is empty."
    return None


def parse_auth(auth: str | None) -> tuple[str, str] | None:
    """`user:password` as Gradio's auth pair; None when no login is configured."""
    if not auth:
        return None
    user, sep, password = auth.partition(":")
    if not sep or not user or not password:
        raise ConfigurationError("ASSISTANT_AUTH must look like user:password (both non-empty).")
    return user, password


def safe_file_name(name: str) -> str:
    """A file name without folders or unusual characters, keeping its suffix."""
    cleaned = _SAFE_NAME.sub("_", Path(name).name).strip(" .") or "document"
    return cleaned[-120:]


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
    """The page's state shared by all sessions: the assistant(s), the upload folder and export files."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant
        self.settings = assistant.settings
        self.max_upload_mb = self.settings.max_upload_mb
        configured = self.settings.upload_dir
        self.upload_dir = Path(configured or Path(self.settings.index_dir) / "uploads").resolve()
        self.export_dir = Path(tempfile.gettempdir()) / "assistant-exports"
        self.default_mode = self.settings.generator
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
            # The configured mode is the assistant's default; another one is asked for by name.
            options = {} if not mode or mode == self.default_mode else {"generator": mode}
            stream = self.assistant.stream(
                question, history_messages(turns), k=int(k), sources=list(scope or []) or None, **options
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
    def documents(self) -> list[dict[str, Any]]:
        try:
            return self.assistant.documents()
        except AssistantError as error:
            logger.warning("cannot list documents: %s", error)
            return []

    def examples(self) -> list[dict[str, str]]:
        """Example questions for the documents in the index."""
        sources = {document["source"] for document in self.documents()}
        return [{"text": question} for source in sorted(sources) for question in SEED_EXAMPLES.get(source, [])]

    def document_views(self) -> tuple[Any, Any, Any]:
        """The document table, the removal choices and the search-scope choices."""
        documents = self.documents()
        removable = [(document["source"], document["id"]) for document in documents]
        sources = sorted({document["source"] for document in documents})
        return documents_html(documents), gr.Dropdown(choices=removable, value=None), gr.Dropdown(choices=sources)

    def add_documents(self, files: list[str] | None, progress: Any = None) -> tuple[Any, ...]:
        """Copy accepted uploads into the upload folder and ingest them, reporting each file."""
        lines = []
        accepted: list[tuple[str, Path]] = []
        for file in files or []:
            name = safe_file_name(Path(file).name)
            problem = upload_problem(name, Path(file).stat().st_size, self.max_upload_mb)
            if problem:
                lines.append(f"✗ {problem}")
                gr.Warning(problem)
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


def build_app(assistant: Assistant) -> gr.Blocks:
    """The page: conversation on the left; answer settings and documents on the right."""
    app = ChatApp(assistant)
    settings = app.settings
    modes = answer_modes(settings)
    with gr.Blocks(title="Document assistant", analytics_enabled=False, delete_cache=(3600, 86400)) as demo:
        turns = gr.State([])
        pending = gr.State("")
        gr.Markdown("## Ask your documents\nEvery answer quotes the passages it comes from; "
                    "when the documents don't say, the assistant says so.", elem_id="intro")
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(
                    label="Conversation", elem_id="chat", height=620, sanitize_html=True, render_markdown=True,
                    latex_delimiters=[], allow_tags=False, feedback_options=None, buttons=[],
                    examples=app.examples(), placeholder="Ask a question about the documents on the right.",
                )
                with gr.Row():
                    question = gr.Textbox(placeholder="Ask a question about your documents…", show_label=False,
                                          elem_id="question", scale=6, autofocus=True, max_lines=4,
                                          max_length=settings.max_question_chars)
                    ask = gr.Button("Ask", variant="primary", scale=1, elem_id="ask")
                with gr.Row():
                    clear = gr.Button("Clear conversation", elem_id="clear", size="sm")
                    download = gr.DownloadButton("Export as Markdown", elem_id="export", size="sm",
                                                 interactive=False)
            with gr.Column(scale=2):
                with gr.Accordion("Answer settings", open=True):
                    mode = gr.Dropdown(modes, value=app.default_mode, label="Answer mode", elem_id="mode",
                                       interactive=len(modes) > 1)
                    k = gr.Slider(1, 20, value=settings.k, step=1, label="Passages to retrieve (k)", elem_id="k")
                    scope = gr.Dropdown([], multiselect=True, label="Search only in", elem_id="scope",
                                        info="Leave empty to search every document.")
                with gr.Accordion("Documents", open=True):
                    table = gr.HTML(documents_html(app.documents()), elem_id="documents")
                    upload = gr.File(label=f"Add documents ({' '.join(UPLOAD_TYPES)}, up to "
                                     f"{app.max_upload_mb:g} MB each)", file_count="multiple",
                                     file_types=list(UPLOAD_TYPES), elem_id="upload", height=120)
                    status = gr.HTML(elem_id="upload-status")
                    with gr.Row():
                        chosen = gr.Dropdown([], label="Remove a document", elem_id="remove-choice", scale=3)
                        remove = gr.Button("Remove", variant="stop", elem_id="remove", scale=1, size="sm")

        answer_inputs = [pending, chatbot, turns, mode, k, scope]
        answer_outputs = [chatbot, turns, download]
        for trigger in (question.submit, ask.click):
            trigger(add_question, [question, chatbot], [question, chatbot, pending], queue=False).then(
                app.respond, answer_inputs, answer_outputs
            )
        def ask_example(chat: list, event: gr.SelectData) -> tuple[list, str]:
            return add_question(event.value["text"], chat)[1:]

        chatbot.example_select(ask_example, [chatbot], [chatbot, pending]).then(
            app.respond, answer_inputs, answer_outputs
        )

        def reset() -> tuple[list, list, Any]:
            return [], [], gr.DownloadButton(value=None, interactive=False)

        clear.click(reset, None, [chatbot, turns, download], queue=False)
        chatbot.clear(reset, None, [chatbot, turns, download], queue=False)

        def add_documents(files: list[str] | None, progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:  # noqa: B008
            return app.add_documents(files, progress)

        upload.upload(add_documents, [upload], [status, upload, table, chosen, scope])
        remove.click(app.remove, [chosen], [status, table, chosen, scope])
        demo.load(app.document_views, None, [table, chosen, scope])
    demo.chat_app = app  # for tests and for main()
    return demo


def launch_options(settings: Settings) -> dict[str, Any]:
    """Safe `launch()` arguments: loopback by default, optional login, no extra file access, size limit."""
    max_mb = settings.max_upload_mb
    return {
        "server_name": settings.host,
        "server_port": settings.port,
        "auth": parse_auth(settings.auth),
        "allowed_paths": [],
        "max_file_size": int(max_mb * 1024 * 1024),
        "show_error": True,
        "ssr_mode": False,
        # Gradio's run history would keep questions and quoted document text in the browser (and can offer
        # to upload them to a Hugging Face bucket): not for private documents.
        "run_history": False,
        "footer_links": ["gradio", "settings"],
        "css": CHAT_CSS,
    }


def mount(server: Any, assistant: Assistant, auth: Callable[[str, str], bool] | None = None) -> Any:
    """Mount the chat page at `/` of a FastAPI app (`assistant serve`), with launch()'s file-access limits."""
    options = launch_options(assistant.settings)
    return gr.mount_gradio_app(
        server, build_app(assistant), path="/", auth=auth or options["auth"],
        allowed_paths=options["allowed_paths"], max_file_size=options["max_file_size"],
    )


def warm_up(assistant: Assistant) -> None:
    """Load the embedding model and the index before the first question arrives."""
    try:
        assistant.ask("warm up")
    except Exception as error:  # noqa: BLE001 - the first real question reports any problem to the user
        logger.info("warm-up skipped: %s", error)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    assistant = Assistant.from_settings()
    demo = build_app(assistant)  # opens the index on this thread: Chroma's client creation is not thread-safe
    threading.Thread(target=warm_up, args=(assistant,), daemon=True).start()
    demo.launch(**launch_options(assistant.settings))


if __name__ == "__main__":
    main()
