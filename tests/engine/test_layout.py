"""The engine's modules, sub-packages included, import each other without a circle (type
hints too), and bot/ is never imported."""

from __future__ import annotations

from tests.test_layers import FORBIDDEN, circles, import_edges, imported, modules


def test_engine_has_no_import_circle_and_no_bot() -> None:
    found = modules("engine")
    assert {"engine.outcomes.base", "engine.push.plan", "engine.approvals.requests"} <= found.keys()
    assert circles(import_edges(found)) == []
    assert {name: imported(path) & FORBIDDEN["engine"] for name, path in found.items()
            if imported(path) & FORBIDDEN["engine"]} == {}
