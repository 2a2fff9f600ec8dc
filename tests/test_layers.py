"""Arrows point one way: bot -> engine -> connectors, storage (bot reaches storage only
through engine); telemetry is imported by all and imports none of them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "bot": {"storage"},  # through engine queries (engine/stored.py) only
    "engine": {"bot", "slack_bolt", "slack_sdk"},
    "connectors": {"bot", "engine", "storage", "slack_bolt", "slack_sdk"},
    "storage": {"bot", "engine", "connectors", "slack_bolt", "slack_sdk"},
    "telemetry": {"bot", "engine", "connectors", "storage", "slack_bolt", "slack_sdk"},
}


def imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_a_layer_imports_nothing_above_it(package: str) -> None:
    wrong = {str(path.relative_to(ROOT)): sorted(imported(path) & FORBIDDEN[package])
             for path in (ROOT / package).rglob("*.py")}
    assert {path: names for path, names in wrong.items() if names} == {}


def modules(package: str) -> dict[str, Path]:
    """Every module of a package by dotted name (a package by its own name)."""
    out = {}
    for path in (ROOT / package).rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def import_edges(found: dict[str, Path]) -> dict[str, set[str]]:
    """Module -> the modules of `found` it imports anywhere (functions and TYPE_CHECKING too):
    `from a import b` names a, and a.b when that is a module."""
    edges: dict[str, set[str]] = {name: set() for name in found}
    for name, path in found.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                edges[name] |= {a.name for a in node.names if a.name in found}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                named = {node.module} | {f"{node.module}.{a.name}" for a in node.names}
                edges[name] |= named & found.keys()
    return edges


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The import circles: modules that reach each other (strongly connected, Tarjan's)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in edges[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while (top := stack.pop()) != node:
                group.append(top)
            if group:
                out.append(sorted([node, *group]))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return out


PACKAGES = ["bot", "engine", "connectors", "storage", "telemetry"]
OURS = {*PACKAGES, "bench"}


@pytest.mark.parametrize("package", PACKAGES)
def test_no_module_imports_itself_round_a_circle(package: str) -> None:
    assert circles(import_edges(modules(package))) == []


def test_no_circle_across_the_packages() -> None:
    found: dict[str, Path] = {}
    for package in PACKAGES:
        found |= modules(package)
    assert circles(import_edges(found)) == []


def test_every_sub_package_is_read() -> None:
    names = modules("engine").keys() | modules("bot").keys()
    assert {"engine.outcomes.base", "engine.approvals.handlers", "engine.push.apply",
            "bot.listeners.work", "bot.views.words.base"} <= names


def test_the_core_vocabulary_imports_nothing_of_ours() -> None:
    assert imported(ROOT / "engine" / "core.py") & OURS == set()


def test_circles_are_found() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert circles(edges) == [["a", "b", "c"]]
