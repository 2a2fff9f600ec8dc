"""Carrying out an approved request (unlink, bulk delete, a held sync) through the fan-out,
only if its targets and plan are still what the request showed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from connectors.base import App, MappingApp
from engine.approvals import directory_loss, held_sync
from engine.approvals.requests import Carried, RequestNow, Target, fingerprint, targets_of
from engine.core import RefusalError
from engine.failures import PushFailed
from engine.fanout import Done, FailedStep, fan_out, one
from engine.okta_push.mappings import unmap as unmap_in_okta
from engine.outcomes import PushPlan
from engine.protected import refuse_protected
from engine.push.apply import HeldForApproval, push_mapping
from engine.push.member_plans import plan_push
from engine.service import GroupPushService, quoted
from engine.words import plural
from storage import repo
from storage.models import ApprovalRequest, PushMapping
from storage.statuses import RequestAction


def unlink_plan(service: GroupPushService, app: App, mappings: list[PushMapping],
                delete: bool) -> tuple[tuple[Target, ...], str, list[dict[str, Any]]]:
    """The targets, the plan as shown and the plan as digested of unlinking these pushes (a
    delete's digest names the members it deletes with the group)."""
    targets = tuple(Target(m.group_id, int(m.id or 0), m.app_group_id) for m in mappings)
    lines = []
    by_okta = isinstance(app, MappingApp)  # Okta deletes the app group: members not known
    for m in mappings:
        group = f"{app.name}'s group {quoted(m.app_group_name or m.group_name)}" + (
            (f" (Okta's mapping {m.app_group_id})" if by_okta else f" (id {m.app_group_id})")
            if m.app_group_id else " (not created yet)")
        members = "members" if by_okta else plural(m.members_pushed, 'pushed member')
        lines.append(f"• {quoted(m.group_name)}: delete {group} with its "
                     f"{members}; stop pushing" if delete else
                     f"• {quoted(m.group_name)}: stop pushing; {group} stays as it is")
    data: list[dict[str, Any]] = [{"group_id": t.group_id, "mapping_id": t.mapping_id,
                                   "app_group_id": t.app_group_id, "delete": delete}
                                  for t in targets]
    if delete:
        with service.db.session() as session:
            for item in data:
                item["members"] = sorted(repo.pushed_members(session, int(item["mapping_id"])))
    return targets, "Plan:\n" + "\n".join(lines), data


def unlink_plans(app: App, mappings: list[PushMapping], delete: bool) -> tuple[PushPlan, ...]:
    """The plan of unlinking these pushes, one PushPlan per app group."""
    return tuple(PushPlan(group=m.group_name, app=app.name,
                          app_group="delete" if delete else "keep",
                          app_group_name=m.app_group_name or m.group_name,
                          app_group_id=m.app_group_id,
                          members=None if delete and isinstance(app, MappingApp)
                          else m.members_pushed)
                 for m in mappings)


def plan_request(service: GroupPushService, request: ApprovalRequest) -> RequestNow:
    """What approving the request would carry out now, and whether it is what it showed."""
    return PLANNERS[RequestAction(request.action)](service, request)


def _plan_trust(service: GroupPushService, request: ApprovalRequest) -> RequestNow:
    return RequestNow(True, carry=lambda: directory_loss.trust_read(service, request.fingerprint))


def _plan_unlink(service: GroupPushService, request: ApprovalRequest) -> RequestNow:
    app = service.find_app(request.app)
    mappings: list[PushMapping] = []
    gone = 0
    for target in targets_of(request) or _legacy_targets(request):
        with service.db.session() as session:
            mapping = repo.find_mapping(session, target.group_id, app.name)
        if mapping is None:
            gone += 1
        else:
            mappings.append(mapping)
    _, plan, data = unlink_plan(service, app, mappings, request.delete)
    plans = unlink_plans(app, mappings, request.delete)
    if request.fingerprint and (gone or fingerprint(data) != request.fingerprint):
        why = f" {gone} of its groups are no longer pushed." if gone else ""
        return RequestNow(False, plans, f"what it would change is not what it showed.{why}"
                          + (f" Now:\n{plan}" if mappings else ""))
    protected = _protected(service, app, mappings) if request.delete else None
    if protected is not None:  # protected since it was asked: approval does not make it deletable
        return RequestNow(True, plans,
                          carry=lambda: Carried.failed(f"nothing was deleted: {protected}"))
    return RequestNow(True, plans, carry=lambda: _unlink(service, app, request, mappings))


def _protected(service: GroupPushService, app: App, mappings: list[PushMapping]) -> str | None:
    """Why one of these app groups may not be deleted (protected), or None."""
    for m in mappings:
        try:
            refuse_protected(service.config, app, m.app_group_name or m.group_name, "deletes",
                             m.app_group_id)
        except RefusalError as refused:
            return str(refused)
    return None


def carry_out(service: GroupPushService, request: ApprovalRequest) -> Carried:
    """Do what an approved request asked, if its targets and plan are still what was shown
    (else nothing, and the request ends changed)."""
    now = plan_request(service, request)
    if not now.matches:
        return Carried.changed(now.changed, now.plans)
    return now.carry()


def _legacy_targets(request: ApprovalRequest) -> list[Target]:
    """Targets of a request made before requests were bound (no fingerprint)."""
    return [Target(g, 0, None) for g in filter(None, request.groups.split("\n"))]


def _unlink(service: GroupPushService, app: App, request: ApprovalRequest,
            mappings: list[PushMapping]) -> Carried:
    def step(mapping_id: int) -> str:
        with service.mapping_lock(mapping_id):
            mapping = next(m for m in mappings if m.id == mapping_id)
            if isinstance(app, MappingApp):  # inactive, then deleted in Okta
                unmap_in_okta(app, mapping, request.delete)
            elif request.delete and mapping.app_group_id:
                app.delete_group(mapping.app_group_id)
            with service.db.session() as session:
                row = session.get(PushMapping, mapping_id)
                if row is not None:
                    repo.forget_mapping(session, row)
                repo.audit(session, request.requested_by, "unlink",
                           f"{quoted(mapping.group_name)} from {app.name} "
                           f"({'deleted in the app' if request.delete else 'kept in the app'})"
                           f", approved by {request.decided_by}")
        return quoted(mapping.group_name)

    done, failed = [], []
    for result in fan_out(service.db, app, [int(m.id or 0) for m in mappings], step,
                          "delete" if request.delete else "unlink"):
        if isinstance(result, Done):
            done.append(result.value)
        elif isinstance(result, FailedStep):
            failed.append(f"{quoted(result.failure.group)}: {result.failure.message}")
    names = ', '.join(done) or 'no groups'
    outcome = f"{names} deleted from {app.name}." if request.delete else \
        f"{names} unlinked from {app.name}; the app group stays there."
    if failed:
        return Carried.failed(outcome + " Failed: " + "; ".join(failed))
    return Carried(outcome)


def _plan_release_sync(service: GroupPushService, request: ApprovalRequest) -> RequestNow:
    """A held sync of one push (its own removal guard): what approving removes now."""
    app = service.find_app(request.app)
    with service.db.session() as session:
        mapping = repo.find_mapping(session, request.groups, app.name)
    if mapping is None:
        return RequestNow(True, carry=lambda: Carried("the group is no longer pushed; "
                                                      "nothing to do."))
    try:
        refuse_protected(service.config, app, mapping.app_group_name or mapping.group_name,
                         "removes members from", mapping.app_group_id)
    except RefusalError as refused:
        why = f"nothing was removed: {refused}"
        return RequestNow(True, carry=lambda: Carried.failed(why))
    snapshot = service.snapshot()
    mapping_id = int(mapping.id or 0)
    planned = plan_push(service.db, app, snapshot, mapping_id)
    plan = planned.plan
    plans = (PushPlan(group=mapping.group_name, app=app.name, app_group="keep",
                      app_group_name=mapping.app_group_name or mapping.group_name,
                      app_group_id=mapping.app_group_id, add=tuple(sorted(plan.add)),
                      remove=tuple(sorted(plan.remove)), skipped=plan.skipped),)
    now = {"app_group_id": mapping.app_group_id, "remove": sorted(plan.remove)}
    if request.fingerprint and fingerprint(now) != request.fingerprint:
        return RequestNow(False, plans, (
            f"the sync would now remove {len(plan.remove)} members of "
            f"{quoted(mapping.group_name)} on {app.name} "
            f"({', '.join(sorted(plan.remove)[:10]) or 'none'}); the next sync "
            "asks again if it still holds."))

    def step(mapping_id: int) -> Carried:
        with service.mapping_lock(mapping_id):
            outcome = push_mapping(service.db, app, snapshot, mapping_id, operation="sync",
                                   actor=request.decided_by, planned=planned,
                                   guard=held_sync.exactly(tuple(sorted(plan.remove))))
        return Carried(f"synced {quoted(mapping.group_name)} on {app.name}: "
                       f"+{outcome.added} -{outcome.removed}.")

    def carry() -> Carried:
        try:
            return one(service.db, app, mapping_id, step, "sync")
        except PushFailed as failed:
            return Carried.failed(f"the sync failed: {failed.failure.message}")
        except HeldForApproval:
            return Carried.failed("it changed meanwhile; left to the next sync.")

    return RequestNow(True, plans, carry=carry)


PLANNERS: dict[RequestAction, Callable[[GroupPushService, ApprovalRequest], RequestNow]] = {
    RequestAction.UNLINK: _plan_unlink,
    RequestAction.BULK_DELETE: _plan_unlink,
    RequestAction.SYNC_REMOVAL: _plan_release_sync,
    RequestAction.SYNC_REMOVALS: held_sync.plan_release,
    RequestAction.DIRECTORY_LOSS: _plan_trust,
}
"""How each kind of request is planned again when it is approved (and carried out)."""
