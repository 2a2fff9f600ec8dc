"""The last trusted directory read, as the directory-loss guard compares a new read with it:
per pushed group, its active members."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, col, delete, func, select

from storage.kept import BATCH, upsert
from storage.models import (
    ApprovalRequest,
    DirectoryBaseline,
    KeptGroup,
    KeptMembership,
    KeptUser,
)

ABSENT = -1
"""The members of a pushed group the trusted read did not have."""


def sizes_now(session: Session, group_ids: Iterable[str],
              statuses: Iterable[str]) -> dict[str, int]:
    """group id -> its kept members whose status is one of these, for the groups kept now
    (a group the directory no longer has is left out)."""
    ids, wanted = list(group_ids), list(statuses)
    out: dict[str, int] = {}
    for start in range(0, len(ids), BATCH):
        part = ids[start:start + BATCH]
        out.update((gid, 0) for gid in session.exec(
            select(KeptGroup.id).where(col(KeptGroup.id).in_(part))))
        rows = session.exec(
            select(KeptMembership.group_id, func.count())
            .join(KeptUser, col(KeptMembership.user_id) == KeptUser.id)
            .where(col(KeptMembership.group_id).in_(part), col(KeptUser.status).in_(wanted))
            .group_by(col(KeptMembership.group_id)))
        out.update((gid, int(n)) for gid, n in rows if gid in out)
    return out


def trusted(session: Session) -> dict[str, int]:
    """group id -> active members, as the last trusted read had them."""
    return {row.group_id: row.members for row in session.exec(select(DirectoryBaseline))}


def trust(session: Session, sizes: dict[str, int], absent: Iterable[str] = ()) -> None:
    """Make these sizes the last trusted read, and these groups trusted gone from it (other
    groups are forgotten)."""
    rows = {gid: ABSENT for gid in absent} | sizes
    if trusted(session) == rows:  # the usual sync: nothing changed, nothing written
        return
    session.execute(delete(DirectoryBaseline))
    upsert(session, DirectoryBaseline,
           [{"group_id": gid, "members": n} for gid, n in rows.items()], ())


def last_request(session: Session, action: str) -> ApprovalRequest | None:
    """The newest approval request of this action, whatever its status."""
    return session.exec(select(ApprovalRequest).where(ApprovalRequest.action == action)
                        .order_by(col(ApprovalRequest.requested_at).desc())).first()
