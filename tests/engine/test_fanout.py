"""The fan-out's one error policy, through a real scim2-server behind a proxy that fails one
group's writes: each failure is one RunError row (the history), the push's error columns
cache the current one, the sync's answer reads the very record, and the run carries on."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlmodel import select

from connectors.scim import ScimApp
from engine.executor import run_line
from engine.outcomes import Synced
from engine.service import GroupPushService
from storage.models import PushMapping, RunError
from tests.proxy import Breaker, breaking
from tests.workspace import Workspace


@pytest.fixture
def service(ws: Workspace) -> Iterator[tuple[GroupPushService, Breaker]]:
    service = ws.service()
    app = service.apps["box"]
    assert isinstance(app, ScimApp)
    with breaking(app) as breaker:
        yield service, breaker


def errors_of(service: GroupPushService, group: str) -> tuple[list[RunError], PushMapping]:
    with service.db.session() as session:
        mapping = session.exec(select(PushMapping)
                               .where(PushMapping.group_name == group)).one()
        rows = list(session.exec(select(RunError).where(RunError.mapping_id == mapping.id)))
        return rows, mapping


def test_a_failure_is_recorded_once_read_back_by_the_answer_and_the_run_carries_on(
        ws: Workspace, service: tuple[GroupPushService, Breaker]) -> None:
    engine, breaker = service
    for group in ("Sales", "Engineering"):
        assert run_line(engine, f"push {group} to box", "console").ok
    ws.set_members("g-sales", ["alice", "bob", "erin", "frank"])
    ws.add_user("frank")
    ws.set_members("g-eng", ["bob", "frank"])
    sales_id = ws.app.groups()["Sales"]
    breaker.failing.append(("PATCH", f"/Groups/{sales_id}"))

    reply = run_line(engine, "sync box", "console")
    synced = reply.outcome
    assert isinstance(synced, Synced) and [e.group for e in synced.errors] == ["Sales"]
    assert ws.app.member_logins("Engineering") == {"bob@acme.test", "frank@acme.test"}
    rows, mapping = errors_of(engine, "Sales")
    [row] = rows
    [told] = synced.errors
    assert (told.group, told.app, told.operation, told.message, told.status, told.hint) == (
        "Sales", "box", "sync", row.message, 401, row.hint)
    assert (mapping.error_message, mapping.error_operation, mapping.error_status,
            mapping.error_at) == (row.message, "sync", 401, row.at)
    assert errors_of(engine, "Engineering")[0] == []

    run_line(engine, "sync box", "console")  # fails again: one more row, the same cache
    rows, mapping = errors_of(engine, "Sales")
    assert len(rows) == 2 and mapping.error_at == rows[-1].at

    breaker.failing.clear()
    assert run_line(engine, "sync box", "console").ok
    rows, mapping = errors_of(engine, "Sales")
    assert len(rows) == 2 and mapping.error_message == ""  # history kept, cache cleared
    assert "frank@acme.test" in ws.app.member_logins("Sales")
