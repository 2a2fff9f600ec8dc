"""Scheduled sync and drift checks, alerts in the alerts channel, and one leader among
instances on a real PostgreSQL."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from slack_sdk import WebClient

from bot.alert_sender import Alerter
from bot.scheduler import Scheduler
from bot.views.words import render
from connectors.scim import ScimApp
from engine.bootstrap import build_service
from engine.config import load_config
from tests.slack.conftest import OPERATOR, READER, Bot, small_directory
from tests.slack.standin import BOT_TOKEN, Call, message_text

ALERTS = "C0ALERTS"


def scheduler_for(bot: Bot) -> Scheduler:
    return Scheduler(bot.service, Alerter(WebClient(token=BOT_TOKEN,
                                                    base_url=bot.slack.api_url), bot.service))


def alerts(bot: Bot, word: str = "") -> list[Call]:
    return [c for c in bot.slack.called("chat.postMessage")
            if c.args.get("channel") == ALERTS and word in message_text(c)]


def pushed(bot: Bot, group: str) -> None:
    bot.command(f"push {group} to box")
    bot.slack.wait_for("chat.update", lambda c: f"Pushed {group} " in message_text(c))


def wait_until(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


def test_drift_is_alerted_once_fixed_by_push_now_and_the_alert_updated(bot: Bot) -> None:
    pushed(bot, "Sales")
    bot.tenant.create_users(["stranger@acme.test"])
    bot.tenant.patch_members("Sales", add=["stranger@acme.test"], remove=["bob@acme.test"])
    jobs = scheduler_for(bot)

    jobs.drift_job()
    [alert] = alerts(bot, "Drift")
    text = message_text(alert)
    assert "Missing* (1): bob@acme.test" in text
    assert "Unexpected* (1): stranger@acme.test" in text
    buttons = [e["text"]["text"] for e in alert.args["blocks"][1]["elements"]]
    assert buttons == ["Push now", "Ignore"]

    jobs.drift_job()  # the same drift again: not posted twice
    assert len(alerts(bot, "Drift")) == 1

    push_now = alert.args["blocks"][1]["elements"][0]
    bot.click(push_now["action_id"], push_now["value"], READER, channel=ALERTS,
              message_ts=alert.result["ts"])
    refusal = bot.slack.wait_for("response_url", lambda c: "Only operators" in message_text(c))
    assert refusal.args.get("response_type") == "ephemeral"
    assert "stranger@acme.test" in bot.tenant.member_logins("Sales")

    bot.click(push_now["action_id"], push_now["value"], OPERATOR, channel=ALERTS,
              message_ts=alert.result["ts"])
    update = bot.slack.wait_for("chat.update", lambda c: c.args["ts"] == alert.result["ts"])
    assert "Fixed by <@U0OPS> with *Push now*" in message_text(update)
    assert not any(b.get("type") == "actions" for b in update.args["blocks"])
    assert bot.tenant.member_logins("Sales") == {"alice@acme.test", "bob@acme.test",
                                                 "carol@acme.test"}
    jobs.drift_job()
    assert len(alerts(bot, "Drift")) == 1


def test_ignore_records_who_and_is_not_alerted_again(bot: Bot) -> None:
    pushed(bot, "Sales")
    bot.tenant.patch_members("Sales", remove=["alice@acme.test"])
    jobs = scheduler_for(bot)
    jobs.drift_job()
    [alert] = alerts(bot, "Drift")
    ignore = alert.args["blocks"][1]["elements"][1]
    bot.click(ignore["action_id"], ignore["value"], OPERATOR, channel=ALERTS,
              message_ts=alert.result["ts"])
    update = bot.slack.wait_for("chat.update", lambda c: c.args["ts"] == alert.result["ts"])
    closed = message_text(update)
    assert "Ignored by <@U0OPS>" in closed
    assert "*Sales* on *box*" in closed and "Missing* (1): alice@acme.test" in closed
    jobs.drift_job()
    assert len(alerts(bot, "Drift")) == 1
    assert "alice@acme.test" not in bot.tenant.member_logins("Sales")  # kept as the app has it
    from engine.executor import run_line

    drift = render(run_line(bot.service, "info Sales on box", READER))
    assert "Drift: 1 missing (alice@acme.test) (ignored by U0OPS)" in drift


def test_ignore_typed_keeps_the_drift_and_info_shows_it(bot: Bot) -> None:
    from engine.executor import run_line

    pushed(bot, "Sales")
    bot.tenant.create_users(["stranger@acme.test"])
    bot.tenant.patch_members("Sales", add=["stranger@acme.test"])
    assert "nothing to ignore" in run_line(bot.service, "ignore Sales on box", OPERATOR).text
    scheduler_for(bot).drift_job()
    reply = run_line(bot.service, "ignore Sales on box", OPERATOR)
    assert reply.ok, reply.text
    info = render(run_line(bot.service, "info Sales on box", READER))
    assert "Drift: 1 unexpected (stranger@acme.test) (ignored by U0OPS)" in info
    assert "stranger@acme.test" in bot.tenant.member_logins("Sales")


def test_drift_that_goes_away_updates_its_alert(bot: Bot) -> None:
    pushed(bot, "Sales")
    bot.tenant.patch_members("Sales", remove=["alice@acme.test"])
    jobs = scheduler_for(bot)
    jobs.drift_job()
    [alert] = alerts(bot, "Drift")
    bot.tenant.patch_members("Sales", add=["alice@acme.test"])  # someone put it back
    jobs.drift_job()
    update = bot.slack.wait_for("chat.update", lambda c: c.args["ts"] == alert.result["ts"])
    assert "The drift is gone" in message_text(update)


def test_a_directory_change_is_pushed_by_the_sync_job_without_any_command(
        make_bot: Callable[..., Bot], tmp_path: Path) -> None:
    bot = make_bot()
    pushed(bot, "Sales")
    config_path = tmp_path / "grouppush.yml"
    config = yaml.safe_load(config_path.read_text())
    config["schedule"] = {"sync_seconds": 0.2, "drift_check_seconds": 3600,
                          "lease_seconds": 3}
    config_path.write_text(yaml.safe_dump(config))
    directory = small_directory()
    directory["groups"][0]["members"].append("u-dan")
    (tmp_path / "directory.yml").write_text(yaml.safe_dump(directory))
    service = build_service(load_config(config_path), f"sqlite:///{tmp_path / 'x.db'}")
    jobs = Scheduler(service, None)
    jobs.start()
    try:
        wait_until(lambda: "dan@acme.test" in bot.tenant.member_logins("Sales"))
    finally:
        jobs.stop()
    assert jobs.runs["sync"] >= 1


def test_a_wrong_token_posts_the_error_with_details_and_retry_fixes_it(bot: Bot) -> None:
    pushed(bot, "Sales")
    app = bot.service.apps["box"]
    assert isinstance(app, ScimApp)
    good = app.client.headers["Authorization"]
    app.client.headers["Authorization"] = "Bearer wrong-token-value"
    directory = small_directory()
    directory["groups"][0]["members"].append("u-dan")
    bot.service.directory.path.write_text(yaml.safe_dump(directory))  # type: ignore[attr-defined]
    jobs = scheduler_for(bot)
    jobs.sync_job()
    [alert] = alerts(bot, "Push failed")
    text = message_text(alert)
    for detail in ("Sales", "box", "sync", "HTTP 401", "Authorization failure",
                   "token or credentials"):
        assert detail in text
    assert "wrong-token-value" not in text
    retry = alert.args["blocks"][-1]["elements"][0]
    assert retry["text"]["text"] == "Retry"
    jobs.sync_job()
    assert len(alerts(bot, "Push failed")) == 1  # the same error is told once

    app.client.headers["Authorization"] = good
    bot.click(retry["action_id"], retry["value"], OPERATOR, channel=ALERTS,
              message_ts=alert.result["ts"])
    update = bot.slack.wait_for("chat.update", lambda c: c.args["ts"] == alert.result["ts"])
    assert "works again" in message_text(update)
    assert "dan@acme.test" in bot.tenant.member_logins("Sales")


def test_two_schedulers_on_one_postgresql_share_the_apps_and_take_over(
        make_bot: Callable[..., Bot], tmp_path: Path, postgres_url: str) -> None:
    url = postgres_url
    make_bot()  # writes the world into tmp_path: apps box and wiki
    config_path = tmp_path / "grouppush.yml"
    config = yaml.safe_load(config_path.read_text())
    # a sync tick with room between syncs: a lease is handed over only while its job is idle
    config["schedule"] = {"sync_seconds": 0.4, "drift_check_seconds": 3600,
                          "lease_seconds": 1.5}
    config_path.write_text(yaml.safe_dump(config))
    first = Scheduler(build_service(load_config(config_path), url), None, holder="first")
    second = Scheduler(build_service(load_config(config_path), url), None, holder="second")
    first.start()
    wait_until(lambda: first.ran["sync:box"] >= 1 and first.ran["sync:wiki"] >= 1)
    second.start()
    wait_until(lambda: first.held == {"sync:box", "drift:box"}
               and second.held == {"sync:wiki", "drift:wiki"})
    wiki_by_first, box_by_first = first.ran["sync:wiki"], first.ran["sync:box"]
    # both go on at once, each with its own app (ticks, not seconds: a loaded machine skips some)
    wait_until(lambda: first.ran["sync:box"] >= box_by_first + 3
               and second.ran["sync:wiki"] >= 3)
    assert first.ran["sync:wiki"] == wiki_by_first and second.ran["sync:box"] == 0

    first.scheduler.shutdown(wait=True)  # dies without handing over
    died = time.monotonic()
    wait_until(lambda: second.ran["sync:box"] >= 1, timeout=10)
    assert time.monotonic() - died < 1.5 + 1.0  # within lease_seconds (a sync tick, a busy box)
    second.stop()


def test_a_check_typed_in_slack_alerts_the_channel_and_the_job_does_not_repeat_it(
        bot: Bot) -> None:
    pushed(bot, "Sales")
    bot.tenant.patch_members("Sales", remove=["carol@acme.test"])
    bot.command("check box")
    bot.slack.wait_for("chat.postMessage", lambda c: c.args.get("channel") == ALERTS)
    [alert] = alerts(bot, "Drift")
    assert "carol@acme.test" in message_text(alert)
    scheduler_for(bot).drift_job()
    assert len(alerts(bot, "Drift")) == 1


def test_drift_found_by_the_command_line_is_alerted_by_the_next_job(bot: Bot) -> None:
    from engine.checks import check

    pushed(bot, "Sales")
    bot.tenant.patch_members("Sales", remove=["carol@acme.test"])
    reply, _ = check(bot.service, "box", "console")  # `grouppush check`, no Slack
    assert not reply.ok
    assert alerts(bot, "Drift") == []
    scheduler_for(bot).drift_job()
    assert len(alerts(bot, "Drift")) == 1


def test_info_logs_say_what_the_jobs_did_not_every_heartbeat(
        make_bot: Callable[..., Bot], tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    make_bot()
    config_path = tmp_path / "grouppush.yml"
    config = yaml.safe_load(config_path.read_text())
    config["schedule"] = {"sync_seconds": 3600, "drift_check_seconds": 3600,
                          "lease_seconds": 0.6}
    config_path.write_text(yaml.safe_dump(config))
    caplog.set_level(logging.INFO)
    jobs = Scheduler(build_service(load_config(config_path),
                                   f"sqlite:///{tmp_path / 'logs.db'}"), None, holder="one")
    jobs.start()
    time.sleep(1.2)  # six heartbeats
    jobs.stop()
    lines = [r.getMessage() for r in caplog.records]
    assert any(line.startswith("one runs ") for line in lines), lines
    assert not [line for line in lines if "Running job" in line or "executed" in line], lines
