"""One plan, made once: the sync plans each push once (its removal guard's plan is the one
the push carries out), and a plan made stale by another run of the push is made again."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from engine.push.apply import plan_push, push_mapping
from engine.service import GroupPushService
from engine.sync import run_sync
from storage import repo
from tests.workspace import Workspace


@contextmanager
def members_reads(service: GroupPushService) -> Iterator[list[str]]:
    """The database reads of pushed members made meanwhile (each is one push planned)."""
    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT PUSHEDMEMBER.LOGIN"):
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
    assert len(reads) == 2  # one plan per changed push: the guard's, carried out by the push
    # (Engineering Platform did not change: a sync does not plan it at all)
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
