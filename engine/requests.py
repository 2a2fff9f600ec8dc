"""Changes that need approval (unlink, bulk delete, a held sync): the request and its plan,
then approve, deny or withdraw it; an approval carries out only the plan it was shown."""

from __future__ import annotations

from typing import Any

from connectors.base import App
from engine.approvals import (
    Ask,
    Target,
    approval_of,
    fingerprint,
    new_request,
    pending,
    request_data,
    targets_of,
    why_not_decide,
)
from engine.context import Context
from engine.failures import PushFailed
from engine.fanout import Done, Failed, fan_out, one
from engine.operations import Approve, BulkDelete, Deny, Requests, Unlink, Withdraw
from engine.outcomes import Decided, PendingRequests, PushPlan, RequestPlanned
from engine.pusher import Refused, plan_mapping, push_mapping
from engine.registry import Operation, handles
from engine.results import Reply
from engine.rules import rule_matches
from engine.service import GroupPushService, quoted
from engine.words import plural
from storage import repo
from storage.models import ApprovalRequest, PushMapping

CHANGED = "changed since it was asked; ask again"


def unlink_plan(app: App, mappings: list[PushMapping],
                delete: bool) -> tuple[tuple[Target, ...], str, list[dict[str, Any]]]:
    """The targets, the plan as shown and the plan as digested of unlinking these pushes."""
    targets = tuple(Target(m.group_id, int(m.id or 0), m.app_group_id) for m in mappings)
    lines = []
    for m in mappings:
        group = f"{app.name}'s group {quoted(m.app_group_name or m.group_name)}" + (
            f" (id {m.app_group_id})" if m.app_group_id else " (not created yet)")
        lines.append(f"• {quoted(m.group_name)}: delete {group} with its "
                     f"{plural(m.members_pushed, 'pushed member')}; stop pushing" if delete else
                     f"• {quoted(m.group_name)}: stop pushing; {group} stays as it is")
    data = [{"group_id": t.group_id, "mapping_id": t.mapping_id,
             "app_group_id": t.app_group_id, "delete": delete} for t in targets]
    return targets, "Plan:\n" + "\n".join(lines), data


def _ask(ctx: Context, app: App, mappings: list[PushMapping], delete: bool, action: str,
         operation: Operation, summary: str) -> Reply:
    targets, plan, data = unlink_plan(app, mappings, delete)
    if operation.dry_run:
        shown = [PushPlan(group=m.group_name, app=app.name,
                          app_group="delete" if delete else "keep",
                          app_group_name=m.app_group_name or m.group_name,
                          app_group_id=m.app_group_id, members=m.members_pushed)
                 for m in mappings]
        return Reply.of(RequestPlanned(operation, tuple(shown), approval_summary=summary,
                                       approval_plan=plan))
    ask = Ask(action=action, app=app.name, targets=targets, operation=operation.to_dict(),
              plan=plan,
              plan_data=data, summary=summary, delete=delete)
    return new_request(ctx.service, ask, actor=ctx.actor, channel=ctx.channel)


@handles(Unlink, dry_run=True)
def unlink(ctx: Context, op: Unlink) -> Reply:
    """`unlink GROUP from APP --keep | --delete`: a request bound to its plan (a push whose
    directory group is gone is named as it was pushed)."""
    service = ctx.service
    app = service.find_app(op.app)
    _, mapping = service.find_push(service.snapshot(op.group), op.group, app)
    how = "and delete the app group with its memberships" if op.delete else \
        "and keep the app group as it is"
    return _ask(ctx, app, [mapping], op.delete, "unlink", op,
                f"unlink {quoted(mapping.group_name)} from {app.name} {how}"
                + rules_note(service, app.name, [mapping]))


@handles(BulkDelete, dry_run=True)
def bulk_delete(ctx: Context, op: BulkDelete) -> Reply:
    """`bulk delete APP GROUP... | --all`: a request bound to its plan."""
    service = ctx.service
    app = service.find_app(op.app)
    mappings = selected_mappings(service, app.name, list(op.names), op.everything)
    names = ", ".join(quoted(m.group_name) for m in mappings)
    return _ask(ctx, app, mappings, True, "bulk_delete", op,
                f"delete {plural(len(mappings), 'pushed group')} from {app.name}: {names}"
                + rules_note(service, app.name, mappings))


def rules_note(service: GroupPushService, app: str, mappings: list[PushMapping]) -> str:
    """A warning when push rules match groups about to be unlinked: the next sync would push
    them again (unlinking by hand does not stop a rule)."""
    with service.db.session() as session:
        rules = repo.list_rules(session, app)
    notes = []
    for rule in rules:
        matched = [m.group_name for m in mappings
                   if rule_matches(rule.kind, rule.pattern, m.group_name)]
        if matched:
            notes.append(f"rule {quoted(rule.name)} matches {', '.join(map(quoted, matched))} "
                         f"and would push {'it' if len(matched) == 1 else 'them'} again at "
                         f"the next sync (`rule remove {quoted(rule.name)}` first stops that)")
    return ("; note: " + "; ".join(notes)) if notes else ""


def selected_mappings(service: GroupPushService, app: str, group_names: list[str],
                      everything: bool) -> list[PushMapping]:
    """The mappings a bulk command names (or all of the app's), refusing unknown ones."""
    with service.db.session() as session:
        mappings = repo.list_mappings(session, app)
    if everything:
        if not mappings:
            raise Refused(f"No groups are pushed to {app}; nothing to do.")
        return mappings
    snapshot = service.snapshot(*group_names)
    chosen = []
    for name in group_names:
        try:
            chosen.append(service.find_push(snapshot, name, service.find_app(app))[1])
        except Refused as refusal:
            raise Refused(f"{refusal} Nothing was changed.") from None
    return chosen


def _claim(service: GroupPushService, request_id: str, actor: str,
           status: str) -> ApprovalRequest | Reply:
    """The request, claimed for `status` by `actor`, or the refusal saying why not."""
    with service.db.session() as session:
        request = session.get(ApprovalRequest, request_id.strip().upper())
        if request is None:
            ids = [r.id for r in repo.pending_requests(session)
                   if actor in service.config.slack.approvers or r.requested_by == actor]
            tip = f" Pending: {', '.join(ids)}." if ids else ""
            raise Refused(f"No approval request {request_id}.{tip}")
        now = service.clock()
        if status == "withdrawn":
            reason = why_not_withdraw(request, actor, now)
        else:
            reason = why_not_decide(request, actor, service.config.slack, now,
                                    status == "approved")
        if reason is not None:
            if request.status == "pending" and now > request.expires_at:
                request.status = "expired"
            return Reply.refused(reason[0].upper() + reason[1:], **request_data(request))
        if not repo.claim_request(session, request.id, status, actor, now):
            session.refresh(request)
            return Reply.refused(f"Request {request.id} was already {request.status} by "
                                 f"{request.decided_by}; nothing more was changed.",
                                 **request_data(request))
        session.refresh(request)
        repo.audit(session, actor, request.status, f"{request.id}: {request.summary}")
        return request


def why_not_withdraw(request: ApprovalRequest, actor: str, now: object) -> str | None:
    """Why `actor` may not withdraw this request, or None when they may."""
    if request.requested_by != actor:
        return (f"only {request.requested_by}, who asked, may withdraw request {request.id}; "
                "an approver may deny it.")
    if request.status != "pending":
        return f"request {request.id} was already {request.status}; nothing more was changed."
    return None


def decide(service: GroupPushService, request_id: str, actor: str, approve: bool) -> Reply:
    """Approve (and carry out, if its plan still holds) or deny a request, once."""
    claimed = _claim(service, request_id, actor, "approved" if approve else "denied")
    if isinstance(claimed, Reply):
        return claimed
    request = claimed
    if not approve:
        return Reply.of(Decided(approval_of(request), "denied", actor))
    outcome, status = carry_out(service, request)
    with service.db.session() as session:
        row = session.get(ApprovalRequest, request.id)
        if row is not None:
            row.outcome, row.status = outcome, status
            request = row
    if status == "changed":
        return Reply.refused(f"Request {request.id}: nothing was changed, {CHANGED}. "
                             f"{outcome}", **request_data(request))
    return Reply.of(Decided(approval_of(request), "approved", actor,
                            failed=status != "approved"))


def carry_out(service: GroupPushService, request: ApprovalRequest) -> tuple[str, str]:
    """Do what an approved request asked, if its targets and plan are still what was shown:
    (outcome, status: approved | failed | changed)."""
    app = service.find_app(request.app)
    if request.action == "sync_removal":
        return _release_sync(service, app, request)
    mappings: list[PushMapping] = []
    gone = 0
    for target in targets_of(request) or _legacy_targets(request):
        with service.db.session() as session:
            mapping = repo.find_mapping(session, target.group_id, app.name)
        if mapping is None:
            gone += 1
        else:
            mappings.append(mapping)
    _, plan, data = unlink_plan(app, mappings, request.delete)
    if request.fingerprint and (gone or fingerprint(data) != request.fingerprint):
        why = f" {gone} of its groups are no longer pushed." if gone else ""
        return (f"what it would change is not what it showed.{why} Now:\n{plan}"
                if mappings else f"what it would change is not what it showed.{why}"), "changed"
    return _unlink(service, app, request, mappings)


def _legacy_targets(request: ApprovalRequest) -> list[Target]:
    """Targets of a request made before requests were bound (no fingerprint)."""
    return [Target(g, 0, None) for g in filter(None, request.groups.split("\n"))]


def _unlink(service: GroupPushService, app: App, request: ApprovalRequest,
            mappings: list[PushMapping]) -> tuple[str, str]:
    def step(mapping_id: int) -> str:
        with service.mapping_lock(mapping_id):
            mapping = next(m for m in mappings if m.id == mapping_id)
            if request.delete and mapping.app_group_id:
                app.delete_group(mapping.app_group_id)
            with service.db.session() as session:
                row = session.get(PushMapping, mapping_id)
                if row is not None:
                    repo.forget_mapping(session, row)
                repo.audit(session, request.requested_by, "unlink",
                           f"{mapping.group_name} from {app.name} "
                           f"({'deleted in the app' if request.delete else 'kept in the app'})"
                           f", approved by {request.decided_by}")
        return quoted(mapping.group_name)

    done, failed = [], []
    for result in fan_out(service.db, app, [int(m.id or 0) for m in mappings], step,
                          "delete" if request.delete else "unlink"):
        if isinstance(result, Done):
            done.append(result.value)
        elif isinstance(result, Failed):
            failed.append(f"{quoted(result.failure.group)}: {result.failure.message}")
    verb = "deleted from" if request.delete else "unlinked (kept in)"
    outcome = f"{', '.join(done) or 'no groups'} {verb} {app.name}."
    if failed:
        outcome += " Failed: " + "; ".join(failed)
    return outcome, "failed" if failed else "approved"


def _release_sync(service: GroupPushService, app: App,
                  request: ApprovalRequest) -> tuple[str, str]:
    with service.db.session() as session:
        mapping = repo.find_mapping(session, request.groups, app.name)
    if mapping is None:
        return "the group is no longer pushed; nothing to do.", "approved"
    snapshot = service.snapshot()

    def step(mapping_id: int) -> tuple[str, str]:
        with service.mapping_lock(mapping_id):
            plan = plan_mapping(service.db, app, snapshot, mapping_id)
            now = {"app_group_id": mapping.app_group_id, "remove": sorted(plan.remove)}
            if request.fingerprint and fingerprint(now) != request.fingerprint:
                return (f"the sync would now remove {len(plan.remove)} members of "
                        f"{quoted(mapping.group_name)} on {app.name} "
                        f"({', '.join(sorted(plan.remove)[:10]) or 'none'}); the next sync "
                        "asks again if it still holds."), "changed"
            outcome = push_mapping(service.db, app, snapshot, mapping_id, operation="sync",
                                   actor=request.decided_by)
        return (f"synced {quoted(mapping.group_name)} on {app.name}: +{outcome.added} "
                f"-{outcome.removed}."), "approved"

    try:
        return one(service.db, app, int(mapping.id or 0), step, "sync")
    except PushFailed as failed:
        return f"the sync failed: {failed.failure.message}", "failed"


@handles(Approve)
def handle_approve(ctx: Context, op: Approve) -> Reply:
    """`approve ID`."""
    return decide(ctx.service, op.request_id, ctx.actor, approve=True)


@handles(Deny)
def handle_deny(ctx: Context, op: Deny) -> Reply:
    """`deny ID`."""
    return decide(ctx.service, op.request_id, ctx.actor, approve=False)


@handles(Withdraw)
def withdraw(ctx: Context, op: Withdraw) -> Reply | Decided:
    """`withdraw ID`: the person who asked takes a pending request back."""
    claimed = _claim(ctx.service, op.request_id, ctx.actor, "withdrawn")
    if isinstance(claimed, Reply):
        return claimed
    return Decided(approval_of(claimed), "withdrawn", ctx.actor)


@handles(Requests)
def list_requests(ctx: Context, op: Requests) -> PendingRequests:
    """`requests`: pending requests, all to approvers, one's own to anyone else."""
    approver = ctx.actor in ctx.service.config.slack.approvers
    shown = [r for r in pending(ctx.service) if approver or r.requested_by == ctx.actor]
    return PendingRequests(tuple(approval_of(r) for r in shown), approver)
