"""The pure parts of the engine, table-driven: planner, rules, drift, approvals policy."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.approvals.held_sync import decide_hold
from engine.approvals.requests import new_request_id, why_not_decide
from engine.config import SlackSettings
from engine.drift import compare_members
from engine.push.members import plan_members
from engine.rules import check_pattern, rule_matches
from storage.models import ApprovalRequest, utcnow
from storage.statuses import RequestAction

RESOLVED = {"a": "1", "b": "2", "c": "3", "d": "4"}


@pytest.mark.parametrize(
    ("desired", "current", "additive", "add", "remove", "skipped"),
    [
        # first push into an empty group
        ({"a", "b"}, {}, False, {"a": "1", "b": "2"}, {}, ()),
        # nothing changed
        ({"a", "b"}, {"a": "1", "b": "2"}, False, {}, {}, ()),
        # one joined, one left
        ({"a", "c"}, {"a": "1", "b": "2"}, False, {"c": "3"}, {"b": "2"}, ()),
        # unknown to the app: skipped, never an error
        ({"a", "zed"}, {}, False, {"a": "1"}, {}, ("zed",)),
        # a stranger in the app (known only by id) is removed by push now ...
        ({"a"}, {"a": "1", "app-id-9": "9"}, False, {}, {"app-id-9": "9"}, ()),
        # ... but never on an additive app (Active Directory)
        ({"a", "b"}, {"a": "1", "app-id-9": "9"}, True, {"b": "2"}, {}, ()),
        # everyone left
        (set(), {"a": "1", "d": "4"}, False, {}, {"a": "1", "d": "4"}, ()),
    ],
)
def test_plan_members(desired: set[str], current: dict[str, str], additive: bool,
                      add: dict[str, str], remove: dict[str, str],
                      skipped: tuple[str, ...]) -> None:
    plan = plan_members(desired, RESOLVED, current, additive=additive)
    assert plan.add == add
    assert plan.remove == remove
    assert plan.skipped == skipped


@pytest.mark.parametrize(
    ("kind", "pattern", "name", "matches"),
    [
        ("starts-with", "eng", "Engineering", True),
        ("starts-with", "Eng", "Big Engineering", False),
        ("contains", "ops", "Sales Ops", True),
        ("contains", "ops", "Sales", False),
        ("regex", r"^Team-\d+$", "Team-42", True),
        ("regex", r"^Team-\d+$", "team-42", False),
    ],
)
def test_rule_matches(kind: str, pattern: str, name: str, matches: bool) -> None:
    assert rule_matches(kind, pattern, name) is matches


def test_bad_regex_is_explained() -> None:
    assert "not valid" in (check_pattern("regex", "(") or "")
    assert check_pattern("contains", "") == "the pattern is empty"
    assert check_pattern("regex", "^a") is None


def test_drift_names_missing_and_unexpected_members() -> None:
    report = compare_members("Sales", "box", pushed={"a": "1", "b": "2"},
                             in_app={"1": None, "9": None, "8": "eve"},
                             logins_by_id={"9": "mallory"})
    assert report.missing == ("b",)
    assert report.unexpected == ("eve", "mallory")
    assert report.drifted and report.fingerprint
    same = compare_members("Sales", "box", pushed={"a": "1"}, in_app={"1": None},
                           logins_by_id={})
    assert not same.drifted and same.fingerprint == ""


def _request(**kw: object) -> ApprovalRequest:
    values: dict[str, object] = {"id": new_request_id(), "action": "unlink", "app": "box",
                                 "groups": "g", "requested_by": "U1",
                                 "expires_at": utcnow() + timedelta(minutes=5)}
    values.update(kw)
    return ApprovalRequest(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("settings", "request_kw", "actor", "approving", "refusal"),
    [
        (SlackSettings(approvers=["U2"]), {}, "U2", True, None),
        (SlackSettings(approvers=["U2"]), {}, "U3", True, "only approvers"),
        (SlackSettings(approvers=["U1"]), {}, "U1", True, "yourself"),
        (SlackSettings(approvers=["U1"], allow_self_approval=True), {}, "U1", True, None),
        (SlackSettings(approvers=["U2"]), {"status": "denied", "decided_by": "U2"}, "U2", True,
         "already denied"),
        (SlackSettings(approvers=["U2"]), {"expires_at": utcnow() - timedelta(seconds=1)},
         "U2", True, "expired"),
        (SlackSettings(approvers=["U2"]), {}, "U1", False, None),  # the requester may withdraw
        (SlackSettings(approvers=["U2"]), {}, "U3", False, "only an approver"),
    ],
)
def test_approval_policy(settings: SlackSettings, request_kw: dict[str, object], actor: str,
                         approving: bool, refusal: str | None) -> None:
    reason = why_not_decide(_request(**request_kw), actor, settings, utcnow(), approving)
    if refusal is None:
        assert reason is None
    else:
        assert reason is not None and refusal in reason


def test_request_ids_are_short_and_typeable() -> None:
    ids = {new_request_id() for _ in range(200)}
    assert len(ids) == 200
    assert all(len(i) == 6 and set(i) <= set("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for i in ids)


def _waiting_for(request_id: str, action: RequestAction) -> ApprovalRequest:
    return ApprovalRequest(id=request_id, action=action, app="box", groups="",
                           requested_by="U1", expires_at=utcnow())


@pytest.mark.parametrize(
    ("pending", "removals", "held", "waiting", "over", "removing"),
    [
        # under the limit: nothing waits
        ({}, {1: 2, 2: 3}, set(), {}, False, 5),
        # over it: every push that removes waits, one that removes nothing does not
        ({}, {1: 4, 2: 3, 3: 0}, {1, 2}, {}, True, 7),
        # a push waiting for a held sync keeps waiting, and its removals do not count
        ({1: "HELD01"}, {1: 9, 2: 3}, {1}, {1: "HELD01"}, False, 3),
        # a push waiting for a request of its own is left to it: neither waits nor counts
        ({2: "OWN002"}, {1: 4, 2: 9}, set(), {}, False, 4),
    ])
def test_a_syncs_hold_is_decided_once_for_the_run_and_its_preview(
        pending: dict[int, str], removals: dict[int, int], held: set[int],
        waiting: dict[int, str], over: bool, removing: int) -> None:
    requests = {push: _waiting_for(rid, RequestAction.SYNC_REMOVALS if rid.startswith("HELD")
                               else RequestAction.SYNC_REMOVAL)
                for push, rid in pending.items()}
    decided = decide_hold(requests, removals, limit=5)
    assert (decided.held(), decided.waiting, decided.over, decided.removing) == (
        held, waiting, over, removing)
