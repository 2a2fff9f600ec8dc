"""Changes that need approval (unlink, bulk delete, a held sync): the request and its plan,
then approve, deny or withdraw it; an approval carries out only the plan it was shown."""

from __future__ import annotations

from connectors.base import App
from engine.approvals.carry_out import carry_out, plan_request, unlink_plan, unlink_plans
from engine.approvals.requests import (
    Ask,
    approval_of,
    new_request,
    pending,
    why_not_decide,
)
from engine.core import Context, Operation, RefusalError
from engine.operations import Approve, BulkDelete, Deny, Requests, Unlink, Withdraw
from engine.outcomes import (
    Decided,
    DecisionPlanned,
    NotDecided,
    PendingRequests,
    Requested,
    RequestPlanned,
)
from engine.protected import refuse_protected
from engine.registry import handles
from engine.rules import rule_matches
from engine.service import GroupPushService, quoted
from engine.words import plural
from storage import repo
from storage.models import ApprovalRequest, PushMapping
from storage.statuses import RequestAction, RequestStatus

CHANGED = "changed since it was asked; ask again"


def _ask(ctx: Context, app: App, mappings: list[PushMapping], delete: bool, action: RequestAction,
         operation: Operation, summary: str) -> RequestPlanned | Requested:
    if delete:
        for m in mappings:
            refuse_protected(ctx.service.config, app, m.app_group_name or m.group_name,
                             "deletes", m.app_group_id)
    targets, plan, data = unlink_plan(ctx.service, app, mappings, delete)
    if operation.dry_run:
        return RequestPlanned(operation, unlink_plans(app, mappings, delete),
                              approval_summary=summary, approval_plan=plan)
    ask = Ask(action=action, app=app.name, targets=targets, operation=operation.to_dict(),
              plan=plan,
              plan_data=data, summary=summary, delete=delete)
    return new_request(ctx.service, ask, actor=ctx.actor, channel=ctx.channel)


@handles(Unlink, dry_run=True)
def unlink(ctx: Context, op: Unlink) -> RequestPlanned | Requested:
    """`unlink GROUP from APP --keep | --delete`: a request bound to its plan (a push whose
    directory group is gone is named as it was pushed)."""
    service = ctx.service
    app = service.find_app(op.app)
    _, mapping = service.find_push(service.snapshot(op.group), op.group, app)
    how = "and delete the app group with its memberships" if op.delete else \
        "and keep the app group as it is"
    return _ask(ctx, app, [mapping], op.delete, RequestAction.UNLINK, op,
                f"unlink {quoted(mapping.group_name)} from {app.name} {how}"
                + rules_note(service, app.name, [mapping]))


@handles(BulkDelete, dry_run=True)
def bulk_delete(ctx: Context, op: BulkDelete) -> RequestPlanned | Requested:
    """`bulk delete APP GROUP... | --all`: a request bound to its plan."""
    service = ctx.service
    app = service.find_app(op.app)
    mappings = selected_mappings(service, app.name, list(op.names), op.everything)
    names = ", ".join(quoted(m.group_name) for m in mappings)
    return _ask(ctx, app, mappings, True, RequestAction.BULK_DELETE, op,
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
            raise RefusalError(f"No groups are pushed to {app}; nothing to do.")
        return mappings
    snapshot = service.snapshot(*group_names)
    chosen = []
    for name in group_names:
        try:
            chosen.append(service.find_push(snapshot, name, service.find_app(app))[1])
        except RefusalError as refusal:
            raise RefusalError(f"{refusal} Nothing was changed.") from None
    return chosen


def _claim(service: GroupPushService, request_id: str, actor: str, status: RequestStatus,
           dry_run: bool = False) -> ApprovalRequest | NotDecided:
    """The request, claimed for `status` by `actor` (only checked, with dry_run), or the
    refusal saying why not."""
    with service.db.session() as session:
        request = session.get(ApprovalRequest, request_id.strip().upper())
        if request is None:
            ids = [r.id for r in repo.pending_requests(session)
                   if actor in service.config.slack.approvers or r.requested_by == actor]
            tip = f" Pending: {', '.join(ids)}." if ids else ""
            raise RefusalError(f"No approval request {request_id}.{tip}")
        now = service.clock()
        if status == RequestStatus.WITHDRAWN:
            reason = why_not_withdraw(request, actor, now)
        else:
            reason = why_not_decide(request, actor, service.config.slack, now,
                                    status == RequestStatus.APPROVED)
        if reason is not None:
            if request.status == RequestStatus.PENDING and now > request.expires_at \
                    and not dry_run:
                request.status = RequestStatus.EXPIRED
            return NotDecided(reason[0].upper() + reason[1:], approval=approval_of(request))
        if dry_run:
            return request
        if not repo.claim_request(session, request.id, status, actor, now):
            session.refresh(request)
            return NotDecided(f"Request {request.id} was already {request.status} by "
                              f"{request.decided_by}; nothing more was changed.",
                              approval=approval_of(request))
        session.refresh(request)
        repo.audit(session, actor, request.status, f"{request.id}: {request.summary}")
        return request


def why_not_withdraw(request: ApprovalRequest, actor: str, now: object) -> str | None:
    """Why `actor` may not withdraw this request, or None when they may."""
    if request.requested_by != actor:
        return (f"only {request.requested_by}, who asked, may withdraw request {request.id}; "
                "an approver may deny it.")
    if request.status != RequestStatus.PENDING:
        return f"request {request.id} was already {request.status}; nothing more was changed."
    return None


def preview_decision(service: GroupPushService, request_id: str, actor: str,
                     status: RequestStatus) -> DecisionPlanned | NotDecided:
    """`approve|deny|withdraw ID --dry-run`: refused exactly as deciding would be, else what
    deciding would do now (approving: the plan now, and whether it is the one shown)."""
    checked = _claim(service, request_id, actor, status, dry_run=True)
    if isinstance(checked, NotDecided):
        return checked
    shown = approval_of(checked)
    if status != RequestStatus.APPROVED:
        return DecisionPlanned(shown, status, actor)
    now = plan_request(service, checked)
    return DecisionPlanned(shown, status, actor, now.plans, now.matches, now.changed)


def decide(service: GroupPushService, request_id: str, actor: str,
           approve: bool) -> Decided | NotDecided:
    """Approve (and carry out, if its plan still holds) or deny a request, once."""
    claimed = _claim(service, request_id, actor,
                     RequestStatus.APPROVED if approve else RequestStatus.DENIED)
    if isinstance(claimed, NotDecided):
        return claimed
    request = claimed
    if not approve:
        return Decided(approval_of(request), RequestStatus.DENIED, actor)
    carried = carry_out(service, request)
    with service.db.session() as session:
        row = session.get(ApprovalRequest, request.id)
        if row is not None:
            row.outcome, row.status = carried.outcome, carried.status
            request = row
    if carried.status == RequestStatus.CHANGED:
        return NotDecided(f"Request {request.id}: nothing was changed, {CHANGED}. "
                          f"{carried.outcome}", approval=approval_of(request),
                          plans=carried.plans)
    return Decided(approval_of(request), RequestStatus.APPROVED, actor,
                   failed=carried.status != RequestStatus.APPROVED)


@handles(Approve, dry_run=True)
def handle_approve(ctx: Context, op: Approve) -> Decided | DecisionPlanned | NotDecided:
    """`approve ID [--dry-run]`."""
    if op.dry_run:
        return preview_decision(ctx.service, op.request_id, ctx.actor, RequestStatus.APPROVED)
    return decide(ctx.service, op.request_id, ctx.actor, approve=True)


@handles(Deny, dry_run=True)
def handle_deny(ctx: Context, op: Deny) -> Decided | DecisionPlanned | NotDecided:
    """`deny ID [--dry-run]`."""
    if op.dry_run:
        return preview_decision(ctx.service, op.request_id, ctx.actor, RequestStatus.DENIED)
    return decide(ctx.service, op.request_id, ctx.actor, approve=False)


@handles(Withdraw, dry_run=True)
def withdraw(ctx: Context, op: Withdraw) -> Decided | DecisionPlanned | NotDecided:
    """`withdraw ID [--dry-run]`: the person who asked takes a pending request back."""
    if op.dry_run:
        return preview_decision(ctx.service, op.request_id, ctx.actor, RequestStatus.WITHDRAWN)
    claimed = _claim(ctx.service, op.request_id, ctx.actor, RequestStatus.WITHDRAWN)
    if isinstance(claimed, NotDecided):
        return claimed
    return Decided(approval_of(claimed), RequestStatus.WITHDRAWN, ctx.actor)


@handles(Requests)
def list_requests(ctx: Context, op: Requests) -> PendingRequests:
    """`requests`: pending requests, all to approvers, one's own to anyone else."""
    approver = ctx.actor in ctx.service.config.slack.approvers
    shown = [r for r in pending(ctx.service) if approver or r.requested_by == ctx.actor]
    return PendingRequests(tuple(approval_of(r) for r in shown), approver)
