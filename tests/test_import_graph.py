"""The core's modules import each other at module level without a cycle, so any of them
can be imported first (a cycle works only in one order and breaks in another)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "lms_core"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts}


def module_level_imports(path: Path) -> set[str]:
    """lms_core modules imported when the module runs (not inside functions or
    ``if TYPE_CHECKING:``), with the packages they live in."""
    found = set()
    tree = ast.parse(path.read_text())
    for node in tree.body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        for child in ast.walk(node) if not isinstance(node, (ast.FunctionDef, ast.ClassDef)) else ():
            if isinstance(child, ast.Import):
                found.update(a.name for a in child.names)
            elif isinstance(child, ast.ImportFrom) and child.module and child.level == 0:
                found.add(child.module)
                found.update(f"{child.module}.{a.name}" for a in child.names)
    imported = set()
    for name in found:
        parts = name.split(".")
        for n in range(2, len(parts) + 1):
            candidate = ".".join(parts[:n])
            if candidate in MODULES:
                imported.add(candidate)
    return imported


def ancestors(name: str) -> set[str]:
    """The packages a module lives in: Python runs their ``__init__`` before the module,
    whatever imports it, so importing them back is no cycle."""
    parts = name.split(".")
    return {".".join(parts[:n]) for n in range(1, len(parts))}


def cycles() -> list[list[str]]:
    graph = {name: module_level_imports(path) - {name} - ancestors(name) for name, path in MODULES.items()}
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for name in graph:
        if name not in index:
            visit(name)
    return found


def test_no_two_core_modules_import_each_other_at_module_level():
    assert cycles() == []


def test_the_modules_that_once_formed_cycles_import_first_in_a_fresh_interpreter():
    # One per former cycle: app <-> cache <-> jobs, plugins <-> defaults <-> enrolment <-> events.
    for name in ("lms_core.cache", "lms_core.defaults"):
        result = subprocess.run(
            [sys.executable, "-c", f"import {name}"], capture_output=True, text=True, timeout=60, cwd=ROOT
        )
        assert result.returncode == 0, f"import {name}: {result.stderr}"
