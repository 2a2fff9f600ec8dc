"""Arrows point one way: bot -> engine -> connectors, storage; telemetry is imported by all
and imports none of them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
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
