"""`retry GROUP on APP`, `retry APP --all` and the Retry button: failed pushes pushed again
through the one fan-out (engine/fanout.py), with the sync's removal guard and approvals."""

from __future__ import annotations

from connectors.base import App
from engine.alerts import mapping_by_id
from engine.approvals.held_sync import waits_for_held_sync
from engine.core import Context, RefusalError
from engine.failures import Failure
from engine.fanout import Done, FailedStep, fan_out
from engine.operations import Retry
from engine.outcomes import HeldRetry, Planned, Retried, RetriedAll
from engine.protected import protected_by, refuse_protected
from engine.push.apply import PushOutcome
from engine.push.plan import planned, preview_mapping
from engine.registry import handles
from engine.service import GroupPushService, quoted
from engine.sync import hold_for_approval, sync_one
from storage import repo
from storage.models import PushMapping
from storage.statuses import PushStatus


@handles(Retry, dry_run=True)
def retry(ctx: Context, op: Retry) -> Retried | RetriedAll | Planned:
    """Push one failed group again (typed, or the Retry button), or every failed one of APP."""
    service = ctx.service
    if op.everything:
        app = service.find_app(op.app)
        failing = failed_pushes(service, app.name)
        if op.dry_run:
            snapshot = service.snapshot()
            return planned(op, [preview_mapping(service, snapshot, app, m)
                                for m in failing if m.status == PushStatus.ACTIVE])
        return retry_all(service, app, failing, ctx.actor).all()
    if op.app:
        snapshot = service.snapshot(op.group)
        app = service.find_app(op.app)
        mapping = service.find_push(snapshot, op.group, app)[1]
        if not mapping.error_message:
            raise RefusalError(f"{quoted(mapping.group_name)} on {app.name} has no error to retry. "
                          f"`now {quoted(op.group)} on {app.name}` pushes it again.")
    else:
        mapping = mapping_by_id(service, op.mapping_id)
        app = service.find_app(mapping.app)
    refuse_protected(service.config, app, mapping.app_group_name or mapping.group_name,
                     "pushes to", mapping.app_group_id)
    if mapping.status != PushStatus.ACTIVE:
        raise RefusalError(f"{quoted(mapping.group_name)} on {app.name} is deactivated; `activate "
                      f"{quoted(mapping.group_name)} on {app.name}` resumes it and pushes "
                      "again.")
    if op.dry_run:
        return planned(op, [preview_mapping(service, service.snapshot(), app, mapping)])
    return retry_all(service, app, [mapping], ctx.actor).one()


def failed_pushes(service: GroupPushService, app: str) -> list[PushMapping]:
    """The pushes of an app whose last push failed (their error is not fixed yet)."""
    with service.db.session() as session:
        return [m for m in repo.list_mappings(session, app) if m.error_message]


def retry_all(service: GroupPushService, app: App, mappings: list[PushMapping],
              actor: str) -> RetryRun:
    """Push these pushes' directory changes again, a few at once; deactivated and protected
    ones are left alone. Each fixed one is audited as the Retry button's is."""
    active = {int(m.id or 0): m for m in mappings
              if m.status == PushStatus.ACTIVE and not _protected(service, app, m)}
    left_alone = tuple(m.group_name for m in mappings if int(m.id or 0) not in active)
    snapshot = service.snapshot()
    waits = {i for i in active if waits_for_held_sync(service, i)}

    def step(mapping_id: int) -> PushOutcome:
        return sync_one(service, snapshot, app, mapping_id, actor=actor,
                        hold_removals=mapping_id in waits)

    fixed: list[tuple[str, PushOutcome]] = []
    failures: list[Failure] = []
    held: list[HeldRetry] = []
    for result in fan_out(service.db, app, list(active), step, "sync"):
        mapping = active[result.mapping_id]
        if isinstance(result, Done):
            fixed.append((mapping.group_name, result.value))
            service.audit(actor, "retry", f"{quoted(mapping.group_name)} on {app.name}")
            if result.failure is not None:
                failures.append(result.failure)
        elif isinstance(result, FailedStep):
            failures.append(result.failure)
        else:
            request_id = hold_for_approval(service, mapping, result.held, actor)
            held.append(HeldRetry(mapping.group_name, request_id, result.held.removing,
                                  result.held.of))
    return RetryRun(app.name, fixed, failures, held, left_alone)


def _protected(service: GroupPushService, app: App, mapping: PushMapping) -> bool:
    return bool(protected_by(service.config, app, mapping.app_group_name or mapping.group_name,
                             mapping.app_group_id))


class RetryRun:
    """What a retry of some pushes of one app came to, as one outcome or the other."""

    def __init__(self, app: str, fixed: list[tuple[str, PushOutcome]], failures: list[Failure],
                 held: list[HeldRetry], left_alone: tuple[str, ...]) -> None:
        self.app, self.fixed, self.failures = app, fixed, failures
        self.held, self.left_alone = held, left_alone

    def all(self) -> RetriedAll:
        """`retry APP --all`'s answer."""
        fixed = tuple(g for g, _ in self.fixed if g not in {f.group for f in self.failures})
        return RetriedAll(self.app, fixed, tuple(self.failures), tuple(self.held),
                          self.left_alone)

    def one(self) -> Retried:
        """The answer for one push (typed, or the Retry button)."""
        if self.held:
            [held] = self.held
            return Retried(held.group, self.app, held=held.request_id,
                           removing=held.removing, of=held.of)
        if self.failures:
            [failure] = self.failures
            return Retried(failure.group, self.app, error=failure.message, failure=failure)
        [(group, outcome)] = self.fixed
        return Retried(group, self.app, outcome.added, outcome.removed)

