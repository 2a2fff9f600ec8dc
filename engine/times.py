"""Times as grouppush shows them: ISO 8601 in UTC for --json, and for people."""

from __future__ import annotations

from datetime import UTC, datetime


def utc(at: datetime) -> datetime:
    """The moment in UTC (a stored time without a zone is UTC already)."""
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def iso(at: datetime | None) -> str | None:
    """A time for --json: ISO 8601 in UTC, one format everywhere (docs/json.md), as the
    audit trail writes it."""
    return f"{utc(at):%Y-%m-%dT%H:%M:%S.%f}Z" if at else None


def when_iso(text: str) -> str:
    """An `iso` time for people: `2026-12-02 00:05:47 UTC`."""
    try:
        return f"{utc(datetime.fromisoformat(text)):%Y-%m-%d %H:%M:%S} UTC"
    except ValueError:
        return text
