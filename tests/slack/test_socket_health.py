"""`grouppush run` in Socket Mode: /readyz follows the socket to Slack, on its own port."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.servers import ScimTenant, free_port
from tests.slack.conftest import small_directory, write_world
from tests.slack.socket_standin import SocketStandIn
from tests.slack.standin import APP_TOKEN, BOT_TOKEN, SlackStandIn
from tests.slack.test_operations import wait_until


@pytest.mark.slow
def test_socket_mode_readiness_follows_the_connection(
        tmp_path: Path, scim_tenant: ScimTenant, slack: SlackStandIn) -> None:
    write_world(tmp_path, scim_tenant, small_directory())
    port = free_port()
    env = {**os.environ, "GROUPPUSH_CONFIG": str(tmp_path / "grouppush.yml"),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "SLACK_BOT_TOKEN": BOT_TOKEN,
           "SLACK_APP_TOKEN": APP_TOKEN, "SLACK_API_URL": slack.api_url,
           "GROUPPUSH_HEALTH_PORT": str(port)}
    env.pop("SLACK_SIGNING_SECRET", None)
    with SocketStandIn() as socket:
        slack.socket_url = socket.url
        proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "run", "--host", "127.0.0.1"],
                                env=env, stderr=subprocess.PIPE, text=True)
        try:
            assert proc.stderr is not None
            while "connected to Slack by Socket Mode" not in (line := proc.stderr.readline()):
                assert line, "grouppush run ended before it connected"
            http = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10)

            def ready() -> httpx.Response:
                return http.get("/readyz")

            wait_until(lambda: ready().status_code == 200, 15, "never ready while connected")
            assert ready().json()["parts"]["slack"] == {"ok": True, "detail": "socket connected"}
            assert http.get("/healthz").status_code == 200
            assert http.get("/slack/events").status_code == 404  # Slack comes by the socket
            assert "grouppush_worker_restarts_total" in http.get("/metrics").text

            socket.drop()
            wait_until(lambda: ready().status_code == 503, 10, "still ready, dropped")
            body = ready().json()
            assert body["failing"] == ["slack"]
            assert "Socket Mode connection to Slack is down" in body["parts"]["slack"]["detail"]
            assert http.get("/healthz").status_code == 200  # alive, only not ready

            socket.restore()
            wait_until(lambda: ready().status_code == 200, 30, "not ready after reconnecting")
            assert socket.opened >= 2
        finally:
            proc.terminate()
            proc.wait(15)
    assert proc.returncode == 0


@pytest.mark.slow
def test_a_refused_app_token_is_named_without_a_traceback(
        tmp_path: Path, scim_tenant: ScimTenant, slack: SlackStandIn) -> None:
    write_world(tmp_path, scim_tenant, small_directory())
    env = {**os.environ, "GROUPPUSH_CONFIG": str(tmp_path / "grouppush.yml"),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "SLACK_BOT_TOKEN": BOT_TOKEN,
           "SLACK_APP_TOKEN": "xapp-revoked-not-a-secret", "SLACK_API_URL": slack.api_url,
           "GROUPPUSH_HEALTH_PORT": str(free_port())}
    env.pop("SLACK_SIGNING_SECRET", None)
    proc = subprocess.run([sys.executable, "-m", "bot.cli", "run", "--host", "127.0.0.1"],
                          env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert "cannot start the Slack app: Slack refused SLACK_APP_TOKEN (invalid_auth)" \
        in proc.stderr
    assert "xapp-revoked" not in proc.stderr
