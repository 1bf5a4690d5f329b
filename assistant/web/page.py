"""The browser chat (Gradio): the page's layout and wiring over `web.chat` (handlers) and `web.presentation`."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from importlib import resources
from typing import Any

import gradio as gr

from assistant.assistant import Assistant
from assistant.core.config import MAX_K, Settings
from assistant.core.errors import AssistantError, ConfigurationError
from assistant.documents.uploads import UPLOAD_SUFFIXES
from assistant.embedding.base import use_offline_environment
from assistant.web.chat import add_question
from assistant.web.history import HistoryPanel
from assistant.web.library import LibraryPanel
from assistant.web.sessions import CollectionViewer, Sessions, login_check
from assistant.workspace import Workspace

logger = logging.getLogger(__name__)


def parse_auth(auth: str | None) -> tuple[str, str] | None:
    """`user:password` as Gradio's auth pair; None when no login is configured."""
    if not auth:
        return None
    user, sep, password = auth.partition(":")
    if not sep or not user or not password:
        raise ConfigurationError("ASSISTANT_AUTH must look like user:password (both non-empty).")
    return user, password


def build_app(target: Workspace | Assistant) -> gr.Blocks:
    """The page: conversations on the left, the chat in the middle; collection, settings and documents on the right.

    Over a workspace (users, collections, stored conversations), or one Assistant as the collection 'default'.
    """
    workspace = target if isinstance(target, Workspace) else Workspace.around(target)
    sessions = Sessions(workspace)
    app = sessions.default_chat()
    settings = app.settings
    modes = workspace.generators()
    with gr.Blocks(title="Document assistant", analytics_enabled=False, delete_cache=(3600, 86400)) as demo:
        turns = gr.State([])
        pending = gr.State("")
        gr.Markdown(
            "## Ask your documents\nEvery answer quotes the passages it comes from; "
            "when the documents don't say, the assistant says so.",
            elem_id="intro",
        )
        with gr.Row(equal_height=False):
            with gr.Column(scale=1, min_width=220):
                history = HistoryPanel(sessions)
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(
                    label="Conversation",
                    elem_id="chat",
                    height=620,
                    sanitize_html=True,
                    render_markdown=True,
                    latex_delimiters=[],
                    allow_tags=False,
                    feedback_options=None,
                    buttons=[],
                    examples=app.examples(),
                    placeholder="Ask a question about the documents on the right.",
                )
                with gr.Row():
                    question = gr.Textbox(
                        placeholder="Ask a question about your documents…",
                        show_label=False,
                        elem_id="question",
                        scale=6,
                        autofocus=True,
                        max_lines=4,
                        max_length=settings.max_question_chars,
                    )
                    ask = gr.Button("Ask", variant="primary", scale=1, elem_id="ask")
                with gr.Row():
                    clear = gr.Button("New conversation", elem_id="clear", size="sm")
                    download = gr.DownloadButton("Export as Markdown", elem_id="export", size="sm", interactive=False)
                viewer = CollectionViewer(sessions, turns)
            with gr.Column(scale=2):
                library = LibraryPanel(sessions)
                with gr.Accordion("Answer settings", open=True):
                    mode = gr.Dropdown(
                        modes, value=modes[0], label="Answer mode", elem_id="mode", interactive=len(modes) > 1
                    )
                    k = gr.Slider(1, MAX_K, value=settings.k, step=1, label="Passages to retrieve (k)", elem_id="k")
                    scope = gr.Dropdown(
                        [],
                        multiselect=True,
                        label="Search only in",
                        elem_id="scope",
                        info="Leave empty to search every document.",
                    )
                with gr.Accordion("Documents", open=True):
                    table = gr.HTML(elem_id="documents")  # the chosen collection's, filled when the page loads
                    upload = gr.File(
                        label=f"Add documents ({' '.join(sorted(UPLOAD_SUFFIXES))}, up to "
                        f"{app.max_upload_mb:g} MB each)",
                        file_count="multiple",
                        file_types=sorted(UPLOAD_SUFFIXES),
                        elem_id="upload",
                        height=120,
                    )
                    status = gr.HTML(elem_id="upload-status")
                    with gr.Row():
                        chosen = gr.Dropdown([], label="Remove a document", elem_id="remove-choice", scale=3)
                        remove = gr.Button("Remove", variant="stop", elem_id="remove", scale=1, size="sm")

        library.document_outputs = [table, chosen, scope]
        answer_inputs = [pending, chatbot, turns, mode, k, scope, library.selector, history.conversation]
        answer_outputs = [chatbot, turns, download, history.conversation, history.listing]
        for trigger in (question.submit, ask.click):
            viewer.follow(
                trigger(add_question, [question, chatbot], [question, chatbot, pending], queue=False).then(
                    history.respond, answer_inputs, answer_outputs
                )
            )

        def ask_example(chat: list, event: gr.SelectData) -> tuple[list, str]:
            return add_question(event.value["text"], chat)[1:]

        viewer.follow(
            chatbot.example_select(ask_example, [chatbot], [chatbot, pending]).then(
                history.respond, answer_inputs, answer_outputs
            )
        )

        new_chat = [chatbot, turns, download, history.conversation, history.listing]
        viewer.follow(clear.click(history.reset, None, new_chat, queue=False))
        viewer.follow(chatbot.clear(history.reset, None, new_chat, queue=False))
        # Another collection starts a new conversation: a conversation is about one collection.
        library.wire(lambda event: viewer.follow(event.then(history.reset, None, new_chat, queue=False)))
        history.wire([chatbot, turns, download], library, viewer.follow)

        upload.upload(library.add_documents, [upload, library.selector], [status, upload, table, chosen, scope])
        remove.click(library.remove, [chosen, library.selector], [status, table, chosen, scope])
        demo.load(library.load, None, library.view_outputs)
        demo.load(history.load, None, [history.signed_in, history.listing])
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
        "css": (resources.files("assistant.web") / "chat.css").read_text(encoding="utf-8"),
    }


def mount(server: Any, target: Workspace | Assistant, auth: Callable[[str, str], bool] | None = None) -> Any:
    """Mount the chat page at `/` of a FastAPI app (`assistant serve`), with launch()'s file-access limits."""
    options = launch_options(target.settings)
    return gr.mount_gradio_app(
        server,
        build_app(target),
        path="/",
        auth=login_check(auth) if auth else options["auth"],
        allowed_paths=options["allowed_paths"],
        max_file_size=options["max_file_size"],
    )


def warm_up(assistant: Assistant) -> None:
    """Load the embedding model and the index before the first question arrives."""
    try:
        assistant.ask("warm up")
    except Exception as error:  # noqa: BLE001 - the first real question reports any problem to the user
        logger.info("warm-up skipped: %s", error)


def main() -> None:
    """Open the chat page on ASSISTANT_HOST:ASSISTANT_PORT (http://127.0.0.1:7860 by default)."""
    use_offline_environment()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        workspace = Workspace.from_settings()
        workspace.conversations  # noqa: B018 - open the database now: a damaged one stops here, naming the fix
    except AssistantError as error:
        raise SystemExit(f"error: {error}") from error
    demo = build_app(workspace)  # opens the index on this thread: Chroma's client creation is not thread-safe
    threading.Thread(target=warm_up, args=(workspace.default_assistant(),), daemon=True).start()
    options = launch_options(workspace.settings)
    if workspace.settings.users_file is not None:  # several users: each logs in with their own password
        options["auth"] = login_check(lambda name, password: workspace.login(name, password))
    demo.launch(**options)


if __name__ == "__main__":
    main()
