"""The package as users install it: every folder listed in pyproject.toml, and a wheel that works outside the repo."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest

from tests.fixtures.paths import ROOT, SEED_FILE
from tests.fixtures.servers import free_port, launch, stop, wait_for

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_pyproject_lists_every_package_folder_and_ships_the_prompts():
    setuptools = PYPROJECT["tool"]["setuptools"]
    folders = {".".join(path.parent.relative_to(ROOT).parts) for path in (ROOT / "assistant").rglob("__init__.py")}
    assert set(setuptools["packages"]) == folders | {"assistant.prompts"}
    assert setuptools["package-dir"]["assistant.prompts"] == "prompts"
    assert sorted(p.name for p in (ROOT / "prompts").glob("*.md")) == ["answer.md", "condense.md", "refusal.md"]
    assert (ROOT / "assistant" / "py.typed").is_file()


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh virtual environment outside the checkout with the built wheel installed (no editable install).

    The wheel's dependencies come from this test run's environment through a .pth line, so nothing is downloaded;
    the wheel's own `assistant` comes first on sys.path.
    """
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"  # a copy of what the wheel is built from, so the build leaves nothing in the checkout
    for name in ("assistant", "prompts"):
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(work), str(source)],
        check=True,
        capture_output=True,
        cwd=work,
        timeout=300,
    )
    (wheel,) = work.glob("assistant-*.whl")
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    subprocess.run(
        [str(venv / "bin" / "pip"), "install", "-q", "--no-deps", "--no-index", str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    site = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    (Path(site) / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv


def run(venv: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(venv / "bin" / "python"), "-m", "assistant", *args], cwd=cwd, capture_output=True, text=True, timeout=600
    )


@pytest.mark.integration
def test_the_wheel_answers_refuses_and_serves_its_page_outside_the_checkout(installed, tmp_path):
    where = subprocess.run(
        [
            str(installed / "bin" / "python"),
            "-c",
            "import assistant, assistant.prompts as p; print(assistant.__file__)",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert where.startswith(str(installed)) and not where.startswith(str(ROOT))
    documents = tmp_path / "documents"
    documents.mkdir()
    (documents / SEED_FILE.name).write_bytes(SEED_FILE.read_bytes())

    ingested = run(installed, tmp_path, "ingest", "documents", "--json")
    assert ingested.returncode == 0, ingested.stderr
    assert json.loads(ingested.stdout)["files"] == 1 and (tmp_path / "index").is_dir()

    answered = run(installed, tmp_path, "ask", "What did NATO call on Russia to do?", "--json")
    answer = json.loads(answered.stdout)
    assert not answer["refused"] and answer["citations"]
    refused = run(installed, tmp_path, "ask", "What is the boiling point of mercury?", "--json")
    refusal = json.loads(refused.stdout)
    assert refusal["refused"] and "don't say" in refusal["answer"], refused.stderr  # prompts/refusal.md, packaged

    port = free_port()
    log = tmp_path / "serve.log"
    server = launch([str(installed / "bin" / "assistant"), "serve", "--port", str(port)], log, cwd=tmp_path)
    try:
        wait_for(server, f"http://127.0.0.1:{port}/healthz", log)
        import urllib.request

        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as page:
            body = page.read().decode()
        assert page.status == 200 and "gradio" in body.lower()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/config", timeout=30) as config:
            assert "Ask your documents" in config.read().decode()
    finally:
        stop(server)
