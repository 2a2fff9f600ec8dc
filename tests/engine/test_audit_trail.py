"""`audit [N] [--since D] [--format text|jsonl|csv]` as the engine answers it."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

from bot.views.words import render_outcome
from engine.audit_trail import audit_reply
from storage.models import AuditEvent
from tests.workspace import Workspace


def test_audit_formats_and_since(ws: Workspace) -> None:
    service = ws.service()
    with service.db.session() as session:
        session.add(AuditEvent(at=service.clock() - timedelta(days=9), actor="U0", action="push",
                               detail="Old to box"))
    assert service.push("Sales", "box", "U1").ok
    assert service.push("Engineering", "box", "U2").ok

    trail = audit_reply(service)
    assert [e.actor for e in trail.events] == ["U0", "U1", "U2"]  # oldest first
    text = str(render_outcome(trail))
    assert text.splitlines()[0] == "Last 3 changes:"
    assert "U2: push" in text.splitlines()[1]  # newest first

    lines = audit_reply(service, since=timedelta(days=7), fmt="jsonl").export.splitlines()
    events = [json.loads(line) for line in lines]
    assert [e["actor"] for e in events] == ["U1", "U2"]  # oldest first, the old one left out
    again = [json.loads(x) for x in audit_reply(service, since=timedelta(days=7),
                                                fmt="jsonl").export.splitlines()]
    assert [e["id"] for e in again] == [e["id"] for e in events]

    rows = list(csv.DictReader(io.StringIO(audit_reply(service, 1, fmt="csv").export)))
    assert [r["actor"] for r in rows] == ["U2"] and rows[0]["id"] == events[-1]["id"]
    assert render_outcome(audit_reply(service, since=timedelta(seconds=0))) == \
        "No changes recorded in that time."
