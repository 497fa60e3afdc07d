"""The architecture rule, checked: imports only point down (docs/architecture.md), no cycles."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]


def _imports(graph: grimp.ImportGraph, module: str) -> Iterator[str]:
    return iter(sorted(graph.find_modules_directly_imported_by(module)))


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, _imports(graph, root))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append(
                        (child, iter(sorted(graph.find_modules_directly_imported_by(child))))
                    )
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
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
    return found


def test_the_package_has_no_import_cycles() -> None:
    graph = grimp.build_graph("consult_assist")
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = grimp.ImportGraph()
    for name in ("p", "p.a", "p.b", "p.c"):
        graph.add_module(name)
    graph.add_import(importer="p.a", imported="p.b")
    graph.add_import(importer="p.b", imported="p.a")
    graph.add_import(importer="p.c", imported="p.a")
    assert _cycles(graph) == [["p.a", "p.b"]]


@pytest.mark.slow
def test_the_layer_contracts_hold() -> None:
    """``lint-imports`` with the contracts in pyproject.toml (the same check CI runs)."""
    exe = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(exe), "--no-logo", "--no-cache"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_two_modules_share_a_name() -> None:
    """One word, one meaning: ``server.py`` in two folders reads as one thing and is two."""
    package = ROOT / "src" / "consult_assist"
    seen: dict[str, list[str]] = {}
    for path in package.rglob("*.py"):
        if path.name != "__init__.py":
            seen.setdefault(path.stem, []).append(str(path.relative_to(package)))
    assert {name: paths for name, paths in seen.items() if len(paths) > 1} == {}


def _unexplained_local_imports(source: str) -> list[int]:
    """Lines of imports inside functions with no ``# lazy: <reason>``: on the import itself, or
    on a comment line right above it (which also covers the imports that directly follow)."""
    lines = source.splitlines()
    imports = sorted(
        {
            (sub.lineno, sub.end_lineno or sub.lineno)
            for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            for sub in ast.walk(node)
            if isinstance(sub, ast.Import | ast.ImportFrom)
        }
    )
    explained_ends: set[int] = set()
    found = []
    for first, last in imports:
        own = any("# lazy:" in line for line in lines[first - 1 : last])
        above = lines[first - 2].strip() if first > 1 else ""
        if own or above.startswith("# lazy:") or (first - 1) in explained_ends:
            explained_ends.add(last)
        else:
            found.append(first)
    return found


def test_imports_inside_functions_say_why() -> None:
    """Real dependencies sit at the top; a deferred import (optional package, start-up cost)
    carries a ``# lazy: <reason>`` comment."""
    package = ROOT / "src" / "consult_assist"
    offenders = {
        str(path.relative_to(package)): lines
        for path in sorted(package.rglob("*.py"))
        if (lines := _unexplained_local_imports(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}


def test_the_local_import_check_catches_an_unexplained_one() -> None:
    source = (
        "def f():\n"
        "    x = 1  # lazy: not an import\n"
        "    import json\n"
        "    import sounddevice  # lazy: optional dependency\n"
        "    from os import (\n"
        "        path,\n"
        "    )  # lazy: start-up cost\n"
        "    # lazy: optional dependency\n"
        "    import psycopg\n"
        "    from psycopg import (\n"
        "        sql,\n"
        "    )\n"
        "\n"
        "    import csv\n"
    )
    assert _unexplained_local_imports(source) == [3, 14]
