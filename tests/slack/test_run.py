"""`grouppush run` as people start it: HTTP at /slack/events, with the scheduler inside."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import yaml

from tests.servers import ScimTenant, free_port
from tests.slack.conftest import SECRET, Bot, small_directory, write_world
from tests.slack.standin import BOT_TOKEN, SlackStandIn, message_text


def test_run_serves_slack_and_syncs_on_schedule(tmp_path: Path, scim_tenant: ScimTenant,
                                                slack: SlackStandIn) -> None:
    write_world(tmp_path, scim_tenant, small_directory())
    scim_tenant.create_users(["alice@acme.test", "bob@acme.test", "carol@acme.test",
                              "dan@acme.test"])
    config_path = tmp_path / "grouppush.yml"
    config = yaml.safe_load(config_path.read_text())
    config["schedule"] = {"sync_seconds": 0.3, "drift_check_seconds": 3600, "lease_seconds": 5}
    config_path.write_text(yaml.safe_dump(config))
    port = free_port()
    env = {**os.environ, "GROUPPUSH_CONFIG": str(config_path),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "SLACK_BOT_TOKEN": BOT_TOKEN,
           "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": slack.api_url}
    env.pop("SLACK_APP_TOKEN", None)
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "run", "--host", "127.0.0.1",
                             "--port", str(port)], env=env, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr is not None
        assert "listening on" in proc.stderr.readline()
        bot = Bot(f"http://127.0.0.1:{port}/slack/events", None, slack,  # type: ignore[arg-type]
                  scim_tenant, httpx.Client(timeout=10))
        assert bot.command("push Sales to box").status_code == 200
        slack.wait_for("chat.update", lambda c: "Pushed Sales" in message_text(c))
        assert bot.command("help", secret="wrong").status_code == 401

        directory = small_directory()
        directory["groups"][0]["members"].append("u-dan")
        (tmp_path / "directory.yml").write_text(yaml.safe_dump(directory))
        deadline = time.monotonic() + 20
        while "dan@acme.test" not in scim_tenant.member_logins("Sales"):
            assert time.monotonic() < deadline, "the scheduled sync never pushed dan"
            time.sleep(0.1)
    finally:
        proc.terminate()
        proc.wait(10)
