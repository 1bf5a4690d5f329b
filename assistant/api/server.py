"""Serving: the API with uvicorn, and the chat page (assistant.web) mounted at `/`."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from assistant.api.app import create_app

if TYPE_CHECKING:
    from fastapi import FastAPI

    from assistant.assistant import Assistant

logger = logging.getLogger(__name__)


def serve(
    assistant: Assistant, host: str = "127.0.0.1", port: int = 8000, ui: bool = True, log_level: str = "info"
) -> None:
    """Run the API (and, with `ui`, the chat page at `/`) with uvicorn until interrupted."""
    import uvicorn

    assistant.embedder.embed(["warm up"])  # load the model now, so the first request is not the slow one
    app = create_app(assistant)
    if ui:
        mount_ui(app, assistant)
    logger.info("serving on http://%s:%d (OpenAPI schema at /openapi.json)", host, port)
    uvicorn.run(app, host=host, port=port, log_level=log_level, timeout_graceful_shutdown=5)


def mount_ui(app: FastAPI, assistant: Assistant) -> None:
    """Mount the chat page (assistant.web, the only importer of gradio) at `/`."""
    from assistant.web.page import mount

    settings = assistant.settings
    mount(app, assistant, auth=_ui_auth(settings.api_key, settings.auth))


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
