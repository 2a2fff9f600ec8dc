"""Pushing one mapping: make sure the app group exists, plan, apply in batches, record.

Every batch is recorded as soon as the app accepted it, so a push that is killed or
fails half-way resumes from what was really done at the next sync, into the same group.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlmodel import Session

from connectors.base import App, DirectoryGroup, DirectorySnapshot, MappingApp, chunks
from connectors.errors import (
    ConnectorError,
    DirectoryError,
)
from engine.core import Progress, RefusalError
from engine.failures import StepFailed
from engine.okta_push.mappings import push as push_by_okta
from engine.push.link import ensure_app_group, follow_description, follow_rename, mapping_row
from engine.push.member_plans import MembersPlanned, plan_push
from engine.push.members import MemberPlan
from engine.push.outcome import PushOutcome
from engine.push.outcome import finished as _finished
from engine.words import gone_from_directory
from storage import repo
from storage.db import Database
from storage.models import PushMapping, utcnow
from storage.pending import pending_for
from telemetry import metrics


class HeldForApproval(Exception):
    """A sync would remove too many members at once; it waits for an approver."""

    def __init__(self, group: str, app: str, removing: int, of: int,
                 remove: tuple[str, ...] = ()) -> None:
        super().__init__(f"{group} on {app}: a sync would remove {removing} of {of} members")
        self.group, self.app, self.removing, self.of = group, app, removing, of
        self.remove = remove
        """The logins the held plan removes."""


Guard = Callable[[str, str, MemberPlan, int], MemberPlan | None]
"""Called with (group, app, plan, members pushed now) before a plan is applied: may raise
HeldForApproval, or return the plan to apply instead (None: this one)."""


def apply_plan(db: Database, app: App, mapping_id: int, group_id: str, plan: MemberPlan,
               progress: Progress | None = None, *, keep_last: bool = False) -> Batch | None:
    """Send the plan in batches, recording each batch once the app accepted it; with
    `keep_last`, the last batch is returned unrecorded, for the push's own end to record
    in the same write (record_batch)."""
    total = len(plan.add) + len(plan.remove)
    done = 0
    size = app.capabilities.max_members_per_request
    batches: list[Batch] = [Batch(removed=keys) for keys in chunks(sorted(plan.remove), size)]
    batches += [Batch(added={k: plan.add[k] for k in keys})
                for keys in chunks(sorted(plan.add), size)]
    for n, batch in enumerate(batches):
        if batch.removed:
            app.remove_members(group_id, [plan.remove[k] for k in batch.removed])
            metrics.MEMBERS_REMOVED.labels(app.name).inc(len(batch.removed))
        else:
            app.add_members(group_id, list(batch.added.values()))
            metrics.MEMBERS_ADDED.labels(app.name).inc(len(batch.added))
        last = keep_last and n == len(batches) - 1
        if not last:
            with db.session() as session:
                record_batch(session, mapping_id, batch)
        done += len(batch.removed) + len(batch.added)
        if progress:
            progress(done, total)
        if last:
            return batch
    return None


@dataclass(frozen=True)
class Batch:
    """One request's worth of a members plan: logins removed, or login -> app id added."""

    removed: Sequence[str] = ()
    added: dict[str, str] = field(default_factory=dict)


def record_batch(session: Session, mapping_id: int, batch: Batch | None) -> None:
    """Remember a batch the app accepted as pushed."""
    if batch is not None:
        repo.record_removed(session, mapping_id, batch.removed)
        repo.record_added(session, mapping_id, batch.added)


def push_mapping(db: Database, app: App, snapshot: DirectorySnapshot, mapping_id: int, *,
                 operation: str, actor: str, full: bool = False, members: bool = True,
                 progress: Progress | None = None, guard: Guard | None = None,
                 planned: MembersPlanned | None = None,
                 group: DirectoryGroup | None = None, run_id: int | None = None) -> PushOutcome:
    """Push one mapping; full reads the app group and overwrites it (push now). `planned`:
    its members plan made already (plan_push), carried out unless a run came between;
    `group`: its directory group, as the caller read it; `run_id`: its run, opened by the
    caller (else here). An app's failure is raised as StepFailed, with its run, for the
    fan-out to record."""
    if isinstance(app, MappingApp):  # Okta pushes the members itself
        return push_by_okta(db, app, snapshot, mapping_id, operation, actor, run_id)
    if group is None and planned is not None:
        group = planned.group
    if group is None:  # read now: it may read its members first, outside a write
        with db.session() as session:
            group_id = mapping_row(session, mapping_id).group_id
        group = snapshot.groups.get(group_id)
    with db.session() as session:
        mapping = mapping_row(session, mapping_id)
        if planned is not None and (repo.last_run_id(session, mapping_id) != planned.after_run
                                    or full or not members or mapping.app_group_id is None):
            planned = None  # stale, or made for another kind of push: plan again
        run_id = run_id or repo.start_run(session, mapping, operation, actor)
        pending = pending_for(session, mapping_id, utcnow()) if group is None else ""
    try:
        if group is None:
            raise DirectoryError(gone_from_directory(mapping.group_name, app.name, pending))
        new = mapping.app_group_id is None and not mapping.app_group_name
        app_group, created, recreated = ensure_app_group(
            db, app, mapping_id, recreate=full, name=group.name, description=group.description,
            row=mapping)
        full = full or (new and not created)  # a linked group is taken over: members made to match
        plan, wanted, whole, tail = _send_members(db, app, mapping, app_group.id, snapshot,
                                                  full=full, members=members, guard=guard,
                                                  planned=planned, progress=progress)
    except ConnectorError as error:
        _finished(app.name, mapping.group_name, operation, actor, run_id, "failed",
                  error.describe())
        raise StepFailed(error, run_id) from error
    except HeldForApproval:
        with db.session() as session:
            repo.finish_run(session, run_id, "held")
        _finished(app.name, mapping.group_name, operation, actor, run_id, "held")
        raise
    recorded = _record_pushed(db, mapping_id, run_id, plan, tail, wanted if full else None,
                              members, touched=full or created or recreated,
                              version=group.kept_version if whole else None)
    _finished(app.name, group.name, operation, actor, run_id, "ok",
              f"+{len(plan.add)} -{len(plan.remove)}")
    renamed_from, described, group_error = None, False, None
    try:  # the members went; a name or description the app refuses is the push's error now
        if group.name != recorded.group_name:
            renamed_from = follow_rename(db, app, mapping_id, group.name, actor)
        if app.capabilities.descriptions and \
                group.description != recorded.app_group_description:
            follow_description(db, app, mapping_id, app_group.id, group.description, actor)
            described = True
    except ConnectorError as error:  # recorded by the fan-out (engine/fanout.py)
        group_error = error
    return PushOutcome(group=group.name, app=app.name, added=len(plan.add),
                       removed=len(plan.remove), skipped=plan.skipped, created=created,
                       linked=recorded.linked, recreated=recreated, renamed_from=renamed_from,
                       described=described, group_error=group_error)


def _send_members(db: Database, app: App, mapping: PushMapping, group_id: str,
                  snapshot: DirectorySnapshot, *, full: bool, members: bool,
                  guard: Guard | None, progress: Progress | None,
                  planned: MembersPlanned | None,
                  ) -> tuple[MemberPlan, dict[str, str], bool, Batch | None]:
    """Plan the members (unless planned already), let the guard hold the plan, send it:
    (plan, members wanted, whether it was the whole plan of members read now: members
    pushed, not planned before, and nothing kept back by the guard, and its last batch,
    sent and not recorded yet)."""
    fresh, mapping_id = planned is None, int(mapping.id or 0)
    pushed_now: int | None = None
    if not members:
        plan, wanted = MemberPlan(add={}, remove={}), dict[str, str]()
    else:
        planned = planned or plan_push(db, app, snapshot, mapping_id, full=full, row=mapping)
        plan, wanted, pushed_now = planned.plan, planned.wanted, planned.pushed
    if guard is not None:
        if pushed_now is None:
            with db.session() as session:
                pushed_now = repo.count_pushed_members(session, mapping_id)
        guarded = guard(mapping.group_name, app.name, plan, pushed_now)
        whole, plan = guarded is None or guarded == plan, guarded or plan
    else:
        whole = True
    tail = apply_plan(db, app, mapping_id, group_id, plan, progress, keep_last=True)
    return plan, wanted, whole and members and fresh, tail


def _record_pushed(db: Database, mapping_id: int, run_id: int | None, plan: MemberPlan,
                   tail: Batch | None, wanted: dict[str, str] | None, members: bool,
                   touched: bool, version: int | None) -> repo.Recorded:
    """Record a push that went through: its last batch `tail`, its members (all of `wanted` after a
    full push), its time, its run, no current error, and the kept group's version it pushed
    whole (a sync plans it again only once that version changed)."""
    with db.session() as session:
        record_batch(session, mapping_id, tail)
        if wanted is not None:
            repo.record_added(session, mapping_id, wanted)
            repo.record_removed(session, mapping_id,
                                set(repo.pushed_members(session, mapping_id)) - set(wanted))
        told = touched or wanted is not None or bool(plan.add or plan.remove)
        mapping = repo.record_push(session, mapping_id, told=told, version=version,
                                   skipped="\n".join(plan.skipped) if members else None)
        if mapping is None:
            raise RefusalError(f"push #{mapping_id} no longer exists")
        repo.finish_run(session, run_id, "ok", len(plan.add), len(plan.remove),
                        len(plan.skipped))
        return mapping
