"""A push failing at its first request, and a sync held for approval, as Slack shows them."""

from __future__ import annotations

from dataclasses import replace

import yaml

from bot.views.words import render
from connectors.scim import ScimApp
from engine.executor import run_line
from tests.slack.conftest import APPROVER, OPERATOR, READER, Bot, small_directory
from tests.slack.standin import message_text
from tests.slack.test_scheduler import ALERTS, alerts, pushed, scheduler_for


def test_a_push_failing_at_its_first_request_has_details_retry_and_one_alert(bot: Bot) -> None:
    app = bot.service.apps["box"]
    assert isinstance(app, ScimApp)
    good = app.client.headers["Authorization"]
    app.client.headers["Authorization"] = "Bearer wrong-token-value"
    bot.command("push Sales to box")
    reply = bot.slack.wait_for("chat.update", lambda c: "Failed" in message_text(c))
    assert "HTTP 401" in message_text(reply) and "info Sales on box" in message_text(reply)
    [retry] = [e for b in reply.args["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert retry["text"]["text"] == "Retry"
    assert "Sales" not in bot.tenant.groups()
    info = render(run_line(bot.service, "info Sales on box", READER))
    for detail in ("Error: ", "Operation: push", "App status: 401", "token or credentials"):
        assert detail in info, info
    bot.slack.wait_for("chat.postMessage", lambda c: c.args.get("channel") == ALERTS)
    [alert] = alerts(bot, "Push failed")
    assert "wrong-token-value" not in message_text(alert)
    scheduler_for(bot).sync_job()  # fails the same way: told once
    assert len(alerts(bot, "Push failed")) == 1

    app.client.headers["Authorization"] = good
    bot.click(retry["action_id"], retry["value"], OPERATOR, message_ts=reply.args["ts"])
    bot.slack.wait_for("chat.update", lambda c: c.args["ts"] == alert.result["ts"])
    assert bot.tenant.member_logins("Sales") == {"alice@acme.test", "bob@acme.test",
                                                 "carol@acme.test"}
    assert bot.tenant.group_count("Sales") == 1
    assert "Error: none" in render(run_line(bot.service, "info Sales on box", READER))


def test_a_name_clash_at_the_first_push_leaves_no_push_behind(bot: Bot) -> None:
    bot.tenant.create_group("Sales")
    reply = run_line(bot.service, "push Sales to box", OPERATOR)
    assert reply.status == "refused" and "already has a group named Sales" in reply.text
    assert "No groups are pushed" in render(run_line(bot.service, "list", READER))
    assert bot.tenant.group_count("Sales") == 1


def test_a_held_sync_posts_its_request_to_the_alerts_channel(bot: Bot) -> None:
    pushed(bot, "Sales")
    config = bot.service.config
    bot.service.config = replace(config, safety=replace(  # the directory-loss guard off
        config.safety, min_group_size=1, max_directory_loss=1.0))
    directory = small_directory()
    directory["groups"][0]["members"] = ["u-alice"]  # 2 of 3 would go
    bot.service.directory.path.write_text(yaml.safe_dump(directory))  # type: ignore[attr-defined]
    jobs = scheduler_for(bot)
    jobs.sync_job()
    [request] = alerts(bot, "Approval needed")
    assert "remove 2 of 3" in message_text(request)
    approve = request.args["blocks"][-1]["elements"][0]
    assert approve["text"]["text"] == "Approve"
    assert len(bot.tenant.member_logins("Sales")) == 3  # nothing removed yet
    jobs.sync_job()
    assert len(alerts(bot, "Approval needed")) == 1  # one request, posted once

    bot.click(approve["action_id"], approve["value"], APPROVER, channel=ALERTS,
              message_ts=request.result["ts"])
    update = bot.slack.wait_for("chat.update", lambda c: c.args["ts"] == request.result["ts"])
    assert "Approved" in message_text(update)
    assert bot.tenant.member_logins("Sales") == {"alice@acme.test"}
