"""`grouppush audit-export`: the audit trail as JSON Lines (or CSV) for a SIEM."""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from engine.service import GroupPushService
from storage.audit_export import events_since, parse_duration, to_csv, to_jsonl


def audit_export(service: GroupPushService, since: str | None, output: str | None,
                 kind: str = "jsonl") -> int:
    """Write the events (of the last `since`, else all) to `output` (atomically) or stdout."""
    try:
        start = datetime.now(UTC) - parse_duration(since) if since else None
    except ValueError as error:
        print(f"grouppush: --since: {error}", file=sys.stderr)
        return 2
    with service.db.session() as session:
        events = events_since(session, start)
    text = to_csv(events) if kind == "csv" else to_jsonl(events)
    if not output or output == "-":
        sys.stdout.write(text)
        return 0
    target = Path(output)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=target.parent or ".",
                                     delete=False, prefix=f".{target.name}.") as file:
        file.write(text)
    os.replace(file.name, target)
    print(f"grouppush: {len(events)} audit events written to {target}", file=sys.stderr)
    return 0
