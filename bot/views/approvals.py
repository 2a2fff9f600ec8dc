"""Approval requests: the message with Approve and Deny, and the same message once decided."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bot.views.text import Block, clip, context, escape, escape_reply, mention, plain, section
from engine.outcomes import RequestStatus
from engine.times import when_iso

APPROVE = "approval_approve"
DENY = "approval_deny"
STATUS_LINES: dict[str, str] = {
    RequestStatus.APPROVED: ":white_check_mark: *Approved* by {who}",
    RequestStatus.DENIED: ":x: *Denied* by {who}",
    RequestStatus.FAILED: ":warning: *Approved* by {who}, but it failed",
    RequestStatus.EXPIRED: ":hourglass: *Expired* without a decision",
    RequestStatus.WITHDRAWN: ":leftwards_arrow_with_hook: *Withdrawn* by {who}",
    RequestStatus.CHANGED: ":arrows_counterclockwise: *Not carried out*: changed since it was "
                           "asked (approved by {who}); ask again",
}


def _confirm(approval: dict[str, Any], approve: bool) -> Block:
    summary = escape(clip(str(approval["summary"]), 150))
    if approve:
        return {"title": plain("Delete in the app?"),
                "text": {"type": "mrkdwn",
                         "text": f"This will {summary}. The app group and its memberships "
                                 "are deleted in the app; it cannot be undone from here."},
                "confirm": plain("Approve and delete"), "deny": plain("Cancel"),
                "style": "danger"}
    return {"title": plain("Deny the request?"),
            "text": {"type": "mrkdwn", "text": f"Nothing will be deleted: {summary} will "
                                               "not happen."},
            "confirm": plain("Deny"), "deny": plain("Cancel")}


def decision_buttons(approval: dict[str, Any]) -> Block:
    """The Approve and Deny buttons of one request (with confirm dialogs on deletions)."""
    approve: Block = {"type": "button", "action_id": APPROVE, "value": approval["id"],
                      "text": plain("Approve"), "style": "primary"}
    deny: Block = {"type": "button", "action_id": DENY, "value": approval["id"],
                   "text": plain("Deny"), "style": "danger"}
    if approval.get("delete"):
        approve["confirm"] = _confirm(approval, approve=True)
        deny["confirm"] = _confirm(approval, approve=False)
    return {"type": "actions", "block_id": f"approval:{approval['id']}",
            "elements": [approve, deny]}


def request_message(approval: dict[str, Any], approvers: Iterable[str]) -> dict[str, Any]:
    """The channel message asking for approval, with its buttons."""
    who = ", ".join(mention(a) for a in approvers) or "nobody (set slack.approvers)"
    head = (f":lock: *Approval needed* — {mention(approval['requested_by'])} asks to "
            f"{escape(str(approval['summary']))}.")
    return {
        "text": f"Approval needed: {escape(str(approval['summary']))}",
        "blocks": [
            section(head),
            *([section(escape(str(approval["plan"])))] if approval.get("plan") else []),
            context(f"Request {approval['id']} · approvers: {who} · expires "
                    f"{escape(when_iso(str(approval['expires_at'])))} · nothing changes until "
                    "approved"),
            decision_buttons(approval),
        ],
    }


def decided_message(approval: dict[str, Any], outcome_text: str = "") -> dict[str, Any]:
    """The request message once decided: who decided and what happened, without buttons."""
    status = str(approval.get("status", ""))
    line = STATUS_LINES.get(status, f"*{escape(status)}*").format(
        who=mention(str(approval.get("decided_by") or "")))
    outcome = outcome_text or str(approval.get("outcome") or "")
    blocks = [
        section(f"~Approval needed~ — {mention(approval['requested_by'])} asked to "
                f"{escape(str(approval['summary']))}."),
        section(line + (f": {escape_reply(outcome)}" if outcome else ".")),
        context(f"Request {approval['id']}"),
    ]
    return {"text": f"Request {approval['id']} {escape(status)}", "blocks": blocks}
