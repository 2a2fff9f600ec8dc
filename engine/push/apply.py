"""Pushing one mapping: make sure the app group exists, plan, apply in batches, record.

Every batch is recorded as soon as the app accepted it, so a push that is killed or
fails half-way resumes from what was really done at the next sync, into the same group.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from connectors.base import App, DirectoryGroup, DirectorySnapshot, MappingApp, chunks
from connectors.errors import (
    ConnectorError,
    DirectoryError,
)
from engine.core import Progress
from engine.failures import StepFailed, clear_failure
from engine.push.link import ensure_app_group, follow_description, follow_rename, mapping_row
from engine.push.members import MemberPlan, plan_members
from engine.push.users import resolve
from engine.words import gone_from_directory
from storage import repo
from storage.db import Database
from storage.models import PushMapping, PushRun, utcnow
from storage.pending import pending_for
from telemetry import metrics

results = logging.getLogger("grouppush.pushes")
"""Each push's result: INFO when done, WARNING when failed (bot/logs.py quiets it where the
answer is on the screen)."""

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


@dataclass(frozen=True)
class PushOutcome:
    """What one push did."""

    group: str
    app: str
    added: int = 0
    removed: int = 0
    skipped: tuple[str, ...] = ()
    created: bool = False
    linked: bool = False
    recreated: bool = False
    renamed_from: str | None = None
    """The group's name before the directory renamed it, when this push followed the rename."""
    described: bool = False
    """The app group's description was changed to the directory group's."""
    group_error: ConnectorError | None = None
    """Why the app group could not follow the directory group's new name or description
    (the members went anyway)."""



MappedPush = Callable[[Database, MappingApp, DirectorySnapshot, int, str, str], PushOutcome]
_MAPPED: list[MappedPush] = []


def push_mapped_with(push: MappedPush) -> None:
    """Set how push_mapping pushes a MappingApp's mapping (engine/mapped_push.py, which
    builds on this module, registers itself when imported)."""
    _MAPPED[:] = [push]


def apply_plan(db: Database, app: App, mapping_id: int, group_id: str, plan: MemberPlan,
               progress: Progress | None = None) -> None:
    """Send the plan in batches, recording each batch once the app accepted it."""
    total = len(plan.add) + len(plan.remove)
    done = 0
    size = app.capabilities.max_members_per_request
    for keys in chunks(sorted(plan.remove), size):
        app.remove_members(group_id, [plan.remove[k] for k in keys])
        with db.session() as session:
            repo.record_removed(session, mapping_id, keys)
        metrics.MEMBERS_REMOVED.labels(app.name).inc(len(keys))
        done += len(keys)
        if progress:
            progress(done, total)
    for keys in chunks(sorted(plan.add), size):
        batch = {k: plan.add[k] for k in keys}
        app.add_members(group_id, list(batch.values()))
        with db.session() as session:
            repo.record_added(session, mapping_id, batch)
        metrics.MEMBERS_ADDED.labels(app.name).inc(len(batch))
        done += len(keys)
        if progress:
            progress(done, total)


def push_mapping(db: Database, app: App, snapshot: DirectorySnapshot, mapping_id: int, *,
                 operation: str, actor: str, full: bool = False, members: bool = True,
                 progress: Progress | None = None, guard: Guard | None = None,
                 planned: MembersPlanned | None = None) -> PushOutcome:
    """Push one mapping; full reads the app group and overwrites it (push now). `planned`:
    its members plan made already (plan_push), carried out unless a run came between. An
    app's failure is raised as StepFailed, with its run, for the fan-out to record."""
    if isinstance(app, MappingApp):  # Okta pushes the members itself
        return _MAPPED[0](db, app, snapshot, mapping_id, operation, actor)
    with db.session() as session:
        group_id = mapping_row(session, mapping_id).group_id
    group = snapshot.groups.get(group_id)  # may read its members first: outside a write
    with db.session() as session:
        mapping = mapping_row(session, mapping_id)
        if planned is not None:
            last = repo.last_run(session, mapping_id)
            if (last.id if last else None) != planned.after_run or full or not members \
                    or mapping.app_group_id is None:
                planned = None  # stale, or made for another kind of push: plan again
        run_id = repo.start_run(session, mapping, operation, actor).id
        previously_skipped = set(filter(None, mapping.skipped_logins.split("\n")))
        pending = pending_for(session, mapping_id, utcnow()) if group is None else ""
    try:
        if group is None:
            raise DirectoryError(gone_from_directory(mapping.group_name, app.name, pending))
        new = mapping.app_group_id is None and not mapping.app_group_name
        app_group, created, recreated = ensure_app_group(
            db, app, mapping_id, recreate=full, name=group.name, description=group.description)
        full = full or (new and not created)  # a linked group is taken over: members made to match
        plan, wanted, whole = _send_members(db, app, mapping_id, app_group.id, snapshot, group,
                                            full=full, members=members, guard=guard,
                                            planned=planned,
                                            skip=set() if full else previously_skipped,
                                            name=mapping.group_name, progress=progress)
    except ConnectorError as error:
        _finished(app.name, mapping.group_name, operation, actor, run_id, "failed",
                  error.describe())
        raise StepFailed(error, run_id) from error
    except HeldForApproval:
        with db.session() as session:
            run = session.get(PushRun, run_id)
            if run is not None:
                repo.finish_run(run, "held")
        _finished(app.name, mapping.group_name, operation, actor, run_id, "held")
        raise
    mapping = _record_pushed(db, mapping_id, run_id, plan, wanted if full else None,
                             members, touched=full or created or recreated,
                             version=group.kept_version if whole else None)
    _finished(app.name, group.name, operation, actor, run_id, "ok",
              f"+{len(plan.add)} -{len(plan.remove)}")
    renamed_from, described, group_error = None, False, None
    try:  # the members went; a name or description the app refuses is the push's error now
        if group.name != mapping.group_name:
            renamed_from = follow_rename(db, app, mapping_id, group.name, actor)
        if app.capabilities.descriptions and group.description != mapping.app_group_description:
            follow_description(db, app, mapping_id, app_group.id, group.description, actor)
            described = True
    except ConnectorError as error:  # recorded by the fan-out (engine/fanout.py)
        group_error = error
    return PushOutcome(group=group.name, app=app.name, added=len(plan.add),
                       removed=len(plan.remove), skipped=plan.skipped, created=created,
                       linked=mapping.linked, recreated=recreated, renamed_from=renamed_from,
                       described=described, group_error=group_error)


def _send_members(db: Database, app: App, mapping_id: int, group_id: str,
                  snapshot: DirectorySnapshot, group: DirectoryGroup, *, full: bool,
                  members: bool, guard: Guard | None, skip: set[str], name: str,
                  progress: Progress | None,
                  planned: MembersPlanned | None) -> tuple[MemberPlan, dict[str, str], bool]:
    """Plan the members (unless planned already), let the guard hold the plan, send it:
    (plan, members wanted, whether it was the whole plan of members read now: members
    pushed, not planned before, and nothing kept back by the guard)."""
    fresh = planned is None
    pushed_now: int | None = None
    if not members:
        plan, wanted = MemberPlan(add={}, remove={}), dict[str, str]()
    else:
        planned = planned or plan_members_of(db, app, snapshot.active_logins(group),
                                             mapping_id, group_id, full=full, skip=skip)
        plan, wanted, pushed_now = planned.plan, planned.wanted, planned.pushed
    if guard is not None:
        if pushed_now is None:
            with db.session() as session:
                pushed_now = repo.count_pushed_members(session, mapping_id)
        guarded = guard(name, app.name, plan, pushed_now)
        whole, plan = guarded is None or guarded == plan, guarded or plan
    else:
        whole = True
    apply_plan(db, app, mapping_id, group_id, plan, progress)
    return plan, wanted, whole and members and fresh


def _record_pushed(db: Database, mapping_id: int, run_id: int | None, plan: MemberPlan,
                   wanted: dict[str, str] | None, members: bool, touched: bool,
                   version: int | None) -> PushMapping:
    """Record a push that went through: its members (all of `wanted` after a full push), its
    time, its run, no current error, and the kept group's version it pushed whole (a sync
    plans it again only once that version changed)."""
    with db.session() as session:
        mapping = mapping_row(session, mapping_id)
        if wanted is not None:
            repo.record_added(session, mapping_id, wanted)
            repo.record_removed(session, mapping_id,
                                set(repo.pushed_members(session, mapping_id)) - set(wanted))
        if touched or wanted is not None or plan.add or plan.remove or not mapping.last_push_at:
            mapping.last_push_at = utcnow()  # a sync with nothing to send told the app nothing
        mapping.members_pushed = repo.count_pushed_members(session, mapping_id)
        if members:
            mapping.skipped_logins = "\n".join(plan.skipped)
        if version is not None:
            mapping.synced_version = version
        clear_failure(mapping)
        run = session.get(PushRun, run_id)
        if run is not None:
            run.added, run.removed, run.skipped = len(plan.add), len(plan.remove), len(plan.skipped)
            repo.finish_run(run, "ok")
        return mapping


def _finished(app: str, group: str, operation: str, actor: str, run_id: int | None,
              result: str, detail: str = "") -> None:
    metrics.PUSHES.labels(app, operation, result).inc()
    results.log(logging.WARNING if result == "failed" else logging.INFO,
            "%s %s of %s on %s%s", operation, result, group, app, f": {detail}" if detail else "",
            extra={"app": app, "group": group, "run_id": run_id, "actor": actor,
                   "operation": operation, "result": result})


@dataclass(frozen=True)
class MembersPlanned:
    """A push's members plan, made once: what to send, the members the group has once it is
    sent (login -> app id), how many are pushed now, and the push's newest run when it was
    made (a run since makes it stale, and the push plans again)."""

    plan: MemberPlan
    wanted: dict[str, str]
    pushed: int
    after_run: int | None = None


def plan_push(db: Database, app: App, snapshot: DirectorySnapshot, mapping_id: int, *,
              full: bool = False) -> MembersPlanned:
    """What a push of this mapping would send now, with reads only; the push itself carries
    it out when no other run of it came between (push_mapping's `planned`)."""
    if isinstance(app, MappingApp):
        return MembersPlanned(MemberPlan(add={}, remove={}), {}, 0)  # Okta pushes the members
    with db.session() as session:
        mapping = mapping_row(session, mapping_id)
        last = repo.last_run(session, mapping_id)
    # a plan made while another run of the push is under way is stale once it ends
    after = -1 if last is not None and last.outcome == "running" else (last.id if last else None)
    skipped = set(filter(None, mapping.skipped_logins.split("\n")))
    group = snapshot.groups.get(mapping.group_id)
    if group is None:
        raise DirectoryError(gone_from_directory(mapping.group_name, app.name))
    desired = snapshot.active_logins(group)
    if mapping.app_group_id is None:
        resolved = resolve(db, app, desired)
        plan = plan_members(desired, resolved, {})
        wanted = {login: resolved[login] for login in desired if login in resolved}
        return MembersPlanned(plan, wanted, 0, after)
    planned = plan_members_of(db, app, desired, mapping_id, mapping.app_group_id, full=full,
                              skip=set() if full else skipped)
    return MembersPlanned(planned.plan, planned.wanted, planned.pushed, after)


def plan_members_of(db: Database, app: App, desired: set[str], mapping_id: int | None,
                    group_id: str, *, full: bool, skip: set[str]) -> MembersPlanned:
    """The members plan of one app group: against what was last pushed, or (full) against
    what the app group has now (mapping_id None: a new push linking an existing group)."""
    with db.session() as session:
        pushed = repo.pushed_members(session, mapping_id) if mapping_id is not None else {}
    if not full:
        new = [login for login in desired - skip if login not in pushed]
        resolved = {**pushed, **resolve(db, app, new)}
        plan = plan_members(desired - skip, resolved, pushed)
        plan = MemberPlan(add=plan.add, remove=plan.remove,
                          skipped=tuple(sorted(set(plan.skipped) | (desired & skip))))
    else:
        in_app = app.list_members(group_id)
        by_id = {uid: login for login, uid in pushed.items()}
        others = [uid for uid in in_app if uid not in by_id]  # the pushed ones are known
        with db.session() as session:
            known = repo.logins_by_app_id(session, app.name, others) if others else {}
        unnamed = [uid for uid in others if uid not in known and not in_app[uid]]
        if unnamed:  # people the plan would remove are named by their login
            known.update(app.user_logins(unnamed))
        current = {by_id.get(uid) or known.get(uid) or in_app[uid] or uid: uid
                   for uid in in_app}
        resolved = resolve(db, app, desired, refresh=True)
        plan = plan_members(desired, resolved, current,
                            additive=app.capabilities.additive_push_now)
    wanted = {login: resolved[login] for login in desired if login in resolved}
    return MembersPlanned(plan, wanted, len(pushed))
