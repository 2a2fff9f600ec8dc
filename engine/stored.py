"""The bot's one door to what grouppush remembers: the queries its health check, /metrics,
Home-tab polling, audit export, scheduler leases and CLI need, so that bot/ never imports
storage/ (tests/test_layers.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, text
from sqlmodel import col, select

from engine.service import GroupPushService
from storage import leases, repo
from storage.audit_export import events_since, parse_duration, to_csv, to_jsonl
from storage.db import Database, DatabaseUnavailable
from storage.models import ApprovalRequest, PushMapping
from storage.pages import BY_NAME, PushFilter, change_stamp
from storage.repo import set_audit_origin
from storage.statuses import PushStatus, RequestStatus

__all__ = ["BY_NAME", "Database", "DatabaseUnavailable", "PushFilter", "set_audit_origin"]


def database_answers(db: Database) -> str:
    """The database's kind, once it has answered a query (raises when it does not)."""
    with db.engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    return db.engine.dialect.name


@dataclass(frozen=True)
class StoredGauges:
    """What /metrics reads from the database at each scrape."""

    pending_approvals: int
    drifted: dict[str, int]
    """app -> active pushed groups whose drift is not ignored."""


def stored_gauges(db: Database) -> StoredGauges:
    """Pending approvals, and drifted active pushes per app."""
    with db.session() as session:
        pending = session.exec(select(func.count()).select_from(ApprovalRequest).where(
            ApprovalRequest.status == RequestStatus.PENDING)).one()
        drifted = dict(session.exec(
            select(col(PushMapping.app), func.count())
            .where(PushMapping.status == PushStatus.ACTIVE, PushMapping.drift_fingerprint != "",
                   PushMapping.drift_ignored_by == "")
            .group_by(col(PushMapping.app))).all())
    return StoredGauges(int(pending), drifted)


def home_stamp(service: GroupPushService) -> tuple[Any, ...]:
    """A cheap stamp of what the Home tab shows: it differs once anything shown changed."""
    with service.db.session() as session:
        return change_stamp(session)


@dataclass(frozen=True)
class AuditExport:
    """The audit trail as a SIEM reads it."""

    text: str
    events: int


def audit_export(service: GroupPushService, since: str | None, kind: str) -> AuditExport:
    """The events of the last `since` (all without), as JSON Lines or CSV; ValueError names a
    `since` that is not a duration."""
    start = datetime.now(UTC) - parse_duration(since) if since else None
    with service.db.session() as session:
        events = events_since(session, start)
    return AuditExport(to_csv(events) if kind == "csv" else to_jsonl(events), len(events))


def release_leases(service: GroupPushService, holder: str) -> None:
    """Hand every lease of this holder over at once."""
    with service.db.session() as session:
        leases.release_all(session, holder)


def renew_leases(service: GroupPushService, holder: str, jobs: list[str], now: datetime,
                 until: datetime) -> tuple[set[str], int]:
    """Renew this holder's instance lease and the job leases it still holds; (those jobs,
    the instances alive)."""
    with service.db.session() as session:  # renewals touch only this holder's rows
        repo.take_lease(session, f"{leases.INSTANCE}{holder}", holder, now, until)
        alive = max(1, leases.count_alive(session, leases.INSTANCE, now))
        held = {name for name in leases.held_by(session, holder, jobs)
                if repo.take_lease(session, name, holder, now, until)}
    return held, alive


def take_lease(service: GroupPushService, name: str, holder: str, now: datetime,
               until: datetime) -> bool:
    """Hold a job's lease unless another holder's lease is still running (one transaction)."""
    with service.db.session() as session:
        return repo.take_lease(session, name, holder, now, until)


def release_lease(service: GroupPushService, name: str, holder: str) -> None:
    """Give a job's lease up at once (one transaction)."""
    with service.db.session() as session:
        repo.release_lease(session, name, holder)
