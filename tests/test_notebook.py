"""examples/grouppush.ipynb runs top to bottom in a real kernel and shows what it promises."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[1] / "examples" / "grouppush.ipynb"


def _outputs(cell: nbformat.NotebookNode) -> str:
    texts = []
    for output in cell.get("outputs", []):
        texts.append(output.get("text", ""))
        data = output.get("data", {})
        texts.append(data.get("text/html", "") + data.get("text/plain", ""))
    return "".join(texts)


@pytest.mark.slow
def test_the_example_notebook_runs_and_shows_the_plan_and_the_drift(tmp_path: Path) -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(notebook, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    code = [c for c in notebook.cells if c.cell_type == "code"]
    shown = [_outputs(c) for c in code]
    assert "<table>" in shown[1] and "<td>create</td>" in shown[1]  # the plan, as a table
    assert "plan: create Sales" in shown[2] and "pushed: done" in shown[2]
    assert "<b>failed</b>" in shown[3] and "<td>Sales</td>" in shown[3]  # the drift table
    assert "missing: 2 unexpected: 0" in shown[4]
    assert "after push now: done - 0 drifted groups" in shown[5]
