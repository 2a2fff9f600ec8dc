"""The notebook API: the same operations, operators and audit; outcomes as rows and HTML."""

from __future__ import annotations

import pytest

from bot.notebook import open_grouppush
from tests.workspace import Workspace


def test_changes_from_the_api_follow_operators_and_are_audited(ws: Workspace) -> None:
    ws.config["slack"]["operators"] = ["U0OPS"]
    ws.write()
    reader = open_grouppush(ws.config_path, actor="U0READER", database_url=ws.db_url)
    refused = reader.push("Sales", "box")
    assert refused.status == "refused" and "Only operators" in refused.text
    assert "Sales" not in ws.app.groups()
    operator = open_grouppush(ws.config_path, actor="U0OPS", database_url=ws.db_url)
    assert operator.push("Sales", "box").ok
    assert any(r["actor"] == "U0OPS" and r["action"] == "push"
               for r in operator.audit().to_rows())
    assert operator.run("list").to_rows()[0]["group"] == "Sales"


def test_outcomes_render_as_escaped_tables_and_rows(ws: Workspace) -> None:
    ws.add_group("g-x", "<b>Sales</b> & co", ["alice"])
    ws.write()
    gp = open_grouppush(ws.config_path, actor="console", database_url=ws.db_url)
    plan = gp.push("<b>Sales</b> & co", "box", dry_run=True)
    html = plan._repr_html_()
    assert "&lt;b&gt;Sales&lt;/b&gt; &amp; co" in html and "<b>Sales</b> &" not in html
    assert plan.to_rows()[0]["add"] == ["alice@acme.test"]
    assert plan.to_json()["schema"] == 1
    info = gp.info("Sales", "box")
    assert info.status == "refused" and info.to_rows() == []
    try:
        import pandas  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError):
            plan.to_frame()
    else:
        assert list(plan.to_frame()["group"]) == ["<b>Sales</b> & co"]


def test_audit_rows_show_one_time_and_names_as_they_are_typed_back(ws: Workspace) -> None:
    ws.add_group("g-apollo", "Project Apollo", ["alice"])
    ws.write()
    gp = open_grouppush(ws.config_path, actor="console", database_url=ws.db_url)
    assert gp.push("Project Apollo", "box").ok
    saved = gp.run("rule add 'my rule' to box --starts-with Project")
    assert saved.text.startswith('Rule "my rule" saved')
    trail = gp.audit()
    rows = trail.to_rows()
    assert [list(r)[:2] for r in rows] == [["time", "actor"]] * 2
    assert {r["action"]: r["detail"] for r in rows} == {
        "push": '"Project Apollo" to box',
        "rule add": '"my rule" to box: --starts-with Project'}
    html = trail._repr_html_()
    assert html.count("<th>time</th>") == 1 and "<th>at</th>" not in html
    events = trail.to_json()["data"]["events"]
    assert [e["at"] for e in events] == [r["time"] for r in rows]  # `at` stays in --json v1
