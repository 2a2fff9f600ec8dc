"""`exec --json`: every command's output, done, refused or bad, follows the documented schema."""

from __future__ import annotations

import re
from typing import Any

import jsonschema

import engine.executor  # noqa: F401  (registers every handler)
from engine.registry import OPERATIONS
from engine.schema import ENVELOPE, SCHEMA_VERSION, data_schema
from tests.cli.test_commands import approval_id
from tests.workspace import Workspace

APPROVER = "U0APPROVER"


def checked(ws: Workspace, text: str, as_user: str = "console") -> dict[str, Any]:
    result = ws.exec(text, as_user=as_user, as_json=True)
    document: dict[str, Any] = result.json
    jsonschema.validate(document, ENVELOPE)
    shape = data_schema(document)
    if shape is not None:
        jsonschema.validate(document["data"], shape)
    assert document["schema"] == SCHEMA_VERSION
    assert result.code == {"done": 0, "refused": 1, "failed": 1, "usage": 2}[document["status"]]
    return document


def test_every_command_answers_in_the_documented_schema(ws: Workspace) -> None:
    seen: set[str] = set()

    def run(text: str, as_user: str = "console", status: str = "done") -> dict[str, Any]:
        document = checked(ws, text, as_user)
        assert document["status"] == status, document["text"]
        if document["command"]:
            seen.add(document["command"])
        return document

    run("help")
    [push] = run("help push")["data"]["commands"]
    assert push["examples"][0] == "push Sales to box" and "--dry-run" in push["flags"]
    run("apps")
    run("search sales")
    run("push Sales to box --dry-run")
    pushed = run("push Sales to box")
    assert pushed["data"]["added"] == 3 and pushed["operation"] == {
        "op": "push", "group": "Sales", "app": "box", "memberships": True, "dry_run": False}
    run("push Engineering to box")
    [row] = [r for r in run("list box")["data"]["pushes"] if r["group"] == "Sales"]
    assert row["members"] == 3 and row["status"] == "active" and "error_hint" not in row
    run("info Sales on box")
    ws.app.patch_members("Sales", remove=["alice@acme.test"])
    drift = run("check box", status="failed")["data"]["drift"]
    assert drift[0]["missing"] == ["alice@acme.test"] and drift[0]["unexpected"] == []
    run("ignore Sales on box --dry-run")
    run("ignore Sales on box")
    run("now Sales on box")
    run("retry box --all --dry-run")
    assert run("retry box --all")["data"] == {"fixed": [], "errors": [], "held": []}
    run("retry Sales on box", status="refused")
    facts = run("explain alice@acme.test in Sales on box", as_user="U0READER")["data"]
    assert (facts["pushed"], facts["next_sync"]) == (True, "none")
    run("sync box")
    run("sync --dry-run")
    run("deactivate Engineering on box")
    run("activate Engineering on box")
    run("rule add eng to box --starts-with Engineering --dry-run")
    run("rule add eng to box --starts-with Engineering")
    run("rule list")
    run("rule remove eng")
    run("bulk deactivate box Engineering")
    run("repush alice@acme.test")
    asked = run("unlink Sales from box --keep", as_user="U0ASKER")
    run("requests", as_user=APPROVER)
    run(f"withdraw {approval_id(asked['text'])}", as_user="U0ASKER")
    denied = run("bulk delete box Engineering", as_user="U0ASKER")
    run(f"deny {approval_id(denied['text'])}", as_user=APPROVER)
    approved = run("unlink Sales from box --delete", as_user="U0ASKER")
    run(f"approve {approval_id(approved['text'])}", as_user=APPROVER)
    run("audit 5")
    run("push Nosuch to box", status="refused")
    run("info Sales on box --dry-run", status="usage")
    assert run("psh Sales to box", status="usage")["command"] is None
    typed = {verb for verb, cls in OPERATIONS.items() if cls.spec.typed}
    assert typed - seen == set(), "every command's --json is checked here"


ISO = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$"


def test_times_are_one_iso_format_and_status_words_match_the_filter(ws: Workspace) -> None:
    assert ws.exec("push Sales to box").code == 0
    assert ws.exec("deactivate Sales on box", as_json=True).json["data"]["status"] == "inactive"
    assert ws.exec("unlink Sales from box --keep").code == 0
    listed = checked(ws, "list --status inactive")["data"]["pushes"]
    assert [p["status"] for p in listed] == ["inactive"]
    assert re.match(ISO, listed[0]["last_push"]), listed[0]["last_push"]
    pending = checked(ws, "requests")["data"]["requests"][0]
    assert re.match(ISO, pending["expires_at"]), pending["expires_at"]
    events = checked(ws, "audit")["data"]["events"]
    assert all(re.match(ISO, e["time"]) for e in events)
