"""Changes that need approval (unlink, bulk delete): the request, then approve or deny."""

from __future__ import annotations

from dataclasses import dataclass

from connectors.base import App
from connectors.errors import ConnectorError
from engine.approvals import new_request_id, why_not_decide
from engine.context import Context
from engine.operations import Approve, BulkDelete, Deny, Unlink
from engine.pusher import Refused
from engine.registry import handles
from engine.reports import when
from engine.results import Reply
from engine.rules import rule_matches
from engine.service import GroupPushService, quoted
from engine.words import plural
from storage import repo
from storage.models import ApprovalRequest, PushMapping


@dataclass(frozen=True)
class Decision:
    """A decided request and what carrying it out did."""

    request: ApprovalRequest
    outcome: str


def request_data(request: ApprovalRequest) -> dict[str, object]:
    """What views need to show a request."""
    return {"approval": {"id": request.id, "summary": request.summary,
                         "requested_by": request.requested_by, "delete": request.delete,
                         "action": request.action, "status": request.status,
                         "expires_at": when(request.expires_at),
                         "decided_by": request.decided_by, "outcome": request.outcome}}


def new_request(service: GroupPushService, *, action: str, app: str, group_ids: list[str],
                delete: bool, summary: str, actor: str, channel: str) -> Reply:
    """Record a request and say how to answer it."""
    with service.db.session() as session:
        request = ApprovalRequest(
            id=new_request_id(), action=action, app=app, groups="\n".join(group_ids),
            delete=delete, summary=summary, requested_by=actor, channel=channel,
            requested_at=service.clock(), expires_at=service.expires(),
        )
        session.add(request)
        repo.audit(session, actor, "request", f"{request.id}: {summary}")
    approvers = ", ".join(service.config.slack.approvers) or "nobody (set slack.approvers)"
    text = (f"Approval needed for request {request.id}: {summary}. Nothing changes until an "
            f"approver runs `approve {request.id}` (or `deny {request.id}`). Approvers: "
            f"{approvers}. Expires {when(request.expires_at)}.")
    return Reply(True, text, status="done", data=request_data(request))


def request_unlink(service: GroupPushService, group_name: str, app_name: str, *,
                   delete: bool, actor: str, channel: str = "") -> Reply:
    """Ask to stop pushing a group, keeping or deleting the app group."""
    service.require_operator(actor)
    snapshot = service.snapshot()
    app = service.find_app(app_name)
    _, mapping = service.find_push(snapshot, group_name, app)
    how = "and delete the app group with its memberships" if delete else \
        "and keep the app group as it is"
    return new_request(service, action="unlink", app=app.name, group_ids=[mapping.group_id],
                        delete=delete, actor=actor, channel=channel,
                        summary=f"unlink {quoted(mapping.group_name)} from {app.name} {how}"
                                + rules_note(service, app.name, [mapping]))


def request_bulk_delete(service: GroupPushService, app_name: str, group_names: list[str],
                        everything: bool, *, actor: str, channel: str = "") -> Reply:
    """Ask to delete many pushed groups from an app (and stop pushing them)."""
    service.require_operator(actor)
    app = service.find_app(app_name)
    mappings = selected_mappings(service, app.name, group_names, everything)
    names = ", ".join(quoted(m.group_name) for m in mappings)
    return new_request(service, action="bulk_delete", app=app.name,
                        group_ids=[m.group_id for m in mappings], delete=True, actor=actor,
                        channel=channel, summary=f"delete {plural(len(mappings), 'pushed group')} "
                                                 f"from {app.name}: {names}"
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
    snapshot = service.snapshot()
    chosen = []
    for name in group_names:
        try:
            chosen.append(service.find_push(snapshot, name, service.find_app(app))[1])
        except Refused as refusal:
            raise Refused(f"{refusal} Nothing was changed.") from None
    return chosen


def decide(service: GroupPushService, request_id: str, actor: str, approve: bool) -> Reply:
    """Approve (and carry out) or deny a request, once, by someone the policy allows."""
    wanted = request_id.strip().upper()
    with service.db.session() as session:
        request = session.get(ApprovalRequest, wanted)
        if request is None:
            pending = [r.id for r in repo.pending_requests(session)]
            tip = f" Pending: {', '.join(pending)}." if pending else " No request is pending."
            raise Refused(f"No approval request {request_id}.{tip}")
        now = service.clock()
        reason = why_not_decide(request, actor, service.config.slack, now, approve)
        if reason is not None:
            if request.status == "pending" and now > request.expires_at:
                request.status = "expired"
            return Reply.refused(reason[0].upper() + reason[1:],
                                 **request_data(request))
        status = "approved" if approve else "denied"
        if not repo.claim_request(session, request.id, status, actor, now):
            session.refresh(request)
            return Reply.refused(f"Request {request.id} was already {request.status} by "
                                 f"{request.decided_by}; nothing more was changed.",
                                 **request_data(request))
        session.refresh(request)
        repo.audit(session, actor, request.status, f"{request.id}: {request.summary}")
    if not approve:
        return Reply(True, f"Request {request.id} denied by {actor}: {request.summary} "
                     "will not happen; nothing was changed.", data=request_data(request))
    outcome, ok = carry_out(service, request)
    with service.db.session() as session:
        row = session.get(ApprovalRequest, request.id)
        if row is not None:
            row.outcome = outcome
            row.status = "approved" if ok else "failed"
            request = row
    text = f"Request {request.id} approved by {actor}: {outcome}"
    return Reply(ok, text, status="done" if ok else "failed", data=request_data(request))


def carry_out(service: GroupPushService, request: ApprovalRequest) -> tuple[str, bool]:
    """Do what an approved request asked: unlink each group (deleting it in the app if asked),
    or let a held sync remove what it would."""
    app = service.find_app(request.app)
    if request.action == "sync_removal":
        return _release_sync(service, app, request)
    done, failed = [], []
    for group_id in filter(None, request.groups.split("\n")):
        with service.db.session() as session:
            mapping = repo.find_mapping(session, group_id, app.name)
        if mapping is None:
            continue
        try:
            with service.mapping_lock(int(mapping.id or 0)):
                if request.delete and mapping.app_group_id:
                    app.delete_group(mapping.app_group_id)
                with service.db.session() as session:
                    row = session.get(PushMapping, mapping.id)
                    if row is not None:
                        repo.forget_mapping(session, row)
                    repo.audit(session, request.requested_by, "unlink",
                               f"{mapping.group_name} from {app.name} "
                               f"({'deleted in the app' if request.delete else 'kept in the app'})"
                               f", approved by {request.decided_by}")
            done.append(quoted(mapping.group_name))
        except ConnectorError as error:
            failed.append(f"{quoted(mapping.group_name)}: {error.describe()}")
    verb = "deleted from" if request.delete else "unlinked (kept in)"
    outcome = f"{', '.join(done) or 'no groups'} {verb} {app.name}."
    if failed:
        outcome += " Failed: " + "; ".join(failed)
    return outcome, not failed


def attach_message(service: GroupPushService, request_id: str, channel: str, ts: str) -> None:
    """Remember the chat message that shows a request, so it can be updated when decided."""
    with service.db.session() as session:
        request = session.get(ApprovalRequest, request_id)
        if request is not None:
            request.channel, request.message_ts = channel, ts


def get_request(service: GroupPushService, request_id: str) -> ApprovalRequest | None:
    """A request by id."""
    with service.db.session() as session:
        return session.get(ApprovalRequest, request_id.strip().upper())


def pending(service: GroupPushService) -> list[ApprovalRequest]:
    """Requests waiting for an approver (expired ones are marked so and left out)."""
    now = service.clock()
    with service.db.session() as session:
        waiting = []
        for request in repo.pending_requests(session):
            if now > request.expires_at:
                request.status = "expired"
            else:
                waiting.append(request)
        return waiting


def _release_sync(service: GroupPushService, app: App,
                  request: ApprovalRequest) -> tuple[str, bool]:
    from engine.sync import sync_one

    with service.db.session() as session:
        mapping = repo.find_mapping(session, request.groups, app.name)
    if mapping is None:
        return "the group is no longer pushed; nothing to do.", True
    try:
        outcome = sync_one(service, service.snapshot(), app, int(mapping.id or 0),
                           actor=request.decided_by, guarded=False)
    except ConnectorError as error:
        return f"the sync failed: {error.describe()}", False
    return (f"synced {quoted(mapping.group_name)} on {app.name}: +{outcome.added} "
            f"-{outcome.removed}."), True


@handles(Unlink)
def handle_unlink(ctx: Context, op: Unlink) -> Reply:
    """`unlink GROUP from APP --keep | --delete`: a request."""
    return request_unlink(ctx.service, op.group, op.app, delete=op.delete, actor=ctx.actor,
                          channel=ctx.channel)


@handles(BulkDelete)
def handle_bulk_delete(ctx: Context, op: BulkDelete) -> Reply:
    """`bulk delete APP GROUP... | --all`: a request."""
    return request_bulk_delete(ctx.service, op.app, list(op.names), op.everything,
                               actor=ctx.actor, channel=ctx.channel)


@handles(Approve)
def handle_approve(ctx: Context, op: Approve) -> Reply:
    """`approve ID`."""
    return decide(ctx.service, op.request_id, ctx.actor, approve=True)


@handles(Deny)
def handle_deny(ctx: Context, op: Deny) -> Reply:
    """`deny ID`."""
    return decide(ctx.service, op.request_id, ctx.actor, approve=False)
