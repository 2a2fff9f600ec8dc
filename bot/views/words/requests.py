"""Approval requests in words: asked, previewed, approved, denied, withdrawn, pending."""

from __future__ import annotations

from bot.views.words.base import renders
from bot.views.words.plans import plan_line
from engine.outcomes import (
    Decided,
    DecisionPlanned,
    PendingRequests,
    Requested,
    RequestPlanned,
    RequestStatus,
)
from engine.times import when_iso


@renders(Requested)
def requested(outcome: Requested) -> str:
    """The request, its plan, and how to answer it."""
    request = outcome.approval
    approvers = ", ".join(outcome.approvers) or \
        "nobody: slack.approvers is empty, so nobody can approve it until it lists someone"
    return (f"Approval needed for request {request.id}: {request.summary}.\n{request.plan}\n"
            f"Nothing changes until an approver runs `approve {request.id}` (or "
            f"`deny {request.id}`). Approvers: {approvers}. "
            f"Expires {when_iso(request.expires_at)}.")


@renders(RequestPlanned)
def request_planned(outcome: RequestPlanned) -> str:
    """The request a --dry-run would have made, with its plan."""
    return (f"Dry run, nothing changed and no request made: {outcome.approval_summary}.\n"
            f"{outcome.approval_plan}")


@renders(Decided)
def decided(outcome: Decided) -> str:
    """`Request K7Q2XM approved by U1: Sales deleted from box.` (or denied, withdrawn)."""
    request = outcome.approval
    if outcome.decision == RequestStatus.APPROVED:
        return f"Request {request.id} approved by {outcome.by}: {request.outcome}"
    return (f"Request {request.id} {outcome.decision} by {outcome.by}; nothing was changed "
            f"(it asked to {request.summary}).")


@renders(DecisionPlanned)
def decision_planned(outcome: DecisionPlanned) -> str:
    """`Dry run, nothing decided: approving request K7Q2XM would carry out ...` and the plan."""
    request = outcome.approval
    verb = {RequestStatus.APPROVED: "approving", RequestStatus.DENIED: "denying",
            RequestStatus.WITHDRAWN: "withdrawing"}[outcome.decision]
    head = f"Dry run, nothing decided: {verb} request {request.id} ({request.summary})"
    if outcome.decision != RequestStatus.APPROVED:
        return f"{head} means it will not happen; nothing would change in any app."
    if not outcome.matches:
        return (f"{head} would be refused and change nothing: {outcome.plan_now}\n"
                "It would not carry out what the request showed; ask again.")
    lines = [plan_line(p) for p in outcome.plans] or ["• nothing to change"]
    return "\n".join([f"{head} would carry out this plan now, the one the request showed:",
                      *lines])


@renders(PendingRequests)
def pending_requests(outcome: PendingRequests) -> str:
    """The pending requests, one line each."""
    if not outcome.requests:
        return ("No approval request is pending"
                + ("" if outcome.approver else " of yours (approvers see everyone's)") + ".")
    lines = [f"• {r.id}: {r.summary} — asked by {r.requested_by}, expires {when_iso(r.expires_at)}"
             for r in outcome.requests]
    return "\n".join([f"Pending approval requests ({len(lines)}):", *lines])
