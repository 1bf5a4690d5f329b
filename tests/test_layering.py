"""The package's layers, read from the source (ast): imports point down, no cycles, heavy libraries in one home."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "assistant"

# Lower layers never import higher ones; two different parts of one rank never import each other.
RANK = {
    "assistant.core": 0,
    "assistant.prompts": 0,
    "assistant.accounts": 1,  # users, API keys, the collection registry: they import only core
    "assistant.conversations": 1,  # the conversation store (SQLite): it imports only core
    "assistant.embedding": 1,
    "assistant.retrieval": 2,
    "assistant.documents": 3,
    "assistant.answering": 3,
    "assistant.integrations": 4,
    "assistant.assistant": 5,
    "assistant.workspace": 6,  # users, collections and conversations over one Assistant per collection
    "assistant.evaluation": 7,
    "assistant.web": 7,
    "assistant.api": 8,
    "assistant.cli_admin": 8,  # the admin commands (users, collections, conversations) that cli.py adds
    "assistant.cli": 9,
    "assistant.__main__": 10,
    "assistant": 10,  # the package's own __init__ (lazy re-exports for users)
}
# Each heavy or optional library is imported by its home only.
HOMES = {
    "chromadb": ("assistant.retrieval.store",),
    "gradio": ("assistant.web",),
    "torch": ("assistant.embedding.onnx", "assistant.embedding.sentence_transformers"),
    "transformers": ("assistant.embedding.onnx", "assistant.embedding.sentence_transformers"),
    "sentence_transformers": ("assistant.embedding.sentence_transformers",),
    "onnxruntime": ("assistant.embedding.onnx",),
    "llama_cpp": ("assistant.answering.chat_models",),
    "fastapi": ("assistant.api",),
    "uvicorn": ("assistant.api",),
    "starlette": ("assistant.api",),
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imports_of(module: str) -> list[tuple[str, int]]:
    """(imported module, line) for every import in the module, at any depth (in functions, TYPE_CHECKING too)."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else [])
                )
            for alias in node.names:  # `from assistant.core import types` imports the module assistant.core.types
                submodule = f"{base}.{alias.name}"
                found.append((submodule if submodule in MODULES else base, node.lineno))
    return found


def part_of(module: str) -> str:
    """The entry of RANK a module belongs to (its layer folder, or itself for a top-level module)."""
    while module not in RANK:
        module = module.rpartition(".")[0]
    return module


def internal_edges() -> list[tuple[str, str, int]]:
    return [
        (module, imported, line)
        for module in MODULES
        for imported, line in imports_of(module)
        if imported == "assistant" or imported.startswith("assistant.")
    ]


def test_every_module_belongs_to_a_layer():
    assert all(part_of(module) for module in MODULES)
    assert {part_of(module) for module in MODULES} == set(RANK) - {"assistant.prompts"}


def upward_imports() -> list[str]:
    return [
        f"{module}:{line} imports {imported}"
        for module, imported, line in internal_edges()
        if part_of(module) != part_of(imported) and RANK[part_of(imported)] >= RANK[part_of(module)]
    ]


def import_cycles() -> list[str]:
    graph: dict[str, set[str]] = {module: set() for module in MODULES}
    for module, imported, _ in internal_edges():
        if imported in MODULES and imported != module:
            graph[module].add(imported)
    cycles, state = [], {}

    def visit(module: str, trail: list[str]) -> None:
        state[module] = "open"
        for imported in sorted(graph[module]):
            if state.get(imported) == "open":
                cycles.append(" -> ".join([*trail[trail.index(imported) :], imported]))
            elif imported not in state:
                visit(imported, [*trail, imported])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    return cycles


def test_imports_point_down():
    assert upward_imports() == []


def test_no_import_cycles():
    assert import_cycles() == []


@pytest.mark.parametrize("library", sorted(HOMES))
def test_heavy_libraries_are_imported_only_in_their_home(library):
    strays = [
        f"{module}:{line}"
        for module in MODULES
        for imported, line in imports_of(module)
        if imported.split(".")[0] == library and not module.startswith(HOMES[library])
    ]
    assert strays == []


def test_the_checks_find_a_planted_upward_import_and_cycle(tmp_path, monkeypatch):
    """The checks can fail: a core module importing the facade is upward, and makes a cycle with it."""
    planted = tmp_path / "planted.py"
    planted.write_text("def later():\n    from assistant.assistant import Assistant\n")
    monkeypatch.setitem(MODULES, "assistant.core.planted", planted)
    facade = tmp_path / "facade.py"
    facade.write_text(MODULES["assistant.assistant"].read_text() + "\nfrom assistant.core import planted\n")
    monkeypatch.setitem(MODULES, "assistant.assistant", facade)
    assert upward_imports() == ["assistant.core.planted:2 imports assistant.assistant"]
    assert any("assistant.core.planted -> assistant.assistant" in cycle for cycle in import_cycles())
