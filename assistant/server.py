"""Serving: the API with uvicorn, and app.py's Gradio page mounted at `/` (gradio imported only when mounting)."""

from __future__ import annotations

import hmac
import importlib
import importlib.util
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.api import create_app

if TYPE_CHECKING:
    from fastapi import FastAPI

    from assistant.assistant import Assistant

logger = logging.getLogger(__name__)


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
