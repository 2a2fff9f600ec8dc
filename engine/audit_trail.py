"""`audit [N] [--since 7d] [--format text|jsonl|csv]`: the changes and refused attempts, for
people (text) or for a SIEM (JSON Lines and CSV with stable ids, as `grouppush audit-export`)."""

from __future__ import annotations

from datetime import timedelta

from engine.core import Context
from engine.operations import Audit
from engine.outcomes import AuditLine, AuditTrail
from engine.registry import handles
from engine.service import GroupPushService
from storage.audit_export import events_since, parse_duration, record, to_csv, to_jsonl

DEFAULT_COUNT = 20


def audit_reply(service: GroupPushService, count: int | None = None,
                since: timedelta | None = None, fmt: str = "text") -> AuditTrail:
    """The last `count` events (20 when neither a count nor --since is given), or all of the
    last `since`, oldest first in jsonl/csv, newest first as text."""
    limit = count if count is not None else (None if since is not None else DEFAULT_COUNT)
    start = service.clock() - since if since is not None else None
    with service.db.session() as session:
        events = events_since(session, start, limit)
    export = {"jsonl": to_jsonl, "csv": to_csv}.get(fmt)
    return AuditTrail(tuple(AuditLine(e.at, e.actor, e.action, e.detail,
                                      tuple(record(e).items())) for e in events),  # oldest first
                      fmt, export(events).rstrip("\n") if export else "", since is not None)


@handles(Audit)
def audit(ctx: Context, op: Audit) -> AuditTrail:
    """`audit [N] [--since D] [--format F]`."""
    return audit_reply(ctx.service, op.count,
                       parse_duration(op.since) if op.since else None, op.format)
