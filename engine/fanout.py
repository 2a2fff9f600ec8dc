"""The one fan-out: a per-mapping step run over many mappings (a few at once per app), with
one error policy: a connector failure is recorded once, with its Information details, and
the run carries on with the next mapping; a removal too big is held for approval."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

from connectors.base import App
from connectors.errors import ConnectorError
from engine.failures import Failure, PushFailed, StepFailed, record_failure
from storage.db import Database

if TYPE_CHECKING:
    from engine.push.apply import HeldForApproval

T = TypeVar("T")


@dataclass(frozen=True)
class Done(Generic[T]):
    """The step went through; `failure` is a part that did not (the app group's new name)."""

    mapping_id: int
    value: T
    failure: Failure | None = None


@dataclass(frozen=True)
class FailedStep:
    """The step failed in the app; the failure is recorded."""

    mapping_id: int
    failure: Failure


@dataclass(frozen=True)
class Held:
    """The step would remove too many members; it waits for an approver."""

    mapping_id: int
    held: HeldForApproval


Result = Done[T] | FailedStep | Held


def fan_out(db: Database, app: App, ids: Sequence[int], step: Callable[[int], T],
            operation: str) -> list[Done[T] | FailedStep | Held]:
    """Run `step` for each mapping of one app; per mapping, what came of it (in order)."""
    from engine.push.apply import HeldForApproval, PushOutcome  # loaded with the first push

    def guarded(mapping_id: int) -> Done[T] | FailedStep | Held:
        try:
            value = step(mapping_id)
        except StepFailed as failed:
            return FailedStep(mapping_id, record_failure(db, mapping_id, operation, failed.error,
                                                     failed.run_id))
        except ConnectorError as error:
            return FailedStep(mapping_id, record_failure(db, mapping_id, operation, error))
        except HeldForApproval as held:
            return Held(mapping_id, held)
        if isinstance(value, PushOutcome) and value.group_error is not None:
            return Done(mapping_id, value,
                        record_failure(db, mapping_id, "update group", value.group_error))
        return Done(mapping_id, value)

    workers = max(1, app.capabilities.concurrency)
    if len(ids) <= 1 or workers == 1:
        return [guarded(i) for i in ids]
    with ThreadPoolExecutor(max_workers=min(workers, len(ids))) as pool:
        return list(pool.map(guarded, ids))


def one(db: Database, app: App, mapping_id: int, step: Callable[[int], T],
        operation: str) -> T:
    """Run `step` for one mapping under the same policy; a failure is raised as PushFailed
    (recorded already), a hold as HeldForApproval."""
    [result] = fan_out(db, app, [mapping_id], step, operation)
    if isinstance(result, FailedStep):
        raise PushFailed(result.failure)
    if isinstance(result, Held):
        raise result.held
    return result.value
