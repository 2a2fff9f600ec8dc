"""Approval requests: who may decide them, when it is too late, and how one is recorded
bound to what it showed (its operation, its targets, a fingerprint of its plan)."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from engine.config import SlackSettings
from engine.core import RefusalError
from engine.outcomes import Approval, PushPlan, Requested
from engine.service import GroupPushService
from engine.times import iso
from storage import repo
from storage.models import ApprovalRequest
from storage.statuses import RequestAction, RequestStatus

_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_request_id() -> str:
    """A short id people can type: `approve K7Q2XM`."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(6))


def fingerprint(plan: Any) -> str:
    """A short digest of a plan (JSON-ready data): equal plans, equal fingerprints."""
    return hashlib.sha256(json.dumps(plan, sort_keys=True, default=str).encode()) \
        .hexdigest()[:16]


@dataclass(frozen=True)
class Target:
    """One pushed group a request acts on, as it was when asked."""

    group_id: str
    mapping_id: int
    app_group_id: str | None
    app: str = ""
    """The app, where a request spans several (a held sync); else the request's app."""


@dataclass(frozen=True)
class Ask:
    """What a new request carries: the operation, its targets, its plan (shown and digested)."""

    action: RequestAction
    app: str
    targets: tuple[Target, ...]
    operation: dict[str, Any]
    plan: str
    plan_data: Any
    summary: str
    delete: bool = False


@dataclass(frozen=True)
class Carried:
    """What carrying out an approved request did: its words (kept as the request's outcome)
    and the status the request ends in."""

    outcome: str
    status: RequestStatus = RequestStatus.APPROVED
    """approved; failed (in part: the outcome says what was not done); or changed (its plan
    is not the one it showed: nothing was carried out)."""
    plans: tuple[PushPlan, ...] = ()
    """Changed: what it would carry out now instead."""

    @classmethod
    def failed(cls, outcome: str) -> Carried:
        """Carrying it out failed, or was stopped (the outcome says why)."""
        return cls(outcome, RequestStatus.FAILED)

    @classmethod
    def changed(cls, outcome: str, plans: tuple[PushPlan, ...] = ()) -> Carried:
        """Not carried out: what it would do now (`plans`) is not what it showed."""
        return cls(outcome, RequestStatus.CHANGED, plans)


def _nothing() -> Carried:
    return Carried("nothing to do.")


@dataclass(frozen=True)
class RequestNow:
    """What carrying out a request would do now: its plan, whether it is the plan the request
    showed (else `changed` says how, with the plan now), and `carry`, which carries out
    exactly this plan."""

    matches: bool
    plans: tuple[PushPlan, ...] = ()
    changed: str = ""
    carry: Callable[[], Carried] = field(default=_nothing, compare=False)


def why_not_decide(request: ApprovalRequest, actor: str, settings: SlackSettings,
                   now: datetime, approving: bool) -> str | None:
    """Why `actor` may not approve (or deny) this request now, or None when they may."""
    if request.status == RequestStatus.EXPIRED or (
            request.status == RequestStatus.PENDING and now > request.expires_at):
        return (f"request {request.id} expired at {request.expires_at:%Y-%m-%d %H:%M} UTC; "
                "nothing was changed. Ask again to make a new request.")
    if request.status != RequestStatus.PENDING:
        who = f" by {request.decided_by}" if request.decided_by else ""
        return (f"request {request.id} was already {request.status}{who}; "
                "nothing more was changed.")
    if approving:
        if actor not in settings.approvers:
            listed = ", ".join(settings.approvers) or "nobody is listed in slack.approvers"
            return f"only approvers may approve request {request.id} (approvers: {listed})."
        if actor == request.requested_by and not settings.allow_self_approval:
            return (f"you asked for request {request.id} yourself; another approver must "
                    "approve it (allow_self_approval is off).")
        return None
    if actor not in settings.approvers and actor != request.requested_by:
        return f"only an approver or {request.requested_by}, who asked, may deny request " \
               f"{request.id}."
    return None


def approval_of(request: ApprovalRequest) -> Approval:
    """A stored request as outcomes show it."""
    return Approval(id=request.id, summary=request.summary, requested_by=request.requested_by,
                    action=request.action, status=request.status,
                    expires_at=iso(request.expires_at) or "", plan=request.plan,
                    decided_by=request.decided_by, outcome=request.outcome,
                    delete=request.delete)


def request_data(request: ApprovalRequest) -> dict[str, object]:
    """What views need to show a request."""
    return {"approval": {f.name: getattr(approval_of(request), f.name)
                         for f in fields(Approval)}}


def targets_of(request: ApprovalRequest) -> list[Target]:
    """The targets a request was asked for."""
    if not request.target:
        return []
    return [Target(**t) for t in json.loads(request.target)]


def _acts_on(request: ApprovalRequest) -> set[tuple[str, str]]:
    """The (app, directory group id) pairs a request acts on."""
    targets = targets_of(request)
    if targets:
        return {(t.app or request.app, t.group_id) for t in targets}
    return {(request.app, g) for g in filter(None, request.groups.split("\n"))}


def pending_for(service: GroupPushService, app: str,
                group_ids: set[str]) -> ApprovalRequest | None:
    """A pending (not expired) request acting on any of these groups of this app."""
    return pending_on(service, {(app, group_id) for group_id in group_ids})


def pending_on(service: GroupPushService,
               pairs: set[tuple[str, str]]) -> ApprovalRequest | None:
    """A pending (not expired) request acting on any of these (app, group id) pairs."""
    now = service.clock()
    with service.db.session() as session:
        for request in repo.pending_requests(session):
            if now <= request.expires_at and pairs & _acts_on(request):
                return request
    return None


def pending_by_push(service: GroupPushService) -> dict[int, ApprovalRequest]:
    """Pending (not expired) requests by the id of each push they act on."""
    now = service.clock()
    found: dict[int, ApprovalRequest] = {}
    with service.db.session() as session:
        for request in repo.pending_requests(session):
            if now <= request.expires_at:
                for target in targets_of(request):
                    found.setdefault(target.mapping_id, request)
    return found


def _what_you_may_do(service: GroupPushService, request: ApprovalRequest, actor: str) -> str:
    """The answers to a pending request this person may give, or who may give them."""
    settings, now, rid = service.config.slack, service.clock(), request.id
    yours = [f"`{verb} {rid}`" for verb, approving in (("approve", True), ("deny", False))
             if why_not_decide(request, actor, settings, now, approving) is None]
    if actor == request.requested_by:
        yours.append(f"`withdraw {rid}`")
    if yours:
        return f"You may answer it ({', '.join(yours)}) before asking again"
    approvers = ", ".join(settings.approvers) or "nobody (set slack.approvers)"
    return (f"An approver ({approvers}) may approve or deny it, and "
            f"{request.requested_by} may withdraw it")


def new_request(service: GroupPushService, ask: Ask, *, actor: str,
                channel: str) -> Requested:
    """Record a request bound to its targets and plan, and say how to answer it; a second
    pending request for the same target is refused, naming the pending one."""
    waiting = pending_on(service, {(t.app or ask.app, t.group_id) for t in ask.targets})
    if waiting is not None:
        raise RefusalError(f"Request {waiting.id} is already pending for this: {waiting.summary} "
                           f"(asked by {waiting.requested_by}). "
                           f"{_what_you_may_do(service, waiting, actor)}; nothing was changed.")
    with service.db.session() as session:
        request = ApprovalRequest(
            id=new_request_id(), action=ask.action, app=ask.app,
            groups="\n".join(t.group_id for t in ask.targets), delete=ask.delete,
            summary=ask.summary, requested_by=actor, channel=channel,
            requested_at=service.clock(), expires_at=service.expires(),
            operation=json.dumps(ask.operation),
            target=json.dumps([t.__dict__ for t in ask.targets]),
            fingerprint=fingerprint(ask.plan_data), plan=ask.plan)
        session.add(request)
        repo.audit(session, actor, "request", f"{request.id}: {ask.summary}")
    return Requested(approval_of(request), tuple(service.config.slack.approvers))


def to_post(service: GroupPushService, request_ids: Iterable[str]) -> list[dict[str, Any]]:
    """Of these requests, the pending ones no chat message shows yet, each once, as views
    show them (`attach_message` once posted)."""
    shown = []
    for request_id in dict.fromkeys(request_ids):
        request = get_request(service, request_id)
        if request is None or request.status != RequestStatus.PENDING or request.message_ts:
            continue
        approval = request_data(request)["approval"]
        if isinstance(approval, dict):
            shown.append(approval)
    return shown


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
                request.status = RequestStatus.EXPIRED
            else:
                waiting.append(request)
        return waiting
