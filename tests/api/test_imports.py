"""Every module of server/ imports, imports flow api → runtime → engine, and no import cycles.

The graph is read from the source: every import but those under `TYPE_CHECKING` (for types
only), also those inside functions, so a cycle that a late import hides still fails.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from conftest import ROOT

PACKAGE = ROOT / "server" / "nnplayground"
LAYERS = {"api": 2, "runtime": 1, "engine": 0}  # may import only the same or lower layers


def _name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(name: str) -> set[str]:
    """The nnplayground modules `name` imports (at once or later, in a function)."""
    tree = ast.parse(MODULES[name].read_text())
    found: set[str] = set()
    todo: list[ast.AST] = [tree]
    while todo:
        node = todo.pop()
        if isinstance(node, ast.If) and _type_checking(node):
            todo += node.orelse
            continue
        todo += ast.iter_child_nodes(node)
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("nnplayground")}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("nnplayground"):
            base = str(node.module)
            for alias in node.names:  # a submodule, or a name from the module itself
                sub = f"{base}.{alias.name}"
                found.add(sub if sub in MODULES else base)
    return found - {name}


GRAPH = {name: _imports(name) for name in MODULES}


@pytest.mark.parametrize("name", sorted(n for n in MODULES if not n.endswith(".__main__")))
def test_every_module_imports(name: str) -> None:
    importlib.import_module(name)  # (`__main__` modules run their program when imported)


def test_no_import_cycle() -> None:
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the path, 2: done

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for target in sorted(GRAPH.get(name, ())):
            if state.get(target) == 1:
                cycles.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target, [*path, target])
        state[name] = 2

    for name in sorted(GRAPH):
        if name not in state:
            visit(name, [name])
    assert not cycles, "import cycles: " + "; ".join(" → ".join(c) for c in cycles)


def test_imports_flow_api_runtime_engine() -> None:
    def layer(name: str) -> int | None:
        parts = name.split(".")
        return LAYERS.get(parts[1]) if len(parts) > 1 else None

    wrong = [
        f"{name} → {target}"
        for name, targets in GRAPH.items()
        for target in targets
        if (a := layer(name)) is not None and (b := layer(target)) is not None and b > a
    ]
    assert not wrong, wrong


def test_the_cycle_check_finds_a_cycle() -> None:
    # The check itself must be able to fail: a registry that imports config back.
    saved = GRAPH["nnplayground.engine.registry"]
    GRAPH["nnplayground.engine.registry"] = {*saved, "nnplayground.engine.config"}
    try:
        with pytest.raises(
            AssertionError, match=r"engine\.config → nnplayground\.engine\.registry"
        ):
            test_no_import_cycle()
    finally:
        GRAPH["nnplayground.engine.registry"] = saved
