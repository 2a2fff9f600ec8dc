"""Which pending approval request already acts on a pushed group (for hints)."""

from __future__ import annotations

import json
from datetime import datetime

from sqlmodel import Session

from storage import repo


def pending_for(session: Session, mapping_id: int, now: datetime) -> str:
    """The id of a pending, unexpired request acting on this pushed group, or ""."""
    for request in repo.pending_requests(session):
        if request.expires_at < now:
            continue
        targets = json.loads(request.target) if request.target else []
        if any(t.get("mapping_id") == mapping_id for t in targets):
            return request.id
    return ""
