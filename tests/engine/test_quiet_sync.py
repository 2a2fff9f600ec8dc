"""A sync plans only the pushes whose kept group changed since their last whole push (or that
failed, or wait for a request): a sync with nothing changed pushes nothing, whatever the
number of pushes. Each push a sync plans opens a run, so runs count what it planned."""

# ruff: noqa: F811 (the fixtures imported are the arguments of the tests)
from __future__ import annotations

from pathlib import Path

from sqlalchemy import event
from sqlmodel import col, select

from connectors.scim import ScimApp
from engine.service import GroupPushService
from engine.sync import run_sync
from storage.models import PushMapping, PushRun
from tests.engine.test_okta_kept import Org, org  # noqa: F401
from tests.proxy import breaking
from tests.servers import ScimTenant
from tests.workspace import Workspace, make_workspace

ACTOR = "scheduler"


def runs_during(service: GroupPushService, work: object) -> list[str]:
    """The groups whose pushes were run (planned) while `work` ran, by name."""
    with service.db.session() as session:
        last = session.exec(select(PushRun.id).order_by(col(PushRun.id).desc())).first() or 0
    work()  # type: ignore[operator]
    with service.db.session() as session:
        return sorted(session.exec(select(PushRun.group_name).where(col(PushRun.id) > last)))


def pushed_with_teams(org: Org) -> GroupPushService:
    for name in ("Sales", "Engineering", "Big"):
        assert org.ws.exec(f"push {name} to box").code == 0
    assert org.ws.exec("rule add teams to box --starts-with Team").code == 0
    service = org.ws.service()
    run_sync(service, None, ACTOR)
    return service


def test_a_sync_with_nothing_changed_plans_no_push(org: Org) -> None:
    service = pushed_with_teams(org)
    assert runs_during(service, lambda: run_sync(service, None, ACTOR)) == []
    synced = org.ws.exec("sync", as_json=True).json["data"]
    assert (synced["groups"], synced["changed"]) == (33, 0), synced  # every push is in line


def test_a_member_added_in_okta_plans_that_group_only(org: Org) -> None:
    service = pushed_with_teams(org)
    org.okta.add_member(org.okta.group_id("Sales"), org.ids["carol"])
    assert runs_during(service, lambda: run_sync(service, None, ACTOR)) == ["Sales"]
    assert "carol@acme.test" in org.ws.app.member_logins("Sales")
    assert runs_during(service, lambda: run_sync(service, None, ACTOR)) == []


def test_a_user_deactivated_plans_the_groups_of_that_user_only(org: Org) -> None:
    service = pushed_with_teams(org)
    org.okta.set_status(org.ids["bob"], "SUSPENDED")
    assert runs_during(service, lambda: run_sync(service, None, ACTOR)) == [
        "Big", "Engineering", "Sales"]
    assert org.ws.app.member_logins("Sales") == {"alice@acme.test"}


def test_a_renamed_group_is_planned_and_renamed_in_the_app(org: Org) -> None:
    service = pushed_with_teams(org)
    org.okta.update_group(org.okta.group_id("Team 03"), name="Team 03 EMEA")
    assert runs_during(service, lambda: run_sync(service, None, ACTOR)) == ["Team 03"]
    assert "Team 03 EMEA" in org.ws.app.groups()


def test_a_failed_push_is_tried_again_by_a_quiet_sync(org: Org) -> None:
    service = pushed_with_teams(org)
    app = service.apps["box"]
    assert isinstance(app, ScimApp)
    with breaking(app) as breaker:
        breaker.failing = [("PATCH", "/Groups")]
        org.okta.add_member(org.okta.group_id("Sales"), org.ids["carol"])
        report = run_sync(service, None, ACTOR)
        assert [e.group for e in report.errors] == ["Sales"]
        breaker.failing = []
        assert runs_during(service, lambda: run_sync(service, None, ACTOR)) == ["Sales"]
    assert "carol@acme.test" in org.ws.app.member_logins("Sales")
    assert runs_during(service, lambda: run_sync(service, None, ACTOR)) == []


def test_a_sync_full_plans_every_push(org: Org) -> None:
    service = pushed_with_teams(org)
    planned = runs_during(service, lambda: run_sync(service, None, ACTOR, full=True))
    assert len(planned) == 33


def ten_pushed_groups(tmp_path: Path, scim_tenant: ScimTenant) -> Workspace:
    """A directory file of 12 users and 10 groups, each of u00 and one other, all pushed."""
    ws = make_workspace(tmp_path, scim_tenant)
    for n in range(12):
        ws.add_user(f"u{n:02d}")
    for n in range(10):
        ws.add_group(f"g{n}", f"Group {n}", ["u00", f"u{n + 1:02d}"])
    ws.write()
    for n in range(10):
        assert ws.exec(f'push "Group {n}" to box').code == 0
    return ws


def test_a_changed_directory_file_plans_the_changed_group_only(tmp_path: Path,
                                                               scim_tenant: ScimTenant) -> None:
    ws = ten_pushed_groups(tmp_path, scim_tenant)
    service = ws.service()
    assert runs_during(service, lambda: run_sync(service, None, ACTOR)) == []  # as pushed
    ws.set_members("g4", ["u00", "u05", "u11"])
    assert runs_during(service, lambda: run_sync(service, None, ACTOR)) == ["Group 4"]
    assert ws.app.member_logins("Group 4") == {"u00@acme.test", "u05@acme.test",
                                               "u11@acme.test"}
    ws.set_status("u00", "SUSPENDED")  # in every group
    assert len(runs_during(service, lambda: run_sync(service, None, ACTOR))) == 10


class Reads:
    """What the database was asked while counting: the push rows loaded, by group name,
    and the groups whose active members were counted (the directory-loss guard's count)."""

    def __init__(self, service: GroupPushService) -> None:
        self.pushes: list[str] = []
        self.counted: set[str] = set()
        self.engine = service.db.engine

    def _loaded(self, target: PushMapping, _context: object) -> None:
        self.pushes.append(target.group_name)

    def _statement(self, _conn: object, _cursor: object, statement: str,
                   parameters: tuple[object, ...], *_: object) -> None:
        if "count(*)" in statement and "FROM keptmembership JOIN keptuser" in statement:
            self.counted.update(p for p in parameters if isinstance(p, str) and p[:1] == "g")

    def __enter__(self) -> Reads:
        event.listen(PushMapping, "load", self._loaded)
        event.listen(self.engine, "before_cursor_execute", self._statement)
        return self

    def __exit__(self, *_: object) -> None:
        event.remove(PushMapping, "load", self._loaded)
        event.remove(self.engine, "before_cursor_execute", self._statement)


def test_a_quiet_sync_reads_no_push_row_and_counts_no_members(tmp_path: Path,
                                                               scim_tenant: ScimTenant) -> None:
    ws = ten_pushed_groups(tmp_path, scim_tenant)
    service = ws.service()
    run_sync(service, None, ACTOR)  # the guard's first count of every pushed group
    with Reads(service) as reads:
        report = run_sync(service, None, ACTOR)
    assert (report.groups, report.changed) == (10, 0)
    assert (reads.pushes, reads.counted) == ([], set())
    ws.set_members("g4", ["u00", "u05", "u11"])
    with Reads(service) as reads:
        report = run_sync(service, None, ACTOR)
    assert (report.groups, report.changed) == (10, 1)
    assert set(reads.pushes) == {"Group 4"}
    assert reads.counted == {"g4"}  # the guard counted that group's members only


class Statements:
    """The SQL statements sent while counting, by their first word (SELECT, INSERT, ...)."""

    def __init__(self, service: GroupPushService) -> None:
        self.sent: list[str] = []
        self.engine = service.db.engine

    def _statement(self, _conn: object, _cursor: object, statement: str, *_: object) -> None:
        self.sent.append(statement.split(None, 1)[0].upper())

    def __enter__(self) -> Statements:
        event.listen(self.engine, "before_cursor_execute", self._statement)
        return self

    def __exit__(self, *_: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._statement)


def test_a_quiet_sync_writes_nothing_and_asks_what_it_asks_at_one_push(
        tmp_path: Path, scim_tenant: ScimTenant) -> None:
    ws = ten_pushed_groups(tmp_path, scim_tenant)
    service = ws.service()
    run_sync(service, None, ACTOR)
    with Statements(service) as at_ten:
        assert run_sync(service, None, ACTOR).changed == 0
    for n in range(1, 10):  # paused: no longer pushed by the sync
        assert ws.exec(f'deactivate "Group {n}" on box').code == 0
    with Statements(service) as at_one:
        report = run_sync(service, None, ACTOR)
    assert (report.groups, report.changed) == (1, 0)
    assert at_one.sent == at_ten.sent  # the same questions, whatever the number of pushes
    assert set(at_one.sent) == {"SELECT"}  # nothing written: no group counted, none forgotten
    ws.set_members("g0", ["u00"])  # a change is still found, and only that group planned
    assert runs_during(service, lambda: run_sync(service, None, ACTOR)) == ["Group 0"]
    assert ws.app.member_logins("Group 0") == {"u00@acme.test"}
