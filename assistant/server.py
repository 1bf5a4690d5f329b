"""Serving: the API with uvicorn, and app.py's chat page mounted at `/` (app.py is the only module importing gradio)."""

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
    """Mount app.py's chat page at `/`; returns False (and logs why) when app.py is not available."""
    mount = _find_ui_mount()
    if mount is None:
        return False
    settings = assistant.settings
    mount(app, assistant, auth=_ui_auth(settings.api_key, settings.auth))
    return True


def _find_ui_mount() -> Callable | None:
    """app.py's `mount(server, assistant, auth)`; only app.py imports gradio."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    beside_package = Path(__file__).resolve().parent.parent / "app.py"
    try:
        module = sys.modules.get("app") or importlib.import_module("app")
    except ImportError:
        module = None
    except Exception:  # noqa: BLE001 - a broken app.py must not stop the API from serving
        logger.exception("app.py failed to import; serving the API only")
        return None
    if getattr(module, "mount", None) is None and beside_package.is_file():
        try:
            spec = importlib.util.spec_from_file_location("app", beside_package)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
        except Exception:  # noqa: BLE001 - as above
            logger.exception("%s failed to import; serving the API only", beside_package)
            return None
    mount = getattr(module, "mount", None)
    if mount is None:
        logger.warning("no app.py with mount(server, assistant, auth) found; serving the API only (no page at /)")
    return mount


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
