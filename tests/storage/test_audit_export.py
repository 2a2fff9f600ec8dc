"""The audit export: stable ids export after export, a schema version, --since, CSV."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest

from storage import repo
from storage.audit_export import SCHEMA, events_since, parse_duration, to_csv, to_jsonl
from storage.db import Database
from storage.models import AuditEvent


def test_exporting_twice_gives_the_same_ids(database_url: str) -> None:
    db = Database(database_url)
    old = datetime.now(UTC) - timedelta(days=10)
    with db.session() as session:
        session.add(AuditEvent(at=old, actor="U1", action="push", detail="Sales to box"))
        repo.audit(session, "U2", "unlink", "Sales from box --delete")
        repo.audit(session, "U3", "refused", "unlink Sales from box: not an approver")
    with db.session() as session:
        first = [json.loads(line) for line in to_jsonl(events_since(session)).splitlines()]
    db.close()
    db = Database(database_url)  # another process, another day: the same ids
    with db.session() as session:
        again = [json.loads(line) for line in to_jsonl(events_since(session)).splitlines()]
        recent = events_since(session, datetime.now(UTC) - parse_duration("7d"))
    db.close()
    assert first == again
    assert [e["action"] for e in first] == ["push", "unlink", "refused"]
    assert len({e["id"] for e in first}) == 3
    assert {e["schema"] for e in first} == {SCHEMA}
    assert [e["outcome"] for e in first] == ["done", "done", "refused"]
    assert first[0]["time"].endswith("Z") and first[0]["time"].startswith(
        old.strftime("%Y-%m-%dT%H:%M"))
    assert [e.action for e in recent] == ["unlink", "refused"]


def test_csv_has_the_same_fields_and_ids(database_url: str) -> None:
    db = Database(database_url)
    with db.session() as session:
        repo.audit(session, "U1", "push", 'Sales, "EMEA" to box')
    with db.session() as session:
        events = events_since(session)
        rows = list(csv.DictReader(io.StringIO(to_csv(events))))
        [line] = [json.loads(x) for x in to_jsonl(events).splitlines()]
    db.close()
    assert rows == [{k: str(v) for k, v in line.items()}]
    assert rows[0]["detail"] == 'Sales, "EMEA" to box'


@pytest.mark.parametrize("text, expected", [("7d", timedelta(days=7)), ("12h", timedelta(
    hours=12)), ("30m", timedelta(minutes=30)), ("2w", timedelta(weeks=2)),
    ("90s", timedelta(seconds=90))])
def test_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


def test_a_bad_duration_says_what_is_accepted() -> None:
    with pytest.raises(ValueError, match=r"'7 days' is not a duration; use .* 7d"):
        parse_duration("7 days")
