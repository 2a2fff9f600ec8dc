"""`grouppush run` for operators: /healthz, /readyz through their states, /metrics after work
that ran in the worker process, and JSON logs."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path

import httpx
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from tests.servers import ScimTenant
from tests.slack.conftest import small_directory, write_world
from tests.slack.standin import SlackStandIn, message_text
from tests.slack.test_run import edit_config, running, wait_gone


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a Prometheus exposition, by name and sorted labels."""
    out = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def wait_until(condition: object, seconds: float, what: str) -> float:
    """Poll until condition() is true; the seconds it took."""
    start = time.monotonic()
    while not condition():  # type: ignore[operator]
        assert time.monotonic() - start < seconds, what
        time.sleep(0.05)
    return time.monotonic() - start


@pytest.mark.slow
def test_health_readiness_and_metrics_of_a_running_bot(
        tmp_path: Path, scim_tenant: ScimTenant, slack: SlackStandIn) -> None:
    write_world(tmp_path, scim_tenant, small_directory())
    scim_tenant.create_users(["alice@acme.test", "bob@acme.test", "carol@acme.test",
                              "dan@acme.test"])
    edit_config(tmp_path, lambda c: c.update(schedule={
        "sync_seconds": 0.5, "drift_check_seconds": 3600, "lease_seconds": 5}))
    with running(tmp_path, slack, scim_tenant, {"GROUPPUSH_LOG": "INFO",
                                                 "GROUPPUSH_LOG_FORMAT": "json"}) as run:
        assert run.proc.stderr is not None
        logged: list[str] = []
        threading.Thread(target=lambda: logged.extend(run.proc.stderr), daemon=True).start()
        base = run.bot.url.removesuffix("/slack/events")
        http = httpx.Client(timeout=10)
        assert http.get(f"{base}/healthz").json() == {"status": "ok"}
        ready = http.get(f"{base}/readyz")
        assert ready.status_code == 200, ready.text
        assert {name: part["ok"] for name, part in ready.json()["parts"].items()} == {
            "database": True, "worker": True, "slack": True}

        assert run.bot.command("push Sales to box").status_code == 200
        slack.wait_for("chat.update", lambda c: "Pushed Sales" in message_text(c))
        directory = small_directory()
        directory["groups"][0]["members"].append("u-dan")
        (tmp_path / "directory.yml").write_text(yaml.safe_dump(directory))
        wait_until(lambda: "dan@acme.test" in scim_tenant.member_logins("Sales"), 20,
                   "the scheduled sync never pushed dan")

        def metric(name: str, **labels: str) -> float:
            found = samples(http.get(f"{base}/metrics").text)
            return found.get((name, tuple(sorted(labels.items()))), 0.0)

        # counted in the worker, served by the front
        assert metric("grouppush_pushes_total", app="box", operation="push", result="ok") == 1
        wait_until(lambda: metric("grouppush_pushes_total", app="box", operation="sync",
                                  result="ok") >= 1, 10, "the sync's push was not counted")
        assert metric("grouppush_members_added_total", app="box") == 4  # 3 pushed, dan synced
        assert metric("grouppush_syncs_total", app="box", result="ok") >= 1
        assert metric("grouppush_last_successful_sync_timestamp_seconds", app="box") > \
            time.time() - 60
        assert metric("grouppush_requests_total", target="box", status="200") > 0
        assert metric("grouppush_slack_ack_seconds_count", kind="command") == 1
        assert metric("grouppush_pending_approvals") == 0
        assert metric("grouppush_drifted_groups", app="box") == 0
        assert metric("grouppush_drifted_groups", app="wiki") == 0

        os.kill(run.worker, signal.SIGKILL)
        seen: list[httpx.Response] = []

        def not_ready() -> bool:
            seen.append(http.get(f"{base}/readyz"))
            return seen[-1].status_code == 503
        wait_until(not_ready, 5, "still ready with its worker killed")
        assert seen[-1].json()["failing"] == ["worker"]
        assert "a new one is starting" in seen[-1].json()["parts"]["worker"]["detail"]
        wait_gone(run.worker)
        wait_until(lambda: http.get(f"{base}/readyz").status_code == 200, 15,
                   "ready again once the worker was replaced")
        assert metric("grouppush_worker_restarts_total") == 1
        assert metric("grouppush_pushes_total", app="box", operation="push", result="ok") == 1

    time.sleep(0.5)
    lines = [json.loads(line) for line in logged if line.startswith("{")]
    pushed = [line for line in lines if line.get("operation") == "push"]
    assert pushed and pushed[0]["app"] == "box" and pushed[0]["group"] == "Sales"
    assert pushed[0]["result"] == "ok" and pushed[0]["run_id"] >= 1
    assert pushed[0]["level"] == "info" and pushed[0]["time"].endswith("+00:00")
    assert all(scim_tenant.token not in json.dumps(line) for line in lines)
