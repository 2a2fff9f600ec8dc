"""A running grouppush told of a changed directory.yml keeps what changed, not the whole file
again (the file it read last is the delta's start), and pushes it as a whole read would."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from engine.service import GroupPushService
from engine.sync import SyncReport, run_sync
from storage import kept as store
from tests.workspace import Workspace

ACTOR = "scheduler"


@pytest.fixture
def running(ws: Workspace) -> Iterator[GroupPushService]:
    """The workspace's grouppush as `grouppush run` keeps it: one service, Sales and
    Engineering pushed to box, and a rule pushing what starts with Team; synced once."""
    for line in ("push Sales to box", "push Engineering to box",
                 "rule add teams to box --starts-with Team"):
        assert ws.exec(line).code == 0
    service = ws.service()
    run_sync(service, "box", ACTOR)
    yield service


def read_whole_reads(service: GroupPushService) -> tuple[int, object]:
    with service.db.session() as session:
        state = store.state(session)
        return state.generation, state.full_read_at


def synced_by_delta(service: GroupPushService) -> SyncReport:
    """A sync whose kept directory took the file's delta (no whole read)."""
    before = read_whole_reads(service)
    report = run_sync(service, "box", ACTOR)
    assert read_whole_reads(service) == before
    return report


def test_members_added_and_removed_are_pushed(ws: Workspace,
                                              running: GroupPushService) -> None:
    ws.add_user("frank")
    ws.set_members("g-sales", ["alice", "carol", "dave", "erin", "frank"])  # bob out, frank in
    report = synced_by_delta(running)
    assert (report.added, report.removed) == (1, 1)
    assert ws.app.member_logins("Sales") == {"alice@acme.test", "erin@acme.test",
                                             "frank@acme.test"}


def test_a_user_deactivated_is_removed_from_the_app(ws: Workspace,
                                                   running: GroupPushService) -> None:
    ws.set_status("bob", "SUSPENDED")
    synced_by_delta(running)
    assert ws.app.member_logins("Sales") == {"alice@acme.test", "erin@acme.test"}
    assert ws.app.member_logins("Engineering") == set()


def test_a_renamed_group_is_renamed_in_the_app(ws: Workspace,
                                               running: GroupPushService) -> None:
    ws.groups[0]["name"] = "Sales EMEA"
    ws.write()
    report = synced_by_delta(running)
    assert [(s.group, s.renamed_from) for s in report.steps] == [("Sales EMEA", "Sales")]
    assert "Sales EMEA" in ws.app.groups() and "Sales" not in ws.app.groups()


def test_a_deleted_group_fails_its_push_and_stays_in_the_app(
        ws: Workspace, running: GroupPushService) -> None:
    ws.groups = [g for g in ws.groups if g["id"] != "g-eng"]
    ws.write()
    report = synced_by_delta(running)
    assert [e.group for e in report.errors] == ["Engineering"]
    assert "no longer in the directory" in report.errors[0].message
    assert ws.app.member_logins("Engineering") == {"bob@acme.test"}  # never emptied


def test_a_new_group_a_rule_matches_is_pushed(ws: Workspace,
                                              running: GroupPushService) -> None:
    ws.add_group("g-team-a", "Team A", ["alice", "bob"])
    ws.write()
    report = synced_by_delta(running)
    assert [(s.kind, s.group) for s in report.steps] == [("rule pushed", "Team A")]
    assert ws.app.member_logins("Team A") == {"alice@acme.test", "bob@acme.test"}


def test_a_group_renamed_into_a_rule_is_pushed(ws: Workspace,
                                               running: GroupPushService) -> None:
    ws.groups[3]["name"] = "Team Platform"  # Engineering Platform: alice, bob
    ws.write()
    synced_by_delta(running)
    assert ws.app.member_logins("Team Platform") == {"alice@acme.test", "bob@acme.test"}


def test_sync_full_still_reads_the_whole_file(ws: Workspace,
                                              running: GroupPushService) -> None:
    ws.set_members("g-sales", ["alice"])
    generation, _ = read_whole_reads(running)
    run_sync(running, "box", ACTOR, full=True)
    assert read_whole_reads(running)[0] == generation + 1
    assert ws.app.member_logins("Sales") == {"alice@acme.test"}
