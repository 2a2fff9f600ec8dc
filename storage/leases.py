"""Leases of the scheduled jobs: which instance runs which app's sync and drift check."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, delete, select

from storage.models import JobLease

INSTANCE = "instance:"
"""Prefix of the lease each running instance keeps, so the others can count it."""


def held_by(session: Session, holder: str, names: Iterable[str]) -> set[str]:
    """Which of these leases the holder has (running out or not)."""
    wanted = list(names)
    return set(session.exec(select(JobLease.name).where(
        JobLease.holder == holder, col(JobLease.name).in_(wanted))))


def count_alive(session: Session, prefix: str, now: datetime) -> int:
    """How many leases with this prefix still run."""
    return int(session.exec(select(func.count()).select_from(JobLease).where(
        col(JobLease.name).startswith(prefix), JobLease.expires_at >= now)).one())


def release_all(session: Session, holder: str) -> None:
    """Give up every lease of a holder (it stops)."""
    session.exec(delete(JobLease).where(col(JobLease.holder) == holder))  # type: ignore[call-overload]

