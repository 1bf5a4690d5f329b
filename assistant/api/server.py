"""Serving: the API with uvicorn, and the chat page (assistant.web) mounted at `/`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from assistant.api.app import create_app

if TYPE_CHECKING:
    from fastapi import FastAPI

    from assistant.workspace import Workspace

logger = logging.getLogger(__name__)


def serve(
    workspace: Workspace, host: str = "127.0.0.1", port: int = 8000, ui: bool = True, log_level: str = "info"
) -> None:
    """Run the API (and, with `ui`, the chat page at `/`) with uvicorn until interrupted."""
    import uvicorn

    workspace.conversations  # noqa: B018 - open the database now: a damaged one stops here, naming the fix
    workspace.embedder.embed(["warm up"])  # load the model now, so the first request is not the slow one
    app = create_app(workspace)
    if ui:
        mount_ui(app)
    logger.info("serving on http://%s:%d (OpenAPI schema at /openapi.json)", host, port)
    uvicorn.run(app, host=host, port=port, log_level=log_level, timeout_graceful_shutdown=5)


def mount_ui(app: FastAPI) -> None:
    """Mount the chat page (assistant.web, the only importer of gradio) at `/`, over the API's workspace."""
    from assistant.web.page import mount

    workspace = app.state.workspace
    mount(app, workspace, auth=_ui_auth(workspace))


def _ui_auth(workspace: Workspace) -> Callable[[str, str], bool] | None:
    """The page's login when a users file, an API key or ASSISTANT_AUTH is set: a password, or an API key as one."""
    if not workspace.accounts.login_required:
        return None

    def check(username: str, password: str) -> bool:
        return workspace.login(username, password, api_key_as_password=True) is not None

    return check
