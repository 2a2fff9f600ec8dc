"""The metrics carry the right numbers after a push, a sync and a 429; logs as JSON."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import create_engine

from bot.health import Readiness, database_check, worker_check
from bot.logs import JsonFormatter
from connectors.box import BoxApp, BoxSettings, box_message
from connectors.http import HttpSender
from engine.sync import run_sync
from storage.db import Database
from tests.standins import loopback_client
from tests.standins.box import BoxStandIn
from tests.workspace import Workspace


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.fixture
def box() -> Iterator[BoxStandIn]:
    server = BoxStandIn(max_limit=4)
    yield server
    server.stop()


def test_a_push_and_a_sync_are_counted_by_app_and_result(ws: Workspace) -> None:
    service = ws.service()
    watched = [("grouppush_pushes_total", {"app": "box", "operation": "push", "result": "ok"}),
               ("grouppush_pushes_total", {"app": "box", "operation": "sync", "result": "ok"}),
               ("grouppush_members_added_total", {"app": "box"}),
               ("grouppush_members_removed_total", {"app": "box"}),
               ("grouppush_syncs_total", {"app": "box", "result": "ok"}),
               ("grouppush_requests_total", {"target": "box", "status": "201"})]
    before = {(name, tuple(sorted(labels.items()))): value(name, **labels)
              for name, labels in watched}

    def delta(name: str, **labels: str) -> float:
        return value(name, **labels) - before[(name, tuple(sorted(labels.items())))]

    assert service.push("Sales", "box", "console").ok
    assert delta("grouppush_pushes_total", app="box", operation="push", result="ok") == 1
    assert delta("grouppush_members_added_total", app="box") == 3  # alice, bob, erin
    assert delta("grouppush_requests_total", target="box", status="201") >= 1  # the group

    ws.set_members("g-sales", ["alice", "erin"])
    report = run_sync(service, "box", "scheduler")
    assert report.removed == 1
    assert delta("grouppush_pushes_total", app="box", operation="sync", result="ok") == 1
    assert delta("grouppush_members_removed_total", app="box") == 1
    assert delta("grouppush_members_added_total", app="box") == 3
    assert delta("grouppush_syncs_total", app="box", result="ok") == 1
    assert value("grouppush_last_successful_sync_timestamp_seconds", app="box") > 0


def test_429s_are_counted_with_the_attempt_that_succeeded(box: BoxStandIn) -> None:
    settings = BoxSettings(client_id=box.client_id, client_secret=box.client_secret,
                           enterprise_id=box.enterprise_id, api_url=box.api_url,
                           token_url=box.token_url)
    client = loopback_client()
    app = BoxApp("boxapi", settings, client,
                 HttpSender(client, app="boxapi", sleep=lambda s: None, describe=box_message))
    throttled = value("grouppush_requests_total", target="boxapi", status="429")
    fine = value("grouppush_requests_total", target="boxapi", status="200")
    box.fail_next(429, times=2, retry_after=1, when=lambda r: r.path == "/2.0/groups")
    assert app.health() == "ok"
    assert value("grouppush_requests_total", target="boxapi", status="429") - throttled == 2
    assert value("grouppush_requests_total", target="boxapi", status="200") - fine >= 1
    app.close()


def test_readiness_names_the_part_that_fails() -> None:
    db = Database("sqlite://")
    ready = Readiness({"database": database_check(db), "worker": worker_check(lambda: "running")})
    assert ready.report() == (True, {"database": {"ok": True, "detail": "sqlite"},
                                     "worker": {"ok": True, "detail": "running"}})
    gone = Database.__new__(Database)
    gone.engine = create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    ready = Readiness({"database": database_check(gone),
                       "worker": worker_check(lambda: "restarting")})
    ok, parts = ready.report()
    assert not ok
    assert not parts["database"]["ok"] and "OperationalError" in parts["database"]["detail"]
    assert parts["worker"] == {"ok": False, "detail": "the worker process ended; a new one "
                                                      "is starting"}


def test_json_logs_are_one_redacted_object_per_line() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("grouppush.test.json")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("push failed: Authorization: Bearer abc.def-123 refused",
                       extra={"app": "box", "group": "Sales", "run_id": 7, "actor": "U1"})
        try:
            raise ValueError("token=s3cr3t-value")
        except ValueError:
            logger.exception("boom")
    finally:
        logger.removeHandler(handler)
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["event"] == "push failed: Authorization: Bearer [redacted] refused"
    assert (first["level"], first["app"], first["group"], first["run_id"], first["actor"]) == (
        "warning", "box", "Sales", 7, "U1")
    assert "s3cr3t" not in json.dumps(second) and "ValueError" in second["error"]
