"""One plan, made once: the sync plans each push once (its removal guard's plan is the one
the push carries out), and a plan made stale by another run of the push is made again."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event

from connectors.errors import DirectoryError
from engine.push.apply import push_mapping
from engine.push.member_plans import plan_push, plan_pushes
from engine.service import GroupPushService
from engine.sync import run_sync
from storage import repo
from tests.servers import free_port
from tests.workspace import Workspace


@contextmanager
def members_reads(service: GroupPushService) -> Iterator[list[str]]:
    """The database reads of pushed members made meanwhile (each is one push planned)."""
    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT PUSHEDMEMBER."):
            seen.append(statement)

    event.listen(service.db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(service.db.engine, "before_cursor_execute", count)


def test_a_sync_plans_each_push_once(ws: Workspace) -> None:
    for name in ("Sales", "Engineering", '"Engineering Platform"'):
        assert ws.exec(f"push {name} to box").code == 0
    ws.set_members("g-sales", ["bob", "carol", "dave", "erin"])  # alice goes
    ws.set_members("g-eng", ["bob", "alice"])  # alice comes
    service = ws.service()
    with members_reads(service) as reads:
        report = run_sync(service, "box", "console")
    assert (report.groups, report.added, report.removed) == (3, 1, 1)
    assert len(reads) == 1  # the changed pushes planned together once: the guard's plans,
    # carried out by the pushes (Engineering Platform did not change: it is not planned)
    assert ws.app.member_logins("Sales") == {"bob@acme.test", "erin@acme.test"}
    assert ws.app.member_logins("Engineering") == {"alice@acme.test", "bob@acme.test"}


def test_a_plan_another_run_made_stale_is_made_again(ws: Workspace) -> None:
    assert ws.exec("push Sales to box").code == 0
    service = ws.service()
    with service.db.session() as session:
        [mapping] = repo.list_mappings(session, "box")
    mapping_id = int(mapping.id or 0)
    stale = plan_push(service.db, service.apps["box"], service.snapshot(), mapping_id)
    assert not stale.plan.add and not stale.plan.remove
    ws.set_members("g-sales", ["bob"])  # alice goes, and a push takes her out first
    assert ws.exec("sync box").code == 0
    ws.set_members("g-sales", ["bob", "alice"])  # she is back
    service.kept.refresh()
    outcome = push_mapping(service.db, service.apps["box"], service.snapshot(), mapping_id,
                           operation="sync", actor="console", planned=stale)
    assert (outcome.added, outcome.removed) == (1, 0)
    assert ws.app.member_logins("Sales") == {"alice@acme.test", "bob@acme.test"}


def test_many_pushes_planned_at_once_get_each_its_own_plan(ws: Workspace) -> None:
    ws.add_group("g-ops", "Ops", ["alice"])
    ws.write()
    for name in ("Sales", "Engineering", "Ops"):  # Sales: dave is not in the app, skipped
        assert ws.exec(f"push {name} to box").code == 0
    url = ws.config["apps"]["box"]["url"]
    ws.config["apps"]["box"]["url"] = f"http://127.0.0.1:{free_port()}/scim/v2"  # the app is down
    ws.write()
    assert ws.exec('push "Engineering Platform" to box').code == 1  # its group is never made
    ws.config["apps"]["box"]["url"] = url
    ws.add_user("frank")
    ws.add_user("gina", in_app=False)
    ws.groups = [g for g in ws.groups if g["id"] != "g-ops"]  # Ops is gone from the directory
    ws.set_members("g-sales", ["bob", "carol", "dave", "erin", "frank", "gina"])  # alice goes
    ws.set_members("g-eng", ["bob", "alice", "frank"])
    ws.set_status("bob", "SUSPENDED")  # bob is no longer pushed anywhere
    service = ws.service()
    service.kept.refresh()
    app, snapshot = service.apps["box"], service.snapshot()
    with service.db.session() as session:
        ids = {m.group_name: int(m.id or 0) for m in repo.list_mappings(session, "box")}
    plans = plan_pushes(service.db, app, snapshot, ids.values())
    assert plans.made == {m: plan_push(service.db, app, snapshot, m)
                          for m in ids.values() if m != ids["Ops"]}
    assert list(plans.failed) == [ids["Ops"]]
    with pytest.raises(DirectoryError) as gone:
        plan_push(service.db, app, snapshot, ids["Ops"])
    assert str(gone.value) == str(plans.failed[ids["Ops"]])

    def logins(of: dict[str, str]) -> set[str]:
        return {login.split("@")[0] for login in of}

    sales, eng = plans.made[ids["Sales"]].plan, plans.made[ids["Engineering"]].plan
    assert (logins(sales.add), logins(sales.remove)) == ({"frank"}, {"alice", "bob"})
    assert sales.skipped == ("dave@acme.test", "gina@acme.test")
    assert (logins(eng.add), logins(eng.remove)) == ({"alice", "frank"}, {"bob"})
    platform = plans.made[ids["Engineering Platform"]]
    assert (logins(platform.plan.add), platform.plan.remove, platform.pushed) == ({"alice"}, {}, 0)
    assert ws.exec("sync box").code == 1  # Ops's group is gone: that push fails, alone
    assert ws.app.member_logins("Sales") == {"erin@acme.test", "frank@acme.test"}
    assert ws.app.member_logins("Engineering") == {"alice@acme.test", "frank@acme.test"}
    assert ws.app.member_logins("Engineering Platform") == {"alice@acme.test"}
