"""What a push writes to the database: each durable record once, in as few transactions as its
order allows (the push and its run before the app is written, the app group's name before
it is created, its id once created, the members with the push's end), whatever the number of
members in a batch. A push's fixed cost is these writes; more of them is a regression."""

# ruff: noqa: F811 (the fixtures imported are the arguments of the tests)
from __future__ import annotations

from pathlib import Path

from sqlalchemy import event
from sqlmodel import col, select

from engine.push.users import resolve
from engine.service import GroupPushService
from engine.sync import run_sync
from storage.models import PushedMember, PushMapping, PushRun
from tests.servers import ScimTenant
from tests.workspace import Workspace, make_workspace

WRITES = ("INSERT", "UPDATE", "DELETE")


class Transactions:
    """The commits of a block of work, each as the first words of the writes it carried
    (commits that wrote nothing are left out)."""

    def __init__(self, service: GroupPushService) -> None:
        self.engine = service.db.engine
        self.written: list[list[str]] = []
        self._open: dict[int, list[str]] = {}

    def _statement(self, conn: object, _cursor: object, statement: str, *_: object) -> None:
        word = statement.split(None, 1)[0].upper()
        if word in WRITES:
            self._open.setdefault(id(conn), []).append(word)

    def _commit(self, conn: object) -> None:
        wrote = self._open.pop(id(conn), [])
        if wrote:
            self.written.append(wrote)

    def __enter__(self) -> Transactions:
        event.listen(self.engine, "before_cursor_execute", self._statement)
        event.listen(self.engine, "commit", self._commit)
        return self

    def __exit__(self, *_: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._statement)
        event.remove(self.engine, "commit", self._commit)


def directory(tmp_path: Path, scim_tenant: ScimTenant, members: int) -> Workspace:
    """A directory file with one group of `members` users and another of two."""
    ws = make_workspace(tmp_path, scim_tenant)
    for n in range(members):
        ws.add_user(f"u{n:03d}")
    ws.add_group("g1", "Sales", [f"u{n:03d}" for n in range(members)])
    ws.add_group("g2", "Ops", ["u000", "u001"])
    ws.write()
    return ws


def test_a_first_push_writes_four_transactions_once_its_group_and_users_are_known(
        tmp_path: Path, scim_tenant: ScimTenant) -> None:
    ws = directory(tmp_path, scim_tenant, 40)
    service = ws.service()
    service.snapshot("Sales")  # the group's first read keeps its members: a write of its own
    resolve(service.db, service.apps["box"], [f"u{n:03d}@acme.test" for n in range(40)])
    with Transactions(service) as push:  # the app's users known: no user cache written
        assert service.push("Sales", "box", "alice").ok
    assert push.written == [["INSERT"] * 3,  # the push, its run, its audit line
                            ["UPDATE"],  # the app group's name, before it is created
                            ["UPDATE"],  # its id, once created
                            ["INSERT", "UPDATE", "UPDATE"]], push.written  # members + the end
    assert ws.app.member_logins("Sales") == {f"u{n:03d}@acme.test" for n in range(40)}
    with service.db.session() as session:
        mapping = session.exec(select(PushMapping).where(PushMapping.group_id == "g1")).one()
        runs = session.exec(select(PushRun).where(PushRun.mapping_id == mapping.id)).all()
        kept = session.exec(select(PushedMember).where(
            col(PushedMember.mapping_id) == mapping.id)).all()
    assert [(r.operation, r.outcome, r.added) for r in runs] == [("push", "ok", 40)]
    assert (mapping.members_pushed, len(kept), mapping.app_group_id is not None) == (40, 40, True)


def test_a_sync_of_a_changed_group_writes_its_run_then_its_members_with_its_end(
        tmp_path: Path, scim_tenant: ScimTenant) -> None:
    ws = directory(tmp_path, scim_tenant, 5)
    assert ws.exec("push Sales to box").code == 0
    assert ws.exec("push Ops to box").code == 0
    service = ws.service()
    run_sync(service, "box", "scheduler")
    ws.set_members("g1", ["u000", "u002", "u004"])
    with Transactions(service) as sync:
        report = run_sync(service, "box", "scheduler")
    assert (report.changed, report.removed) == (1, 2)
    assert sync.written == [["DELETE", "UPDATE"],  # the kept directory: the change, a version
                            ["UPDATE"],  # its cursor, once the change is kept
                            ["INSERT"],  # the loss guard trusts the group's new count
                            ["INSERT"],  # the push's run, before the app is written
                            ["DELETE", "UPDATE", "UPDATE"],  # members removed + the end
                            ["UPDATE"]], sync.written  # the kept version the sync pushed whole
    assert ws.app.member_logins("Sales") == {"u000@acme.test", "u002@acme.test",
                                             "u004@acme.test"}
