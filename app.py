"""The browser chat (Gradio): a thin layer over `assistant.Assistant`."""

from __future__ import annotations

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import gradio as gr  # noqa: E402

from assistant import Assistant  # noqa: E402
from assistant.errors import AssistantError  # noqa: E402


def build_app(assistant: Assistant) -> gr.Blocks:
    def respond(message: str, history: list[dict]) -> str:
        try:
            answer = assistant.ask(message, history=history)
        except AssistantError as error:
            raise gr.Error(str(error)) from error
        sources = "\n".join(f"[{c.n}] {c.source}: “{c.quote}”" for c in answer.citations)
        return f"{answer.text}\n\n{sources}" if sources else answer.text

    return gr.ChatInterface(respond, title="assistant: answers with cited passages")


def main() -> None:
    assistant = Assistant.from_settings()
    settings = assistant.settings
    build_app(assistant).launch(server_name=settings.host, server_port=settings.port, allowed_paths=[])


if __name__ == "__main__":
    main()
