"""One error policy, whoever started the work: an app failing at any step of sync, check,
bulk delete, repush, an approval or Push now is recorded once with its Information details
(`info` shows them), the run carries on, Retry works once the app is fixed, and the alerts
channel gets exactly one post. The app is a real scim2-server behind a proxy that fails the
chosen requests."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from urllib.parse import unquote

import pytest
import yaml
from sqlmodel import select

from bot.views.words import render
from connectors.scim import ScimApp
from engine.executor import run_line
from storage.models import PushMapping
from tests.proxy import Breaker, ScimProxy, breaking
from tests.slack.conftest import APPROVER, OPERATOR, READER, Bot, small_directory
from tests.slack.standin import Call, message_text
from tests.slack.test_approvals import ask
from tests.slack.test_scheduler import ALERTS, alerts, pushed, scheduler_for, wait_until


@pytest.fixture
def breaker(bot: Bot) -> Iterator[Breaker]:
    app = bot.service.apps["box"]
    assert isinstance(app, ScimApp)
    with breaking(app) as failing:
        app.http.backoff = 0.01  # a 5xx is retried a few times; quickly here
        yield failing


def info(bot: Bot, group: str = "Sales") -> str:
    return render(run_line(bot.service, f"info {group} on box", READER))


def one_alert(bot: Bot) -> Call:
    """The one "Push failed" post, once it came; a scheduled job after it posts no other."""
    bot.slack.wait_for("chat.postMessage", lambda c: c.args.get("channel") == ALERTS
                       and "Push failed" in message_text(c))
    scheduler_for(bot).drift_job()
    [alert] = alerts(bot, "Push failed")
    return alert


def retry_works(bot: Bot, alert: Call, fixed: Breaker) -> None:
    fixed.failing.clear()
    retry = alert.args["blocks"][-1]["elements"][0]
    assert retry["text"]["text"] == "Retry"
    bot.click(retry["action_id"], retry["value"], OPERATOR, channel=ALERTS,
              message_ts=alert.result["ts"])
    update = bot.slack.wait_for("chat.update", lambda c: c.args["ts"] == alert.result["ts"]
                                and "works again" in message_text(c))
    assert "Retry" not in str(update.args["blocks"])
    assert "Error: none" in info(bot)
    assert len(alerts(bot, "Push failed")) == 1


def group_id(bot: Bot, name: str) -> str:
    return bot.tenant.groups()[name]


def write_directory(bot: Bot, directory: dict[str, object]) -> None:
    bot.service.directory.path.write_text(yaml.safe_dump(directory))  # type: ignore[attr-defined]


def test_a_sync_failing_on_one_group_records_it_carries_on_and_alerts_once(
        bot: Bot, breaker: Breaker) -> None:
    pushed(bot, "Sales")
    pushed(bot, "Marketing")
    directory = small_directory()
    directory["groups"][0]["members"].append("u-dan")
    directory["groups"][2]["members"].append("u-dan")
    write_directory(bot, directory)
    breaker.status = 500
    breaker.failing.append(("PATCH", f"/Groups/{group_id(bot, 'Sales')}"))
    bot.command("sync box")
    reply = bot.slack.wait_for("chat.update", lambda c: "Synced box" in message_text(c))
    assert "1 error" in message_text(reply) and "HTTP 500" in message_text(reply)
    assert "dan@acme.test" in bot.tenant.member_logins("Marketing")  # the run carried on
    assert "dan@acme.test" not in bot.tenant.member_logins("Sales")
    for detail in ("Operation: sync", "App status: 500", "Error: "):
        assert detail in info(bot)
    alert = one_alert(bot)
    assert "sync" in message_text(alert) and "HTTP 500" in message_text(alert)
    retry_works(bot, alert, breaker)
    assert "dan@acme.test" in bot.tenant.member_logins("Sales")


def test_a_check_failing_at_its_first_request_is_recorded_and_alerted_once(
        bot: Bot, breaker: Breaker) -> None:
    pushed(bot, "Sales")
    breaker.failing.append(("GET", f"/Groups/{group_id(bot, 'Sales')}"))
    bot.command("check box")
    reply = bot.slack.wait_for("chat.update", lambda c: "could not complete" in message_text(c))
    assert "HTTP 401" in message_text(reply)
    for detail in ("Operation: drift check", "App status: 401", "token or credentials"):
        assert detail in info(bot)
    retry_works(bot, one_alert(bot), breaker)


def test_a_repush_failing_is_recorded_and_alerted_once(bot: Bot, breaker: Breaker) -> None:
    pushed(bot, "Sales")
    directory = small_directory()
    directory["users"][0]["status"] = "SUSPENDED"  # alice
    write_directory(bot, directory)
    bot.service.kept.refresh()
    breaker.failing.append(("PATCH", "/Groups/"))
    bot.command("repush alice@acme.test")
    reply = bot.slack.wait_for("chat.update", lambda c: "Repushed" in message_text(c))
    assert "✗ Sales on box: box refused removing 1 members (HTTP 401)" in message_text(reply)
    assert "Operation: repush" in info(bot)
    assert "alice@acme.test" in bot.tenant.member_logins("Sales")
    retry_works(bot, one_alert(bot), breaker)
    assert "alice@acme.test" not in bot.tenant.member_logins("Sales")


def test_an_approved_bulk_delete_failing_on_one_group_is_recorded_and_alerted_once(
        bot: Bot, breaker: Breaker) -> None:
    pushed(bot, "Sales")
    pushed(bot, "Marketing")
    request_id, message = ask(bot, "bulk delete box Sales Marketing", OPERATOR)
    breaker.failing.append(("DELETE", f"/Groups/{group_id(bot, 'Sales')}"))
    bot.click("approval_approve", request_id, APPROVER, message_ts=message.result["ts"])
    updated = bot.slack.wait_for("chat.update", lambda c: c.args["ts"] == message.result["ts"])
    assert "but it failed" in message_text(updated)
    assert "Marketing deleted from box. Failed: Sales: " in message_text(updated)
    assert "HTTP 401" in message_text(updated)
    assert set(bot.tenant.groups()) == {"Sales"}  # the next group went all the same
    for detail in ("Operation: delete", "App status: 401"):
        assert detail in info(bot)
    retry_works(bot, one_alert(bot), breaker)


def test_push_now_from_a_drift_alert_failing_is_told_recorded_and_alerted_once(
        bot: Bot, breaker: Breaker) -> None:
    pushed(bot, "Sales")
    bot.tenant.patch_members("Sales", remove=["bob@acme.test"])
    scheduler_for(bot).drift_job()
    [drift] = alerts(bot, "Drift")
    push_now = drift.args["blocks"][1]["elements"][0]
    breaker.failing.append(("GET", f"/Groups/{group_id(bot, 'Sales')}"))
    bot.click(push_now["action_id"], push_now["value"], OPERATOR, channel=ALERTS,
              message_ts=drift.result["ts"])
    told = bot.slack.wait_for("response_url", lambda c: "Failed" in message_text(c))
    assert told.args.get("response_type") == "ephemeral"
    assert "HTTP 401" in message_text(told) and "info Sales on box" in message_text(told)
    assert "Operation: push now" in info(bot)
    retry_works(bot, one_alert(bot), breaker)


def test_a_failure_answered_in_the_alerts_channel_is_not_posted_there_again(
        bot: Bot, breaker: Breaker) -> None:
    breaker.failing.append(("GET", "displayName"))  # the push's very first request
    bot.command("push Sales to box", channel=ALERTS)
    reply = bot.slack.wait_for("chat.update", lambda c: "Failed" in message_text(c))
    assert reply.args["channel"] == ALERTS and "Retry" in str(reply.args["blocks"])
    assert "Operation: push" in info(bot)

    def adopted() -> bool:
        with bot.service.db.session() as session:
            [mapping] = session.exec(select(PushMapping)).all()
            return bool(mapping.error_alert_ts == reply.args["ts"])

    wait_until(adopted)
    scheduler_for(bot).sync_job()
    assert alerts(bot, "Push failed") == []  # the answer with its Retry is the alert
    breaker.failing.clear()
    retry = [e for b in reply.args["blocks"] if b["type"] == "actions" for e in b["elements"]]
    bot.click(retry[0]["action_id"], retry[0]["value"], OPERATOR, channel=ALERTS,
              message_ts=reply.args["ts"])
    bot.slack.wait_for("chat.update", lambda c: c.args["ts"] == reply.args["ts"]
                       and "works again" in message_text(c))
    assert bot.tenant.member_logins("Sales") == {"alice@acme.test", "bob@acme.test",
                                                 "carol@acme.test"}


def test_a_new_push_looks_its_app_group_up_once(bot: Bot) -> None:
    app = bot.service.apps["box"]
    assert isinstance(app, ScimApp)
    proxy = ScimProxy(app.base)
    app.base = proxy.url.rstrip("/")
    try:
        assert run_line(bot.service, "push Sales to box", OPERATOR).ok
    finally:
        proxy.stop()
    lookups = [s for s in proxy.seen if s.method == "GET" and "/Groups?" in s.path]
    assert len(lookups) == 1, [f"{s.method} {unquote(s.path)}" for s in proxy.seen]


def test_an_approved_held_sync_failing_is_recorded_and_its_retry_asks_again(
        bot: Bot, breaker: Breaker) -> None:
    pushed(bot, "Sales")
    config = bot.service.config
    bot.service.config = replace(config, safety=replace(  # the directory-loss guard off
        config.safety, min_group_size=1, max_directory_loss=1.0))
    directory = small_directory()
    directory["groups"][0]["members"] = ["u-alice"]  # 2 of 3 would go: held
    write_directory(bot, directory)
    scheduler_for(bot).sync_job()
    [request] = alerts(bot, "Approval needed")
    approve = request.args["blocks"][-1]["elements"][0]
    breaker.failing.append(("PATCH", "/Groups/"))
    bot.click(approve["action_id"], approve["value"], APPROVER, channel=ALERTS,
              message_ts=request.result["ts"])
    update = bot.slack.wait_for("chat.update", lambda c: c.args["ts"] == request.result["ts"])
    assert "but it failed" in message_text(update) and "HTTP 401" in message_text(update)
    assert "Operation: sync" in info(bot)
    alert = one_alert(bot)

    breaker.failing.clear()
    retry = alert.args["blocks"][-1]["elements"][0]
    bot.click(retry["action_id"], retry["value"], OPERATOR, channel=ALERTS,
              message_ts=alert.result["ts"])
    told = bot.slack.wait_for("response_url", lambda c: "is held" in message_text(c))
    assert "a sync would remove 2 of 3 members" in message_text(told)
    again = bot.slack.wait_for("chat.postMessage", lambda c: c.args.get("channel") == ALERTS
                               and "Approval needed" in message_text(c)
                               and c.result["ts"] != request.result["ts"])
    assert len(bot.tenant.member_logins("Sales")) == 3  # nothing removed without approval
    approve = again.args["blocks"][-1]["elements"][0]
    bot.click(approve["action_id"], approve["value"], APPROVER, channel=ALERTS,
              message_ts=again.result["ts"])
    bot.slack.wait_for("chat.update", lambda c: c.args["ts"] == alert.result["ts"]
                       and "later push succeeded" in message_text(c))
    assert bot.tenant.member_logins("Sales") == {"alice@acme.test"}
    assert "Error: none" in info(bot)
    assert len(alerts(bot, "Push failed")) == 1
