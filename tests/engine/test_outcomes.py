"""Handlers answer with typed outcomes (numbers and names, no words); the bot words them."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.views.words import render
from connectors.scim import ScimApp
from engine.core import Reply
from engine.executor import execute, run_line
from engine.operations import Retry
from engine.outcomes import (
    Activated,
    AppsListed,
    AuditTrail,
    BulkDeactivated,
    Commands,
    Deactivated,
    Decided,
    DriftChecked,
    DriftIgnored,
    Failed,
    GroupsFound,
    Information,
    Outcome,
    PendingRequests,
    Planned,
    Pushed,
    PushedNow,
    PushesListed,
    Refusal,
    Repushed,
    RepushStep,
    Requested,
    RequestPlanned,
    Retried,
    RuleAdded,
    RuleRemoved,
    RulesListed,
    Synced,
    SyncStep,
)
from tests.proxy import breaking
from tests.workspace import Workspace

ENGINE = Path(__file__).resolve().parents[2] / "engine"
APPROVER = "U0APPROVER"
MOVED = ["created the group and", "linked the existing app group", "members go at the next sync",
         "only in the app removed", "Skipped {", "and caught up:", "the group stays in the app;",
         "Approval needed for request", "will not happen;", "Pending approval requests (",
         "No approval request is pending", "no request made", "looks like {shown}",
         "it works again (", "Troubleshooting:", "removed. Groups it pushed", "resumes each",
         "Repushed {", "already a member, nothing to do", "would be deactivated",
         "would be saved and push", "failed again:", "is held: {",
         "changes are kept and not reported", "Pushed groups (", "Directory groups matching",
         "No push rules.", "No apps are configured", "No changes recorded",
         "their active members into apps", "another group has this name", "found: none yet",
         "search a longer text", "Information: {", "drift check of {scope}",
         "No drift in {scope}", "(seen before) ", "overwrites it.",
         "read match what was pushed", "would change):", "Synced {", "lets it go",
         "lets them go", "saved: pushes groups matching", "additions would go ahead",
         "and make its members match"]
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
    ws.app.patch_members("Sales", remove=["bob@acme.test"])
    assert run_line(ws.service(), "check box", "console").status == "failed"  # drift found
    assert outcome(ws, "ignore Sales on box") == DriftIgnored("Sales", "box", "console")


def test_rules_bulk_and_repush_answer_with_what_they_did(ws: Workspace) -> None:
    preview = outcome(ws, "rule add eng to box --starts-with Engineering --dry-run")
    assert isinstance(preview, Planned) and (preview.subject, preview.matches) == ("eng", 2)
    assert sorted(p.group for p in preview.plans) == ["Engineering", "Engineering Platform"]
    added = outcome(ws, "rule add eng to box --starts-with Engineering")
    assert isinstance(added, RuleAdded) and added.matches == ("Engineering",
                                                              "Engineering Platform")
    assert [(s.kind, s.group, s.rule) for s in added.steps] == [
        ("rule pushed", "Engineering", "eng"), ("rule pushed", "Engineering Platform", "eng")]
    assert added.to_json() == {"matches": ["Engineering", "Engineering Platform"]}
    assert outcome(ws, "rule remove eng") == RuleRemoved("eng", "box")
    plan = outcome(ws, "bulk deactivate box --all --dry-run")
    assert isinstance(plan, Planned) and sorted(plan.names) == [
        "Engineering", "Engineering Platform"]
    done = outcome(ws, "bulk deactivate box Engineering")
    assert done == BulkDeactivated("box", ("Engineering",))
    assert done.rows() == [{"group": "Engineering", "app": "box", "status": "inactive"}]
    repushed = outcome(ws, "repush alice@acme.test")
    assert isinstance(repushed, Repushed) and repushed.active
    assert repushed.steps == (RepushStep("Engineering Platform", "box", "already a member"),)


def test_a_failed_push_is_a_failure_outcome_with_what_retry_needs(ws: Workspace) -> None:
    service = ws.service()
    app = service.apps["box"]
    assert isinstance(app, ScimApp)
    with breaking(app) as breaker:
        assert run_line(service, "push Sales to box", "console").ok
        ws.app.patch_members("Sales", remove=["alice@acme.test"])
        breaker.failing.append(("PATCH", "/Groups/"))
        failed = run_line(service, "now Sales on box", "console").outcome
        assert isinstance(failed, Failed) and failed.recorded is not None
        assert failed.recorded.status == 401 and failed.recorded.operation == "push now"
        assert failed.to_json() == {"retry": "retry Sales on box"}  # the command, not an id
        assert "Troubleshooting:" in render(Reply.of(failed))
        breaker.failing.clear()
        retried = execute(service, Retry(failed.recorded.mapping_id), "console").outcome
        assert isinstance(retried, Retried) and retried.ok and retried.error is None


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


def test_reads_answer_with_rows(ws: Workspace) -> None:
    assert run_line(ws.service(), "push Sales to box", "console").ok
    commands = outcome(ws, "help")
    assert isinstance(commands, Commands) and "push GROUP to APP [--no-memberships]" in [
        c.usage for c in commands.commands]
    apps = outcome(ws, "apps")
    assert isinstance(apps, AppsListed) and [(a.name, a.healthy, a.pushed)
                                             for a in apps.apps] == [("box", True, 1)]
    listed = outcome(ws, "list box --status active")
    assert isinstance(listed, PushesListed) and listed.state == "active"
    [row] = listed.pushes
    assert (row.group, row.members, row.status, row.origin) == ("Sales", 3, "active", "name")
    found = outcome(ws, "search Engineering")
    assert isinstance(found, GroupsFound) and [g.name for g in found.groups] == [
        "Engineering", "Engineering Platform"]
    info = outcome(ws, "info Sales on box")
    assert isinstance(info, Information) and dict(info.details)["Error"] == "none"
    assert outcome(ws, "rule list") == RulesListed(())
    trail = outcome(ws, "audit")
    assert isinstance(trail, AuditTrail) and [e.action for e in trail.events] == ["push"]


def test_a_drift_check_answers_with_the_drift_and_the_recorded_failures(ws: Workspace) -> None:
    service = ws.service()
    app = service.apps["box"]
    assert isinstance(app, ScimApp)
    with breaking(app) as breaker:
        for group in ("Sales", "Engineering"):
            assert run_line(service, f"push {group} to box", "console").ok
        clean = outcome(ws, "check box")
        assert isinstance(clean, DriftChecked) and clean.ok and clean.checked == 2
        assert render(Reply.of(clean)) == ("No drift in box: 2 pushed groups match what was "
                                           "pushed.")
        ws.app.patch_members("Sales", remove=["alice@acme.test"])
        breaker.failing.append(("GET", f"/Groups/{ws.app.groups()['Engineering']}"))
        found = run_line(service, "check box", "console").outcome
        assert isinstance(found, DriftChecked) and found.status == "failed"
        [per_app] = found.apps
        [drift] = per_app.drift
        assert (per_app.app, per_app.checked) == ("box", 1)
        assert (drift.report.group, drift.report.missing, drift.report.unexpected,
                drift.state) == ("Sales", ("alice@acme.test",), (), "new")
        [failure] = per_app.failures
        assert (failure.group, failure.app, failure.operation, failure.status) == (
            "Engineering", "box", "drift check", 401)
        assert found.to_json()["errors"] == [failure.to_dict()]
        assert found.rows() == [drift.to_json()]
        words = render(Reply.of(found)).splitlines()
        assert words[0] == ("The drift check of box could not complete: 1 of 2 pushed groups "
                            "could not be read; 1 of the 1 read differs from what was pushed.")
        assert words[1:] == ["• Sales on box: 1 missing (alice@acme.test). "
                             "`now Sales on box` overwrites it.",
                             f"✗ Engineering on box: {failure.message}"]


@pytest.mark.parametrize("phrase", MOVED)
def test_the_engine_builds_none_of_the_moved_sentences(phrase: str) -> None:
    found = [str(p.relative_to(ENGINE)) for p in ENGINE.rglob("*.py")
             if phrase in p.read_text(encoding="utf-8")]
    assert found == []


def test_sync_answers_with_what_it_pushed_failed_and_held(ws: Workspace) -> None:
    assert outcome(ws, "push Sales to box").ok
    ws.set_members("g-sales", ["alice", "bob"])
    plan = outcome(ws, "sync box --dry-run")
    assert isinstance(plan, Planned) and [(p.group, p.remove) for p in plan.plans] == [
        ("Sales", ("erin@acme.test",))]
    synced = outcome(ws, "sync box")
    assert isinstance(synced, Synced) and (synced.changed, synced.removed) == (1, 1)
    assert synced.steps == (SyncStep("pushed", "Sales", "box", 0, 1),)
    assert synced.rows()[0]["removed"] == 1
    assert render(Reply.of(synced)).startswith("Synced box: 1 pushed group, 1 changed")
    ws.config["safety"] = {"max_removals_per_sync": 1, "min_group_size": 100}
    ws.write()
    ws.set_members("g-sales", [])
    held = outcome(ws, "sync box")
    assert isinstance(held, Synced) and len(held.held) == 1
    [hold] = [s for s in held.steps if s.kind == "over limit"]
    assert (hold.request_id, hold.removing, hold.of, hold.limit) == (held.held[0], 2, 1, 1)
    preview = outcome(ws, "sync box --dry-run")
    assert isinstance(preview, Planned) and [n.request_id for n in preview.notes] == [
        held.held[0]]
