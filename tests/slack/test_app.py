"""manifest.yml against the listeners, and `grouppush run` (serve) from the environment."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from slack_bolt import BoltRequest

import bot.app
from bot.app import EVENTS_PATH, serve
from bot.bolt import build_app
from bot.listeners import commands, events
from bot.worker import Worker, WorkerRunner, run_payload
from tests.servers import ScimTenant, free_port
from tests.slack.conftest import SECRET, Bot, small_directory, write_world
from tests.slack.standin import BOT_TOKEN, SlackStandIn, message_text

MANIFEST = Path(__file__).parents[2] / "manifest.yml"
SCOPES_USED = {"commands", "chat:write", "chat:write.public"}


def test_manifest_matches_the_listeners() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text())
    features, settings = manifest["features"], manifest["settings"]
    [command] = features["slash_commands"]
    assert command["command"] == commands.COMMAND
    assert command["usage_hint"] and command["description"]
    assert command["url"].endswith(EVENTS_PATH)
    assert features["app_home"]["home_tab_enabled"] is True
    assert settings["event_subscriptions"]["bot_events"] == list(events.EVENTS)
    interactivity = settings["interactivity"]
    assert interactivity["is_enabled"] is True
    assert interactivity["request_url"].endswith(EVENTS_PATH)
    assert interactivity["message_menu_options_url"].endswith(EVENTS_PATH)
    assert settings["socket_mode_enabled"] is True
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == SCOPES_USED
    assert "user" not in manifest["oauth_config"]["scopes"]


def test_run_serves_http_from_the_environment(tmp_path: Path, scim_tenant: ScimTenant,
                                               slack: SlackStandIn,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    service = write_world(tmp_path, scim_tenant, small_directory())
    for name, value in {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SECRET,
                        "SLACK_API_URL": slack.api_url}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("SLACK_APP_TOKEN", raising=False)
    servers: list[Any] = []
    real = bot.app.route_server

    def keep(*args: Any, **kwargs: Any) -> Any:
        servers.append(real(*args, **kwargs))
        return servers[-1]

    monkeypatch.setattr(bot.app, "route_server", keep)
    workers: list[Worker] = []

    class KeptWorker(Worker):
        def start(self) -> None:
            workers.append(self)
            super().start()

    monkeypatch.setattr(bot.app, "Worker", KeptWorker)
    port = free_port()
    codes: list[int] = []
    thread = threading.Thread(target=lambda: codes.append(
        serve(service, "127.0.0.1", port, str(tmp_path / "grouppush.yml"))))
    thread.start()
    deadline = time.monotonic() + 10
    while not servers and time.monotonic() < deadline:
        time.sleep(0.02)
    client = Bot(f"http://127.0.0.1:{port}{EVENTS_PATH}", service, slack, scim_tenant)
    try:
        # health is served first; /slack/events once Slack answered and the worker started
        answered = client.command("help")
        while answered.status_code == 404 and time.monotonic() < deadline + 20:
            time.sleep(0.05)
            answered = client.command("help")
        assert answered.status_code == 200
        assert "grouppush commands" in message_text(slack.wait_for("response_url"))
        assert workers and workers[0].pid not in (None, os.getpid())
    finally:
        servers[0].shutdown()
        thread.join(15)
    assert codes == [0]
    assert workers[0].pid is not None and not _alive(workers[0].pid)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_run_needs_slack_credentials(tmp_path: Path, scim_tenant: ScimTenant,
                                     slack: SlackStandIn, monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    service = write_world(tmp_path, scim_tenant, small_directory())
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    assert serve(service, "127.0.0.1", free_port()) == 2
    both = capsys.readouterr().err  # every missing setting at once
    assert "set SLACK_BOT_TOKEN (the bot token, xoxb-...) and SLACK_SIGNING_SECRET (HTTP) or " \
        "SLACK_APP_TOKEN (Socket Mode" in both, both
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
    assert serve(service, "127.0.0.1", free_port()) == 2
    one = capsys.readouterr().err
    assert "set SLACK_BOT_TOKEN (the bot token" in one and "SLACK_SIGNING_SECRET" not in one
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-revoked")
    monkeypatch.setenv("SLACK_API_URL", slack.api_url)
    assert serve(service, "127.0.0.1", free_port()) == 1
    refused = capsys.readouterr().err
    assert "cannot start the Slack app: Slack refused SLACK_BOT_TOKEN (invalid_auth)" in refused
    assert "xoxb-revoked" not in refused and "Traceback" not in refused


def test_a_socket_mode_command_is_acked_by_the_front_and_run_by_the_worker(
        tmp_path: Path, scim_tenant: ScimTenant, slack: SlackStandIn) -> None:
    service = write_world(tmp_path, scim_tenant, small_directory())
    sent: list[dict[str, Any]] = []

    class Captured(Worker):
        def submit(self, payload: dict[str, Any]) -> None:
            sent.append(payload)

    front = build_app(service, token=BOT_TOKEN, signing_secret=SECRET, api_url=slack.api_url,
                      lazy_runner=WorkerRunner(Captured()))
    body = {"command": "/grouppush", "text": "help", "user_id": "U0OPS", "channel_id": "C0OPS",
            "team_id": "T0ACME", "response_url": slack.response_url(), "trigger_id": "1.2.3"}
    assert front.dispatch(BoltRequest(body=body, mode="socket_mode")).status == 200
    assert len(sent) == 1 and slack.called("response_url") == []  # acked, nothing run yet
    worker = build_app(service, token=BOT_TOKEN, api_url=slack.api_url, verify=False)
    run_payload(worker, sent[0])
    assert "grouppush commands" in message_text(slack.wait_for("response_url"))
