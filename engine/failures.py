"""Failures of a mapping's work, kept in one place: each is a RunError row (the history), and
the mapping's error columns cache the newest one not yet fixed (for `info`, `list`, alerts).
Only this module writes either."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # storage loads when a failure is recorded: outcomes and words need none of it
    from connectors.errors import ConnectorError
    from storage.db import Database
    from storage.models import PushMapping


@dataclass(frozen=True)
class Failure:
    """One recorded failure, with its Information details."""

    mapping_id: int | None
    group: str
    app: str
    operation: str
    message: str
    status: int | None
    hint: str
    at: datetime | None = None

    def to_dict(self) -> dict[str, object]:
        """The details as a reply's data shows them."""
        return {"group": self.group, "app": self.app, "operation": self.operation,
                "message": self.message, "status": self.status, "hint": self.hint}


class StepFailed(Exception):
    """A connector failure inside one mapping's push, with the run it cut short; the fan-out
    records it (engine/fanout.py)."""

    def __init__(self, error: ConnectorError, run_id: int | None) -> None:
        super().__init__(error.describe())
        self.error, self.run_id = error, run_id


class PushFailed(Exception):
    """One mapping's work failed in the app; its failure is recorded (`info` shows it)."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.message)
        self.failure = failure


def record_failure(db: Database, mapping_id: int, operation: str, error: ConnectorError,
                   run_id: int | None = None) -> Failure:
    """Record one failure: a RunError row, and the mapping's cached current error."""
    from storage.models import PushMapping, RunError
    from storage.repo import finish_run

    with db.session() as session:
        mapping = session.get(PushMapping, mapping_id)
        if mapping is None:  # unlinked meanwhile: nothing left to keep it on
            return Failure(mapping_id, "", "", operation, error.describe(), error.status,
                           error.hint)
        row = RunError(run_id=run_id or 0, mapping_id=mapping_id, group_name=mapping.group_name,
                       app=mapping.app, operation=operation, status=error.status,
                       message=error.describe(), hint=error.hint)
        session.add(row)
        mapping.error_operation, mapping.error_message = operation, row.message
        mapping.error_status, mapping.error_hint, mapping.error_at = row.status, row.hint, row.at
        finish_run(session, run_id, "failed")
        return Failure(mapping_id, row.group_name, row.app, operation, row.message, row.status,
                       row.hint, row.at)


def clear_failure(mapping: PushMapping, operation: str | None = None) -> None:
    """Forget the mapping's current error once its work succeeded (only an error of
    `operation`, when given); the RunError rows stay as history."""
    if operation is not None and mapping.error_operation != operation:
        return
    from storage.repo import NO_FAILURE

    for column, value in NO_FAILURE.items():
        setattr(mapping, column, value)


def current_failure(mapping: PushMapping) -> Failure | None:
    """The mapping's current (not yet fixed) failure, if any."""
    if not mapping.error_message:
        return None
    return Failure(int(mapping.id or 0), mapping.group_name, mapping.app,
                   mapping.error_operation, mapping.error_message, mapping.error_status,
                   mapping.error_hint, mapping.error_at)
