"""The push dialog (search with autocomplete, app, memberships) and the rule dialog."""

from __future__ import annotations

from typing import Any

from tests.slack.conftest import CHANNEL, OPERATOR, READER, Bot
from tests.slack.standin import message_text


def selected(value: str, kind: str = "static_select") -> dict[str, Any]:
    return {"type": kind, "selected_option": {"text": {"type": "plain_text", "text": value},
                                              "value": value}}


def typed(value: str) -> dict[str, Any]:
    return {"type": "plain_text_input", "value": value}


def submitted(view: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    return {**view, "id": view.get("id", "V1"), "hash": "1.0", "state": {"values": values}}


def open_dialog(bot: Bot, text: str) -> dict[str, Any]:
    trigger = bot.trigger()
    bot.post(bot.command_body(text, trigger_id=trigger), "application/x-www-form-urlencoded")
    call = bot.slack.wait_for("views.open")
    assert call.args["trigger_id"] == trigger
    return {**call.args["view"], "id": call.result["view"]["id"]}


def submit(bot: Bot, view: dict[str, Any], values: dict[str, Any],
           user: str = OPERATOR) -> Any:
    response = bot.interact({"type": "view_submission", "user": {"id": user},
                             "trigger_id": bot.trigger(), "view": submitted(view, values),
                             "response_urls": []})
    assert response.status_code == 200
    return response.json() if response.content else None


def test_push_dialog_search_and_submit(bot: Bot) -> None:
    view = open_dialog(bot, "push")
    assert view["callback_id"] == "push_dialog" and view["private_metadata"] == CHANNEL

    response = bot.interact({"type": "block_suggestion", "user": {"id": OPERATOR},
                             "container": {"type": "view", "view_id": view["id"]},
                             "action_id": "group_select", "block_id": "group", "value": "sal",
                             "view": view})
    assert response.status_code == 200
    options = response.json()["options"]
    assert [(o["text"]["text"], o["value"]) for o in options] == [
        ("Sales", "g-sales"), ("Sales Ops", "g-sales-ops")]

    answer = submit(bot, view, {
        "group": {"group_select": selected("g-sales", "external_select")},
        "app": {"app_select": selected("box")},
        "memberships": {"memberships": {"type": "checkboxes", "selected_options": [
            {"text": {"type": "plain_text", "text": "Push"}, "value": "memberships"}]}}})
    assert answer is None  # an empty 200 closes the modal
    done = bot.slack.wait_for("chat.update", lambda c: "Pushed Sales" in message_text(c))
    assert done.args["channel"] == CHANNEL
    assert done.args["text"] == (f"<@{OPERATOR}>: Pushed Sales to box: created the group and "
                                 "pushed 3 members.")
    assert len(bot.tenant.member_logins("Sales")) == 3


def test_push_dialog_without_memberships(bot: Bot) -> None:
    view = open_dialog(bot, "push")
    submit(bot, view, {"group": {"group_select": selected("g-sales-ops", "external_select")},
                       "app": {"app_select": selected("wiki")},
                       "memberships": {"memberships": {"type": "checkboxes",
                                                       "selected_options": []}}})
    done = bot.slack.wait_for("chat.update", lambda c: "Pushed" in message_text(c))
    assert "members go at the next sync" in message_text(done)
    assert bot.tenant.member_logins("Sales Ops") == set()


def test_push_dialog_says_what_is_missing(bot: Bot) -> None:
    view = open_dialog(bot, "push")
    answer = submit(bot, view, {"group": {"group_select": {"type": "external_select",
                                                           "selected_option": None}},
                                "app": {"app_select": selected("box")}})
    assert answer == {"response_action": "errors",
                      "errors": {"group": "Choose a directory group."}}
    bot.slack.quiet()
    assert bot.slack.called("chat.postMessage") == []


def test_dialogs_are_for_operators(bot: Bot) -> None:
    bot.command("push", user=READER)
    refusal = bot.slack.wait_for("response_url")
    assert "Only operators may change pushes" in message_text(refusal)
    bot.slack.quiet()
    assert bot.slack.called("views.open") == []


def test_rule_dialog_previews_then_saves(bot: Bot) -> None:
    view = open_dialog(bot, "rule add")
    assert view["callback_id"] == "rule_dialog"
    values = {"name": {"rule_name": typed("sales teams")}, "app": {"app_select": selected("box")},
              "kind": {"rule_kind": selected("starts-with")},
              "pattern": {"rule_pattern": typed("sales")}}
    bot.click("rule_preview", "preview", OPERATOR, view=submitted(view, values))
    update = bot.slack.wait_for("views.update")
    assert update.args["view_id"] == view["id"] and update.args["hash"] == "1.0"
    preview = update.args["view"]["blocks"][-1]["text"]["text"]
    assert preview == ("*--starts-with sales* matches 2 groups, pushed when you save:\n"
                       "• Sales\n• Sales Ops")
    assert [b.get("block_id") for b in update.args["view"]["blocks"][:4]] == \
        ["name", "app", "kind", "pattern"]
    assert bot.tenant.groups() == {}

    assert submit(bot, view, values) is None
    done = bot.slack.wait_for("chat.update", lambda c: "Rule sales teams saved" in
                              message_text(c))
    assert "It matches 2 groups" in message_text(done)
    assert {"Sales", "Sales Ops"} <= set(bot.tenant.groups())


def test_rule_dialog_refuses_a_bad_expression(bot: Bot) -> None:
    view = open_dialog(bot, "rule add")
    values = {"name": {"rule_name": typed("broken")}, "app": {"app_select": selected("box")},
              "kind": {"rule_kind": selected("regex")}, "pattern": {"rule_pattern": typed("(")}}
    bot.click("rule_pattern", "", OPERATOR, view=submitted(view, values))
    update = bot.slack.wait_for("views.update")
    assert "Preview: the regular expression is not valid" in message_text(update)
    answer = submit(bot, view, values)
    assert answer["response_action"] == "errors"
    assert answer["errors"]["pattern"].startswith("The regular expression is not valid")


def test_an_assignment_group_comes_last_marked_and_is_refused_in_the_dialog(bot: Bot) -> None:
    view = open_dialog(bot, "push")
    response = bot.interact({"type": "block_suggestion", "user": {"id": OPERATOR},
                             "container": {"type": "view", "view_id": view["id"]},
                             "action_id": "group_select", "block_id": "group", "value": "",
                             "view": view})
    labels = [o["text"]["text"] for o in response.json()["options"]]
    assert labels[-1] == "IT — assignments of box", labels
    answer = submit(bot, view, {"group": {"group_select": selected("g-it", "external_select")},
                                "app": {"app_select": selected("box")}})
    assert answer["response_action"] == "errors"
    assert "used for app assignments of box" in answer["errors"]["group"]
    bot.slack.quiet()
    assert bot.slack.called("chat.postMessage") == []  # no public "working…" first
    assert "IT" not in bot.tenant.groups()
