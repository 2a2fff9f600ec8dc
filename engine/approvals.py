"""The approvals policy: who may approve or deny a request, and when it is too late."""

from __future__ import annotations

import secrets
from datetime import datetime

from engine.config import SlackSettings
from storage.models import ApprovalRequest

_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_request_id() -> str:
    """A short id people can type: `approve K7Q2XM`."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(6))


def why_not_decide(request: ApprovalRequest, actor: str, settings: SlackSettings,
                   now: datetime, approving: bool) -> str | None:
    """Why `actor` may not approve (or deny) this request now, or None when they may."""
    if request.status == "expired" or (request.status == "pending" and now > request.expires_at):
        return (f"request {request.id} expired at {request.expires_at:%Y-%m-%d %H:%M} UTC; "
                "nothing was changed. Ask again to make a new request.")
    if request.status != "pending":
        return (f"request {request.id} was already {request.status} by {request.decided_by}; "
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
