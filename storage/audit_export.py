"""The audit trail for a SIEM: each event with a stable id and a schema version, as JSON
Lines or CSV. Exporting the same events twice gives the same ids, so ingestion is idempotent."""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from storage.models import AuditEvent

SCHEMA = "grouppush.audit.v1"
"""Bumped when a field changes meaning or goes away (new fields may be added within v1)."""
FIELDS = ("schema", "id", "seq", "time", "actor", "action", "outcome", "detail")
_NAMESPACE = uuid.UUID("6f0c4f5e-2b1a-4c55-9d0e-8f7a3c2b1d40")
_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$", re.IGNORECASE)
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_duration(text: str) -> timedelta:
    """`7d`, `12h`, `30m`, `2w`, `90s`; ValueError naming the accepted forms."""
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a duration; use a number and a unit: "
                         "90s, 30m, 12h, 7d or 2w")
    return timedelta(**{_UNITS[match.group(2).lower()]: int(match.group(1))})


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def event_id(event: AuditEvent) -> str:
    """The event's id for a SIEM: the same for the same stored event, export after export."""
    stamp = _utc(event.at).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return str(uuid.uuid5(_NAMESPACE, f"{event.id}|{stamp}|{event.actor}|{event.action}"))


def events_since(session: Session, since: datetime | None = None,
                 limit: int | None = None) -> list[AuditEvent]:
    """Audit events at or after `since` (all without it), oldest first; with a limit, the
    newest `limit` of them."""
    query = select(AuditEvent)
    if since is not None:
        query = query.where(col(AuditEvent.at) >= _utc(since))
    if limit is not None:
        query = query.order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc()).limit(limit)
        return list(reversed(session.exec(query).all()))
    return list(session.exec(query.order_by(col(AuditEvent.at), col(AuditEvent.id))))


def record(event: AuditEvent) -> dict[str, Any]:
    """One event as the export's object: schema, stable id, when, who, what, the outcome."""
    return {"schema": SCHEMA, "id": event_id(event), "seq": event.id,
            "time": _utc(event.at).isoformat(timespec="microseconds").replace("+00:00", "Z"),
            "actor": event.actor, "action": event.action,
            "outcome": "refused" if event.action.startswith("refused") else "done",
            "detail": event.detail}


_UNSHOWN = re.compile("[\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")
"""What JSON may carry raw but a terminal must not get raw: DEL, C1 controls, bidirectional
marks and overrides, line and paragraph separators (json escapes those below 0x20 itself)."""


def json_line(value: object) -> str:
    """One line of JSON, readable (UTF-8) yet with every control character as a \\u escape,
    so it is valid JSON and safe on a terminal as it is."""
    return _UNSHOWN.sub(lambda m: f"\\u{ord(m.group()):04x}",
                        json.dumps(value, ensure_ascii=False))


def to_jsonl(events: Iterable[AuditEvent]) -> str:
    """JSON Lines: one object per event."""
    return "".join(json_line(record(e)) + "\n" for e in events)


def to_csv(events: Iterable[AuditEvent]) -> str:
    """CSV with a header row, the same fields as the JSON Lines."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    for event in events:
        writer.writerow(record(event))
    return out.getvalue()
