"""Nothing is lost: an app that goes down or a process killed mid-push converges at the next
sync, into the same app group, and big pushes cost requests per batch, not per member."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from connectors.scim import ScimApp
from engine.executor import run_line
from engine.outcomes import Failed, Information, PushesListed, Synced
from tests.servers import ScimTenant
from tests.workspace import Workspace, make_workspace


def big_workspace(tmp_path: Path, tenant: ScimTenant, members: int) -> Workspace:
    ws = make_workspace(tmp_path, tenant)
    for i in range(members):
        ws.users.append({"id": f"u{i}", "login": f"user{i}@acme.test", "status": "ACTIVE"})
    tenant.bulk_create_users(u["login"] for u in ws.users)
    ws.add_group("g-big", "Big", [u["id"] for u in ws.users])
    ws.write()
    return ws


class AppGoesDown(httpx.BaseTransport):
    """A real transport that stops answering after `healthy` member PATCHes."""

    def __init__(self, healthy: int) -> None:
        self.real = httpx.HTTPTransport()
        self.healthy = healthy
        self.down = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "PATCH":
            if self.healthy <= 0:
                self.down = True
            self.healthy -= 1
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        return self.real.handle_request(request)


def test_app_down_mid_push_converges_at_the_next_sync(tmp_path: Path,
                                                      scim_tenant: ScimTenant) -> None:
    ws = big_workspace(tmp_path, scim_tenant, 250)
    ws.config["apps"]["box"]["max_members_per_request"] = 50
    ws.write()
    service = ws.service()
    app = service.apps["box"]
    assert isinstance(app, ScimApp)
    down = AppGoesDown(healthy=2)
    app.client._transport = down  # the same client, its connection dropped after 2 batches
    app.http.sleep = lambda _seconds: None
    reply = run_line(service, "push Big to box", "console")
    failed = reply.outcome
    assert isinstance(failed, Failed) and failed.status == "failed"
    assert "did not answer" in failed.message and failed.recorded is not None
    assert len(scim_tenant.member_logins("Big")) == 100  # two batches got there
    details = ws.run("info Big on box")
    assert isinstance(details, Information)
    assert dict(details.details)["Error"] == failed.message and \
        dict(details.details)["Troubleshooting"]

    synced = ws.run("sync")  # the app is back: a fresh service, a fresh client
    assert isinstance(synced, Synced) and synced.ok, synced
    assert scim_tenant.group_count("Big") == 1
    assert len(scim_tenant.member_logins("Big")) == 250
    assert [(s.group, s.added, s.removed) for s in synced.steps] == [("Big", 150, 0)]
    info = ws.run("info Big on box")  # only what was missing was sent; the error is gone
    assert isinstance(info, Information) and dict(info.details)["Error"] == "none"


def test_killed_right_after_creating_the_group_adopts_it_no_duplicate(
        tmp_path: Path, scim_tenant: ScimTenant, monkeypatch: pytest.MonkeyPatch) -> None:
    ws = big_workspace(tmp_path, scim_tenant, 10)
    service = ws.service()
    app = service.apps["box"]
    real_create = app.create_group

    def create_then_die(name: str, description: str = "") -> object:
        real_create(name, description)
        raise KeyboardInterrupt  # the process dies before the group id is recorded

    monkeypatch.setattr(app, "create_group", create_then_die)
    with pytest.raises(KeyboardInterrupt):
        service.push("Big", "box", "console")
    assert scim_tenant.group_count("Big") == 1

    result = ws.exec("sync")
    assert result.code == 0, result.out
    assert scim_tenant.group_count("Big") == 1
    assert len(scim_tenant.member_logins("Big")) == 10


@pytest.mark.slow
def test_process_killed_mid_push_converges(tmp_path: Path, scim_tenant: ScimTenant) -> None:
    ws = big_workspace(tmp_path, scim_tenant, 3000)
    ws.config["apps"]["box"]["max_members_per_request"] = 100
    ws.write()
    env = {**os.environ, "DATABASE_URL": ws.db_url}
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "--config", str(ws.config_path),
                             "exec", "push Big to box"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        groups = scim_tenant.groups()
        if "Big" in groups and scim_tenant.member_logins("Big"):
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    pushed_before = len(scim_tenant.member_logins("Big"))
    assert 0 < pushed_before < 3000, "the push should have been cut short"

    result = ws.exec("sync")
    assert result.code == 0, result.out
    assert scim_tenant.group_count("Big") == 1
    assert len(scim_tenant.member_logins("Big")) == 3000
    listed = ws.run("list")
    assert isinstance(listed, PushesListed) and [r.members for r in listed.pushes] == [3000]


@pytest.mark.slow
def test_a_10000_member_push_sends_requests_per_batch(tmp_path: Path,
                                                      scim_tenant: ScimTenant) -> None:
    ws = big_workspace(tmp_path, scim_tenant, 10_000)
    ws.config["apps"]["box"]["max_members_per_request"] = 500
    ws.write()
    service = ws.service()
    app = service.apps["box"]
    assert isinstance(app, ScimApp)
    reply = service.push("Big", "box", "console")
    assert reply.ok, reply
    sent = app.http.requests_sent
    batch = app.capabilities.max_members_per_request
    # find + create + list users page by page (1000 a page) + one PATCH per batch
    assert sent <= 10_000 // batch + 10_000 // 1000 + 5, sent
    assert len(scim_tenant.member_logins("Big")) == 10_000

    before = app.http.requests_sent
    ws.set_members("g-big", [f"u{i}" for i in range(10, 10_000)])
    assert run_line(service, "sync box", "console").ok
    assert app.http.requests_sent - before == 1  # ten removals, one PATCH, nothing read
