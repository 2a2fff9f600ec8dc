"""Approvals in Slack: request messages, the buttons, the policy, retries and double clicks."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import yaml

from engine.approvals import requests
from storage import repo
from storage.models import ApprovalRequest
from tests.slack.conftest import APPROVER, APPROVER2, CHANNEL, OPERATOR, Bot, small_directory
from tests.slack.standin import Call, message_text


def pushed(bot: Bot, group: str) -> None:
    bot.command(f"push {group} to box")
    bot.slack.wait_for("chat.update", lambda c: f"Pushed {group} " in message_text(c))


def ask(bot: Bot, text: str, user: str) -> tuple[str, Call]:
    """Type a command that needs approval; the request id and its channel message."""
    bot.command(text, user=user)
    call = bot.slack.wait_for("chat.postMessage", lambda c: "Approval needed" in message_text(c))
    request_id = call.args["blocks"][-1]["elements"][0]["value"]
    attached(bot, request_id)
    return request_id, call


def attached(bot: Bot, request_id: str) -> ApprovalRequest:
    """The request once its channel message is attached to it."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        request = requests.get_request(bot.service, request_id)
        if request is not None and request.message_ts:
            return request
        time.sleep(0.02)
    raise AssertionError(f"request {request_id} never got its message")


def refusals(bot: Bot) -> list[str]:
    return [message_text(c) for c in bot.slack.called("response_url")
            if c.args.get("response_type") == "ephemeral"]


def unlinks(bot: Bot) -> list[Any]:
    with bot.service.db.session() as session:
        return [e for e in repo.recent_audit(session, 100) if e.action == "unlink"]


def test_the_whole_story_push_unlink_delete_refuse_self_approval_approve(bot: Bot) -> None:
    pushed(bot, "Sales")
    assert "Sales" in bot.tenant.groups()

    request_id, message = ask(bot, "unlink Sales from box --delete", APPROVER)
    assert message.args["channel"] == CHANNEL
    assert message.args["text"] == ("Approval needed: unlink Sales from box and delete the app "
                                    "group with its memberships")
    approve, deny = message.args["blocks"][-1]["elements"]
    assert approve["confirm"]["title"]["text"] == "Delete in the app?"
    assert deny["confirm"]["title"]["text"] == "Deny the request?"
    stored = attached(bot, request_id)
    assert (stored.channel, stored.message_ts) == (CHANNEL, message.result["ts"])

    bot.click("approval_approve", request_id, APPROVER, message_ts=message.result["ts"])
    refusal = bot.slack.wait_for("response_url", lambda c: "yourself" in message_text(c))
    assert refusal.args["response_type"] == "ephemeral"
    assert refusal.args["replace_original"] is False
    assert f"You asked for request {request_id} yourself" in message_text(refusal)
    bot.click("approval_approve", request_id, OPERATOR, message_ts=message.result["ts"])
    bot.slack.wait_for("response_url", lambda c: "Only approvers may approve" in message_text(c))
    bot.slack.quiet()
    assert bot.slack.called("chat.update")[-1].args["ts"] != message.result["ts"]
    assert "Sales" in bot.tenant.groups()

    bot.click("approval_approve", request_id, APPROVER2, message_ts=message.result["ts"])
    updated = bot.slack.wait_for("chat.update", lambda c: c.args["ts"] == message.result["ts"])
    assert updated.args["channel"] == CHANNEL
    assert all(block["type"] != "actions" for block in updated.args["blocks"])
    shown = message_text(updated)
    assert f":white_check_mark: *Approved* by <@{APPROVER2}>: Sales deleted from box." in shown
    assert "Sales" not in bot.tenant.groups()
    bot.command("list")
    bot.slack.wait_for("response_url", lambda c: "No groups are pushed yet" in message_text(c))


def test_a_double_click_approves_once(bot: Bot) -> None:
    pushed(bot, "Sales")
    request_id, message = ask(bot, "unlink Sales from box --delete", OPERATOR)
    clicks = [threading.Thread(target=bot.click, args=("approval_approve", request_id,
                                                       APPROVER),
                               kwargs={"message_ts": message.result["ts"]}) for _ in range(2)]
    for click in clicks:
        click.start()
    for click in clicks:
        click.join()
    bot.slack.wait_for("chat.update", lambda c: c.args["ts"] == message.result["ts"])
    bot.slack.wait_for("response_url", lambda c: "already approved" in message_text(c))
    bot.slack.quiet(0.5)
    assert len([c for c in bot.slack.called("chat.update")
                if c.args["ts"] == message.result["ts"]]) == 1
    assert len(unlinks(bot)) == 1
    assert "Sales" not in bot.tenant.groups()


def test_a_retried_click_runs_once(bot: Bot) -> None:
    pushed(bot, "Sales")
    request_id, message = ask(bot, "unlink Sales from box --keep", OPERATOR)
    trigger = bot.trigger()
    for retry in (None, "1"):
        payload_headers = {"X-Slack-Retry-Num": retry} if retry else None
        response = bot.interact({
            "type": "block_actions", "user": {"id": APPROVER}, "trigger_id": trigger,
            "container": {"type": "message", "message_ts": message.result["ts"],
                          "channel_id": CHANNEL}, "channel": {"id": CHANNEL},
            "response_url": bot.slack.response_url(),
            "actions": [{"action_id": "approval_approve", "block_id": "b", "value": request_id,
                         "type": "button", "action_ts": "1700000001.000001"}]},
            headers=payload_headers)
        assert response.status_code == 200
    bot.slack.wait_for("chat.update", lambda c: c.args["ts"] == message.result["ts"])
    bot.slack.quiet(0.5)
    assert refusals(bot) == []
    assert len(unlinks(bot)) == 1
    assert "Sales" in bot.tenant.groups()


def test_deny_by_typing_updates_the_request_message(bot: Bot) -> None:
    pushed(bot, "Sales")
    request_id, message = ask(bot, "unlink Sales from box --delete", OPERATOR)
    bot.command(f"deny {request_id}", user=APPROVER)
    posted = bot.slack.wait_for("chat.postMessage", lambda c: "denied" in message_text(c))
    assert posted.args["text"].startswith(f"<@{APPROVER}>: Request {request_id} denied")
    updated = bot.slack.wait_for("chat.update", lambda c: c.args["ts"] == message.result["ts"])
    assert f":x: *Denied* by <@{APPROVER}>" in message_text(updated)
    bot.click("approval_approve", request_id, APPROVER2, message_ts=message.result["ts"])
    late = bot.slack.wait_for("response_url", lambda c: "already denied" in message_text(c))
    assert late.args["response_type"] == "ephemeral"
    assert "Sales" in bot.tenant.groups()


def test_bulk_delete_is_a_request_then_deletes_every_group(bot: Bot) -> None:
    pushed(bot, "Sales")
    pushed(bot, "Marketing")
    request_id, message = ask(bot, "bulk delete box Sales Marketing", OPERATOR)
    assert "delete 2 pushed groups from box: Sales, Marketing" in message_text(message)
    assert "confirm" in message.args["blocks"][-1]["elements"][0]
    bot.click("approval_approve", request_id, APPROVER, message_ts=message.result["ts"])
    updated = bot.slack.wait_for("chat.update", lambda c: c.args["ts"] == message.result["ts"])
    assert "Sales, Marketing deleted from box." in message_text(updated)
    assert not {"Sales", "Marketing"} & set(bot.tenant.groups())


def test_a_sync_holding_a_mass_removal_posts_a_request(make_bot: Callable[..., Bot]) -> None:
    directory = small_directory()
    field = [{"id": f"u-f{i:02d}", "login": f"f{i:02d}@acme.test", "status": "ACTIVE"}
             for i in range(25)]
    directory["users"] += field
    directory["groups"].append({"id": "g-field", "name": "Field",
                                "members": [u["id"] for u in field]})
    bot = make_bot(directory, app_users=[u["login"] for u in field])
    pushed(bot, "Field")
    directory["groups"][-1]["members"] = [u["id"] for u in field[:5]]
    path = bot.service.config.base_dir / "directory.yml"
    path.write_text(yaml.safe_dump(directory, sort_keys=False))

    request_id, message = ask(bot, "sync box", OPERATOR)
    synced = bot.slack.wait_for("chat.update", lambda c: "Synced box" in message_text(c))
    assert "1 held for approval" in message_text(synced)
    assert "let the sync remove 20 of 25 members of Field on box" in message_text(message)
    assert len(bot.tenant.member_logins("Field")) == 25

    bot.click("approval_approve", request_id, APPROVER, message_ts=message.result["ts"])
    updated = bot.slack.wait_for("chat.update", lambda c: c.args["ts"] == message.result["ts"])
    assert "synced Field on box: +0 -20." in message_text(updated)
    assert len(bot.tenant.member_logins("Field")) == 5


def test_requests_withdraw_and_a_second_request_in_slack(bot: Bot) -> None:
    pushed(bot, "Sales")
    request_id, message = ask(bot, "unlink Sales from box --delete", OPERATOR)
    assert "delete box's group Sales" in message_text(message)  # the plan it carries out
    bot.command("unlink Sales from box --keep", user=OPERATOR)
    bot.slack.wait_for("response_url", lambda c: f"Request {request_id} is already pending"
                       in message_text(c))
    bot.command("requests", user=APPROVER)
    listed = bot.slack.wait_for("response_url", lambda c: "Pending approval requests"
                                in message_text(c))
    assert listed.args.get("response_type") == "ephemeral" and request_id in message_text(listed)
    bot.command(f"withdraw {request_id}", user=OPERATOR)
    update = bot.slack.wait_for("chat.update", lambda c: c.args["ts"] == message.result["ts"])
    assert "Withdrawn" in message_text(update)
    assert not any(b.get("type") == "actions" for b in update.args["blocks"])
    assert "Sales" in bot.tenant.groups()
