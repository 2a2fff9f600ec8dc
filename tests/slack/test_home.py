"""The App Home tab: published on app_home_opened, with pending approvals and their buttons."""

from __future__ import annotations

import time

from tests.slack.conftest import APPROVER, OPERATOR, Bot
from tests.slack.standin import message_text
from tests.slack.test_approvals import ask, pushed


def open_home(bot: Bot, user: str, event_id: str) -> None:
    event = {"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home",
             "event_ts": f"{time.time():.6f}"}
    assert bot.event(event, event_id=event_id).status_code == 200


def test_home_is_a_dashboard_per_app(bot: Bot) -> None:
    open_home(bot, OPERATOR, "Ev1")
    empty = bot.slack.wait_for("views.publish")
    assert empty.args["user_id"] == OPERATOR
    assert empty.args["view"]["type"] == "home"
    assert "Nothing pushed to box yet" in message_text(empty)

    pushed(bot, "Sales")
    request_id, _ = ask(bot, "unlink Sales from box --keep", OPERATOR)
    open_home(bot, APPROVER, "Ev2")
    home = bot.slack.wait_for("views.publish", lambda c: c.args["user_id"] == APPROVER)
    text = message_text(home)
    assert "*Sales* — :large_green_circle: active · 3 members · last push" in text
    assert "Waiting for approval" in text and "unlink Sales from box" in text
    buttons = [b for b in home.args["view"]["blocks"] if b["type"] == "actions"]
    assert [e["value"] for e in buttons[0]["elements"]] == [request_id, request_id]

    view = {**home.args["view"], "id": home.result["view"]["id"]}
    bot.click("approval_approve", request_id, APPROVER, view=view)
    again = bot.slack.wait_for("views.publish", lambda c: c.args["user_id"] == APPROVER
                               and "Waiting for approval" not in message_text(c))
    assert "Nothing pushed to box yet" in message_text(again)
    assert "Sales" in bot.tenant.groups()  # --keep leaves it in the app


def test_a_refused_click_on_home_is_told_privately(bot: Bot) -> None:
    pushed(bot, "Sales")
    request_id, _ = ask(bot, "unlink Sales from box --keep", OPERATOR)
    open_home(bot, OPERATOR, "Ev3")
    home = bot.slack.wait_for("views.publish")
    bot.click("approval_approve", request_id, OPERATOR,
              view={**home.args["view"], "id": home.result["view"]["id"]})
    dm = bot.slack.wait_for("chat.postMessage", lambda c: c.args["channel"] == OPERATOR)
    assert "Only approvers may approve" in message_text(dm)
