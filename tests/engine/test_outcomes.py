"""Handlers answer with typed outcomes (numbers and names, no words); the bot words them."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.views.words import render
from engine.executor import run_line
from engine.outcomes import (
    Activated,
    Deactivated,
    Decided,
    Outcome,
    PendingRequests,
    Planned,
    Pushed,
    PushedNow,
    Refusal,
    Requested,
    RequestPlanned,
)
from engine.results import Reply
from tests.workspace import Workspace

ENGINE = Path(__file__).resolve().parents[2] / "engine"
APPROVER = "U0APPROVER"
MOVED = ["created the group and", "linked the existing app group", "members go at the next sync",
         "only in the app removed", "Skipped {", "and caught up:", "the group stays in the app;",
         "Approval needed for request", "will not happen;", "Pending approval requests (",
         "No approval request is pending", "no request made", "looks like {shown}"]
"""Sentences the bot now builds from outcomes (bot/views/words); none is left in engine/."""


def outcome(ws: Workspace, text: str, actor: str = "console") -> Outcome:
    reply = run_line(ws.service(), text, actor)
    assert isinstance(reply, Reply) and reply.outcome is not None, text
    assert reply.text == "" or isinstance(reply.outcome, Refusal)
    return reply.outcome


def test_push_commands_answer_with_what_they_did(ws: Workspace) -> None:
    plan = outcome(ws, "push Sales to box --dry-run")
    assert isinstance(plan, Planned) and plan.writes == 1
    [step] = plan.plans
    assert (step.app_group, step.add, step.skipped) == (
        "create", ("alice@acme.test", "bob@acme.test", "erin@acme.test"), ("dave@acme.test",))
    pushed = outcome(ws, "push Sales to box")
    assert pushed == Pushed(group="Sales", app="box", added=3, skipped=("dave@acme.test",))
    assert render(Reply.of(pushed)).startswith("Pushed Sales to box: created the group and "
                                               "pushed 3 members.")
    ws.app.patch_members("Sales", remove=["alice@acme.test"])
    now = outcome(ws, "now Sales on box")
    assert isinstance(now, PushedNow) and (now.added, now.removed) == (1, 0)
    assert outcome(ws, "deactivate Sales on box") == Deactivated("Sales", "box")
    again = outcome(ws, "deactivate Sales on box")
    assert isinstance(again, Refusal) and again.status == "refused"
    activated = outcome(ws, "activate Sales on box")
    assert isinstance(activated, Activated) and activated.to_json()["status"] == "active"


def test_approval_commands_answer_with_the_request(ws: Workspace) -> None:
    ws.config["slack"]["approvers"] = [APPROVER]
    ws.write()
    assert outcome(ws, "push Sales to box").ok
    preview = outcome(ws, "unlink Sales from box --delete --dry-run")
    assert isinstance(preview, RequestPlanned)
    assert [(p.app_group, p.members) for p in preview.plans] == [("delete", 3)]
    asked = outcome(ws, "unlink Sales from box --delete")
    assert isinstance(asked, Requested) and asked.approvers == (APPROVER,)
    assert asked.approval.status == "pending" and asked.approval.delete
    listed = outcome(ws, "requests", APPROVER)
    assert isinstance(listed, PendingRequests) and [r.id for r in listed.requests] == [
        asked.approval.id]
    approved = outcome(ws, f"approve {asked.approval.id}", APPROVER)
    assert isinstance(approved, Decided) and approved.decision == "approved"
    assert approved.approval.status == "approved" and approved.by == APPROVER
    assert "Sales" not in ws.app.groups()
    assert outcome(ws, "requests", APPROVER) == PendingRequests((), approver=True)


@pytest.mark.parametrize("phrase", MOVED)
def test_the_engine_builds_none_of_the_moved_sentences(phrase: str) -> None:
    found = [str(p.relative_to(ENGINE)) for p in ENGINE.rglob("*.py")
             if phrase in p.read_text(encoding="utf-8")]
    assert found == []
