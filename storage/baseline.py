"""The last trusted directory read, as the directory-loss guard compares a new read with it:
per pushed group, its active members and the kept group's version they were counted at (a
group whose version has not moved since has the same members, so it is not counted again)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import or_
from sqlmodel import Session, col, delete, func, select

from storage.kept import BATCH, upsert
from storage.models import (
    ApprovalRequest,
    DirectoryBaseline,
    KeptGroup,
    KeptMembership,
    KeptUser,
    PushMapping,
)
from storage.statuses import PushStatus

ABSENT = -1
"""The members of a pushed group the trusted read did not have."""


@dataclass(frozen=True)
class Moved:
    """A pushed group to count again: its kept group moved since the last trusted read, the
    guard never counted it, it is not kept now, or it was trusted gone."""

    name: str
    before: int | None
    """Its active members as last trusted (or as last pushed, if never counted); None when
    the trusted read did not have it."""


def _pushed() -> object:
    """Each actively pushed group once: its name and the most members pushed from it."""
    return (select(col(PushMapping.group_id).label("group_id"),
                   func.max(PushMapping.group_name).label("name"),
                   func.max(PushMapping.members_pushed).label("pushed"))
            .where(PushMapping.status == PushStatus.ACTIVE).group_by(col(PushMapping.group_id))
            .subquery())


def before_totals(session: Session) -> tuple[int, int]:
    """(pushed groups, their active members) as the last trusted read had them (a group it
    never counted: as last pushed; a group it did not have: left out)."""
    pushed: object = _pushed()
    p = pushed.c  # type: ignore[attr-defined]
    row = session.exec(
        select(func.count(), func.coalesce(func.sum(
            func.coalesce(DirectoryBaseline.members, p.pushed)), 0))
        .select_from(pushed)  # type: ignore[arg-type]
        .outerjoin(DirectoryBaseline, col(DirectoryBaseline.group_id) == p.group_id)
        .where(or_(col(DirectoryBaseline.members).is_(None),
                   col(DirectoryBaseline.members) != ABSENT))).one()
    return int(row[0]), int(row[1])


def moved(session: Session) -> dict[str, Moved]:
    """group id -> the pushed groups whose members must be counted again (see Moved). Read
    without grouping (a group pushed to several apps comes once per push, folded here), so
    that a sync with nothing moved pays one pass over the pushes and no sort."""
    rows = session.exec(
        select(PushMapping.group_id, PushMapping.group_name, PushMapping.members_pushed,
               DirectoryBaseline.members)
        .outerjoin(DirectoryBaseline, col(DirectoryBaseline.group_id) == PushMapping.group_id)
        .outerjoin(KeptGroup, col(KeptGroup.id) == PushMapping.group_id)
        .where(PushMapping.status == PushStatus.ACTIVE)
        .where(or_(col(DirectoryBaseline.version).is_(None), col(KeptGroup.id).is_(None),
                   col(KeptGroup.version) != col(DirectoryBaseline.version))))
    found: dict[str, tuple[str, int, int | None]] = {}
    for gid, name, pushed_n, members in rows:
        seen = found.get(gid)
        found[gid] = (max(name, seen[0]), max(pushed_n, seen[1]), members) if seen \
            else (name, pushed_n, members)
    return {gid: Moved(name, None if members == ABSENT else
                       pushed_n if members is None else members)
            for gid, (name, pushed_n, members) in found.items()}


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


def trust(session: Session, sizes: dict[str, int], versions: dict[str, int],
          absent: Iterable[str] = ()) -> None:
    """Make these sizes (counted at these kept versions) part of the last trusted read, and
    these groups trusted gone from it; the others keep what was trusted of them (their
    versions did not move). Groups no longer pushed are forgotten when something is written
    (a quiet sync writes nothing and reads no baseline row: only pushed groups' rows are
    ever read, and a row kept for a group pushed again holds its count at its version)."""
    rows = [{"group_id": gid, "members": ABSENT, "version": None} for gid in absent]
    rows += [{"group_id": gid, "members": n, "version": versions.get(gid)}
             for gid, n in sizes.items()]
    if not rows:
        return
    upsert(session, DirectoryBaseline, rows, ("members", "version"))
    active = select(PushMapping.group_id).where(PushMapping.status == PushStatus.ACTIVE)
    forgotten = session.exec(select(DirectoryBaseline.group_id)
                             .where(col(DirectoryBaseline.group_id).not_in(active))).first()
    if forgotten is not None:  # the usual sync forgets nothing: no write
        session.execute(delete(DirectoryBaseline)
                        .where(col(DirectoryBaseline.group_id).not_in(active)))


def last_request(session: Session, action: str) -> ApprovalRequest | None:
    """The newest approval request of this action, whatever its status."""
    return session.exec(select(ApprovalRequest).where(ApprovalRequest.action == action)
                        .order_by(col(ApprovalRequest.requested_at).desc())).first()
