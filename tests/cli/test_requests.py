"""Approval requests bound to what they showed: one pending per target, a changed target or
plan changes nothing, `requests` and `withdraw`."""

from __future__ import annotations

from tests.cli.test_commands import approval_id
from tests.workspace import Workspace

APPROVER, ASKER, OTHER = "U0APPROVER", "U0ASKER", "U0OTHER"


def test_a_second_request_for_the_same_push_is_refused_naming_the_pending_one(
        ws: Workspace) -> None:
    assert ws.exec("push Sales to box").code == 0
    first = approval_id(ws.exec("unlink Sales from box --delete", as_user=ASKER).out)
    for again in ("unlink Sales from box --delete", "unlink Sales from box --keep",
                  "bulk delete box Sales"):
        refused = ws.exec(again, as_user=ASKER)
        assert refused.code == 1, refused.out
        assert f"Request {first} is already pending" in refused.out
        assert f"withdraw {first}" in refused.out
    assert [line for line in ws.exec("requests", as_user=APPROVER).out.splitlines()
            if line.startswith("• ")] == [line for line in ws.exec(
                "requests", as_user=APPROVER).out.splitlines() if first in line]
    assert ws.exec(f"approve {first}", as_user=APPROVER).code == 0
    assert "Sales" not in ws.app.groups()


def test_approving_after_the_group_was_pushed_again_changes_nothing_and_says_why(
        ws: Workspace) -> None:
    assert ws.exec("push Sales to box").code == 0
    asked = ws.exec("unlink Sales from box --delete", as_user=ASKER)
    request = approval_id(asked.out)
    old_id = ws.app.groups()["Sales"]
    assert f"(id {old_id})" in asked.out  # the plan it shows names the app group
    ws.app.delete_group("Sales")  # deleted in the app; push now makes a new one
    assert ws.exec("now Sales on box").code == 0
    new_id = ws.app.groups()["Sales"]
    assert new_id != old_id

    approved = ws.exec(f"approve {request}", as_user=APPROVER)
    assert approved.code == 1, approved.out
    assert "changed since it was asked; ask again" in approved.out
    assert f"(id {new_id})" in approved.out  # the new plan
    assert ws.app.groups()["Sales"] == new_id  # nothing deleted
    assert ws.exec(f"approve {request}", as_user=APPROVER).code == 1  # not pending any more

    again = approval_id(ws.exec("unlink Sales from box --delete", as_user=ASKER).out)
    assert ws.exec(f"approve {again}", as_user=APPROVER).code == 0
    assert "Sales" not in ws.app.groups()


def test_requests_shows_approvers_everything_and_others_their_own(ws: Workspace) -> None:
    assert ws.exec("push Sales to box").code == 0
    assert ws.exec('push "Engineering Platform" to box').code == 0
    mine = approval_id(ws.exec("unlink Sales from box --keep", as_user=ASKER).out)
    theirs = approval_id(ws.exec('unlink "Engineering Platform" from box --keep',
                                 as_user=OTHER).out)
    everything = ws.exec("requests", as_user=APPROVER).out
    assert mine in everything and theirs in everything
    own = ws.exec("requests", as_user=ASKER).out
    assert mine in own and theirs not in own
    assert "No approval request is pending of yours" in ws.exec("requests", as_user="U0X").out


def test_withdraw_is_for_the_person_who_asked(ws: Workspace) -> None:
    assert ws.exec("push Sales to box").code == 0
    request = approval_id(ws.exec("unlink Sales from box --delete", as_user=ASKER).out)
    refused = ws.exec(f"withdraw {request}", as_user=OTHER)
    assert refused.code == 1 and f"Only {ASKER}, who asked" in refused.out
    withdrawn = ws.exec(f"withdraw {request}", as_user=ASKER)
    assert withdrawn.code == 0 and "withdrawn" in withdrawn.out
    late = ws.exec(f"approve {request}", as_user=APPROVER)
    assert late.code == 1 and "already withdrawn" in late.out
    assert "Sales" in ws.app.groups()
    assert "refused" in ws.exec("audit 5").out  # the refused attempts are audited


def test_an_unlink_dry_run_shows_the_plan_and_makes_no_request(ws: Workspace) -> None:
    assert ws.exec("push Sales to box").code == 0
    dry = ws.exec("unlink Sales from box --delete --dry-run", as_user=ASKER)
    assert dry.code == 0, dry.out
    assert "delete box's group Sales" in dry.out and "3 pushed members" in dry.out
    assert "No approval request is pending" in ws.exec("requests", as_user=APPROVER).out


def test_a_push_with_a_pending_delete_request_is_neither_paused_nor_resumed(
        ws: Workspace) -> None:
    assert ws.exec("push Sales to box").code == 0
    asked = approval_id(ws.exec("unlink Sales from box --delete", as_user=ASKER).out)
    for verb in ("deactivate", "deactivate --dry-run"):
        refused = ws.exec(f"{verb.split()[0]} Sales on box {' '.join(verb.split()[1:])}")
        assert refused.code == 1, refused.out
        assert f"Request {asked} is pending" in refused.out and f"withdraw {asked}" in refused.out
    assert ws.exec("list", as_json=True).json["data"]["pushes"][0]["status"] == "active"
    assert ws.exec(f"withdraw {asked}", as_user=ASKER).code == 0
    assert ws.exec("deactivate Sales on box").code == 0  # decided: it may be paused now
    assert ws.exec("list", as_json=True).json["data"]["pushes"][0]["status"] == "inactive"
