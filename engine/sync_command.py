"""The `sync` command: a sync now, or with --dry-run what it would do, held parts marked,
computed with reads only."""

from __future__ import annotations

from dataclasses import replace

from connectors.base import App, DirectorySnapshot
from engine.approvals.held_sync import decide_hold
from engine.approvals.requests import pending_by_push
from engine.core import Context, RefusalError
from engine.fanout import Done, FailedStep, fan_out
from engine.operations import Sync
from engine.outcomes import Planned, PlanNote, PushPlan, Synced
from engine.push.apply import HeldForApproval
from engine.push.members import MemberPlan
from engine.push.plan import preview_mapping, preview_new_push
from engine.registry import handles
from engine.rules import matching_groups
from engine.service import GroupPushService
from engine.sync import active_pushes, removal_guard, sync
from storage import repo
from storage.models import PushMapping


def preview_sync(service: GroupPushService, app_name: str | None,
                 operation: Sync | None = None) -> Planned:
    """`sync [APP] --dry-run`: what the sync would push now, reading only."""
    apps = [service.find_app(app_name)] if app_name else list(service.apps.values())
    service.kept.refresh()  # the directory's changes, into grouppush's own copy (no app write)
    snapshot = service.snapshot()
    plans: list[PushPlan] = []
    notes: list[PlanNote] = []
    existing: list[tuple[PushMapping, PushPlan]] = []
    for app in apps:
        plans += _preview_rules(service, snapshot, app, notes)
        existing += _preview_pushes(service, snapshot, app, notes)
    plans += [plan for _, plan in _preview_hold(service, existing, notes) if plan.changes]
    return Planned(operation or Sync(app_name, dry_run=True), tuple(plans), tuple(notes))


def _preview_rules(service: GroupPushService, snapshot: DirectorySnapshot, app: App,
                   notes: list[PlanNote]) -> list[PushPlan]:
    """The new pushes the app's rules would make."""
    with service.db.session() as session:
        rules = repo.list_rules(session, app.name)
    pushed = {m.group_id for m in repo_all(service, app.name)}
    plans = []
    for rule in rules:
        for group in matching_groups(rule.kind, rule.pattern, snapshot.groups.values()):
            if group.id not in pushed:
                pushed.add(group.id)
                try:
                    plans.append(preview_new_push(service, snapshot, group, app))
                except RefusalError as refusal:
                    notes.append(PlanNote(group.name, app.name, "refused", str(refusal),
                                          rule.name))
    return plans


def _preview_pushes(service: GroupPushService, snapshot: DirectorySnapshot, app: App,
                    notes: list[PlanNote]) -> list[tuple[PushMapping, PushPlan]]:
    """What syncing each active push of the app would do, a group's own hold marked; a read
    that fails is recorded with its Information, as the sync's own failure would be
    (engine/fanout.py)."""
    guard = removal_guard(service)
    mappings = {int(m.id or 0): m for m in active_pushes(service, app.name)}

    def plan(mapping_id: int) -> PushPlan:
        mapping = mappings[mapping_id]
        plan = preview_mapping(service, snapshot, app, mapping)
        try:
            guard(mapping.group_name, app.name,
                  MemberPlan(add={}, remove=dict.fromkeys(plan.remove, "")),
                  mapping.members_pushed)
        except HeldForApproval:
            plan = replace(plan, held=True)
        return plan

    found = []
    for result in fan_out(service.db, app, list(mappings), plan, "sync --dry-run"):
        mapping = mappings[result.mapping_id]
        if isinstance(result, FailedStep):
            notes.append(PlanNote(mapping.group_name, app.name, "failed",
                                  result.failure.message))
        elif isinstance(result, Done):
            found.append((mapping, result.value))
    return found


def _preview_hold(service: GroupPushService, existing: list[tuple[PushMapping, PushPlan]],
                  notes: list[PlanNote]) -> list[tuple[PushMapping, PushPlan]]:
    """The plans with the removals that would wait for approval marked so: those of pushes
    waiting for a held sync, and all of them when over safety.max_removals_per_sync."""
    decided = decide_hold(pending_by_push(service),
                          {int(m.id or 0): len(p.remove) for m, p in existing},
                          service.config.safety.max_removals_per_sync)
    if decided.over:
        apps = {int(m.id or 0): m.app for m, _ in existing}
        notes.append(PlanNote("", ", ".join(dict.fromkeys(apps[i] for i in decided.counted)),
                              "over limit", removing=decided.removing,
                              groups=len(decided.counted), limit=decided.limit))
    for request_id in decided.requests():
        notes.append(PlanNote("", "", "waiting", request_id=request_id))
    waiting = decided.held()
    return [(m, replace(p, held=False, removals_held=True) if int(m.id or 0) in waiting
             and p.remove else p) for m, p in existing]


def repo_all(service: GroupPushService, app: str) -> list[PushMapping]:
    """Every push of an app, active or not."""
    with service.db.session() as session:
        return repo.list_mappings(session, app)


@handles(Sync, dry_run=True)
def handle_sync(ctx: Context, op: Sync) -> Synced | Planned:
    """`sync [APP] [--full]`."""
    if op.dry_run:
        return preview_sync(ctx.service, op.app, op)
    return sync(ctx.service, op.app, ctx.actor, full=op.full)
