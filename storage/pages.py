"""Pushed groups of one app, a page at a time, filtered as the Push Groups tab filters them.

Each question is one query whose cost follows what it returns (a page, a count, the ids of a
selection), never a read of the whole table into memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func
from sqlalchemy import select as sql_select
from sqlmodel import Session, col, select

from storage.models import ApprovalRequest, AuditEvent, PushMapping, PushRule
from storage.statuses import PushStatus, RequestStatus

BY_NAME = ""
"""The `rule` of a filter that keeps groups pushed by name (no rule found them)."""


@dataclass(frozen=True)
class PushFilter:
    """Which pushed groups of one app: a name search, how they were pushed, status, trouble."""

    app: str | None
    """One app's, or None for every app's."""
    name: str = ""
    """Groups whose name contains this text, ignoring case ("" keeps all)."""
    rule: str | None = None
    """None: any way; BY_NAME: pushed by name; else the name of the rule that found them."""
    status: str | None = None
    """None, "active" or "inactive"."""
    errors: bool = False
    """Only groups whose last push failed."""
    drift: bool = False
    """Only groups with drift found and not ignored."""


def _where(query: Any, wanted: PushFilter) -> Any:
    if wanted.app is not None:
        query = query.where(PushMapping.app == wanted.app)
    if wanted.name.strip():
        query = query.where(func.lower(col(PushMapping.group_name)).contains(
            wanted.name.strip().lower(), autoescape=True))
    if wanted.rule == BY_NAME:
        query = query.where(PushMapping.created_via == "name")
    elif wanted.rule is not None:
        query = query.where(PushMapping.created_via == f"rule:{wanted.rule}")
    if wanted.status is not None:
        query = query.where(PushMapping.status == wanted.status)
    if wanted.errors:
        query = query.where(PushMapping.error_message != "")
    if wanted.drift:
        query = query.where(PushMapping.drift_fingerprint != "",
                            PushMapping.drift_ignored_by == "")
    return query


def _ordered(query: Any) -> Any:
    return query.order_by(col(PushMapping.app), func.lower(col(PushMapping.group_name)),
                          col(PushMapping.id))


def page(session: Session, wanted: PushFilter, offset: int = 0,
         limit: int | None = None) -> list[PushMapping]:
    """The pushed groups of one page of the filter (all of them without a limit), by app
    then name."""
    query = _ordered(_where(select(PushMapping), wanted)).offset(offset)
    return list(session.exec(query if limit is None else query.limit(limit)))


def count(session: Session, wanted: PushFilter) -> int:
    """How many pushed groups the filter keeps."""
    query = _where(select(func.count()).select_from(PushMapping), wanted)
    return int(session.exec(query).one())


def selection(session: Session, wanted: PushFilter,
              limit: int | None = None) -> list[tuple[int, str, str]]:
    """(mapping id, directory group id, group name) of the filter's groups, by name."""
    query = _ordered(_where(select(col(PushMapping.id), col(PushMapping.group_id),
                                   col(PushMapping.group_name)), wanted))
    if limit is not None:
        query = query.limit(limit)
    return [(int(i), str(g), str(n)) for i, g, n in session.exec(query)]


def by_rule(session: Session, app: str) -> dict[str, int]:
    """How many pushed groups of the app each rule found ("" for those pushed by name)."""
    query = (select(col(PushMapping.created_via), func.count())
             .where(PushMapping.app == app).group_by(col(PushMapping.created_via)))
    return {(via[5:] if via.startswith("rule:") else BY_NAME): int(n)
            for via, n in session.exec(query)}


def trouble(session: Session, app: str) -> tuple[int, int, int]:
    """(pushed groups, with errors, with drift not ignored) of one app, in one query."""
    errors = func.sum(case((col(PushMapping.error_message) != "", 1), else_=0))
    drift = func.sum(case(((col(PushMapping.drift_fingerprint) != "")
                           & (col(PushMapping.drift_ignored_by) == ""), 1), else_=0))
    row = session.exec(select(func.count(), errors, drift)
                       .where(PushMapping.app == app)).one()
    return int(row[0]), int(row[1] or 0), int(row[2] or 0)


def change_stamp(session: Session) -> tuple[Any, ...]:
    """Something that differs whenever what the tab shows may have changed: pushes, their
    status, errors and drift, rules, approval requests and the audit trail."""
    def flagged(condition: Any) -> Any:
        return func.sum(case((condition, 1), else_=0))

    mappings = session.execute(sql_select(
        func.count(), func.max(PushMapping.last_push_at), func.max(PushMapping.error_at),
        flagged(col(PushMapping.status) == PushStatus.ACTIVE),
        flagged(col(PushMapping.error_message) != ""),
        flagged(col(PushMapping.drift_fingerprint) != ""),
        flagged(col(PushMapping.drift_ignored_by) != ""),
        func.sum(col(PushMapping.members_pushed)))).one()
    others = session.execute(sql_select(
        sql_select(func.max(AuditEvent.id)).scalar_subquery(),
        sql_select(func.count()).where(col(ApprovalRequest.status) == RequestStatus.PENDING)
        .select_from(ApprovalRequest).scalar_subquery(),
        sql_select(func.count()).select_from(PushRule).scalar_subquery(),
        sql_select(func.max(PushRule.id)).scalar_subquery())).one()
    return (*mappings, *others)
