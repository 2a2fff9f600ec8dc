"""The engine's modules import each other without a cycle, and bot/ is never imported."""

from __future__ import annotations

import ast
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[2] / "engine"


def _runtime(tree: ast.Module) -> ast.Module:
    """The module without its `if TYPE_CHECKING:` blocks (imports for type hints only)."""
    tree.body = [n for n in tree.body if not (isinstance(n, ast.If) and isinstance(
        n.test, ast.Name) and n.test.id == "TYPE_CHECKING")]
    return tree


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(_runtime(ast.parse(path.read_text()))):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "engine":
                found |= {alias.name for alias in node.names}
            elif node.module.startswith("engine."):
                found.add(node.module.split(".")[1])
            found |= {"bot"} if node.module.split(".")[0] in ("bot", "slack_bolt") else set()
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("engine.")}
    return found


def test_engine_has_no_import_cycle_and_no_bot() -> None:
    graph = {p.stem: _imports(p) for p in ENGINE.glob("*.py") if p.stem != "__init__"}
    assert not [m for m, deps in graph.items() if "bot" in deps]
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        if module in path:
            raise AssertionError(" -> ".join([*path[path.index(module):], module]))
        if module in done or module not in graph:
            return
        for dep in sorted(graph[module]):
            visit(dep, [*path, module])
        done.add(module)

    for module in sorted(graph):
        visit(module, [])
