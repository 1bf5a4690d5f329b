"""The page module without a browser: its launch options, login, and the server's guards over a real Chroma."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

gr = pytest.importorskip("gradio")
from assistant.assistant import Assistant  # noqa: E402
from assistant.core.config import Settings  # noqa: E402
from assistant.core.errors import ConfigurationError  # noqa: E402
from assistant.retrieval.store import ChromaStore  # noqa: E402
from assistant.web import page  # noqa: E402
from tests.fixtures.servers import free_port  # noqa: E402

MB = 1024 * 1024


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, None), ("", None), ("ann:secret", ("ann", "secret")), ("ann:pa:ss", ("ann", "pa:ss"))],
)
def test_parse_auth(value, expected):
    assert page.parse_auth(value) == expected


@pytest.mark.parametrize("value", ["ann", ":secret", "ann:"])
def test_parse_auth_rejects_malformed_values(value):
    with pytest.raises(ConfigurationError, match="user:password"):
        page.parse_auth(value)


def test_launch_options_are_safe_by_default(tmp_path, monkeypatch):
    monkeypatch.delenv("ASSISTANT_AUTH", raising=False)
    options = page.launch_options(Settings(index_dir=tmp_path))
    assert options["server_name"] == "127.0.0.1" and options["server_port"] == 7860
    assert options["allowed_paths"] == [] and options["auth"] is None
    assert options["max_file_size"] == 20 * MB and options["run_history"] is False
    monkeypatch.setenv("ASSISTANT_AUTH", "ann:secret")
    monkeypatch.setenv("ASSISTANT_PORT", "7999")
    options = page.launch_options(Settings(index_dir=tmp_path))
    assert options["auth"] == ("ann", "secret") and options["server_port"] == 7999


# -- the server ------------------------------------------------------------------------------------------


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_server_requires_login_and_serves_no_files_outside_its_cache(settings, fake_embedder, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the web")
    settings = settings.model_copy(update={"port": free_port(), "auth": "ann:secret"})
    demo = page.build_app(Assistant(settings, ChromaStore(settings), fake_embedder))
    demo.launch(prevent_thread_lock=True, quiet=True, **page.launch_options(settings))
    try:
        base = f"http://127.0.0.1:{settings.port}"
        assert _status(f"{base}/config") == 401
        assert _status(f"{base}/gradio_api/file={secret}") in (401, 403)
    finally:
        demo.close()


def test_server_without_login_still_refuses_files_outside_its_cache(settings, fake_embedder, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the web")
    settings = settings.model_copy(update={"port": free_port(), "auth": None})
    demo = page.build_app(Assistant(settings, ChromaStore(settings), fake_embedder))
    demo.launch(prevent_thread_lock=True, quiet=True, **page.launch_options(settings))
    try:
        base = f"http://127.0.0.1:{settings.port}"
        assert _status(f"{base}/config") == 200
        assert _status(f"{base}/gradio_api/file={secret}") == 403
        assert _status(f"{base}/gradio_api/file=/etc/passwd") == 403
    finally:
        demo.close()
