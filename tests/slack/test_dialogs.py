"""The push dialog (search with autocomplete, app, memberships) and the rule dialog."""

from __future__ import annotations

import json
import time
from typing import Any

from tests.slack.conftest import CHANNEL, OPERATOR, READER, Bot
from tests.slack.standin import Call, message_text


def selected(value: str, kind: str = "static_select") -> dict[str, Any]:
    return {"type": kind, "selected_option": {"text": {"type": "plain_text", "text": value},
                                              "value": value}}


def typed(value: str) -> dict[str, Any]:
    return {"type": "plain_text_input", "value": value}


def submitted(view: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    return {**view, "id": view.get("id", "V1"), "hash": view.get("hash", "1.0"),
            "state": {"values": values}}


def open_dialog(bot: Bot, text: str) -> dict[str, Any]:
    trigger = bot.trigger()
    bot.post(bot.command_body(text, trigger_id=trigger), "application/x-www-form-urlencoded")
    call = bot.slack.wait_for("views.open")
    assert call.args["trigger_id"] == trigger
    return {**call.args["view"], "id": call.result["view"]["id"],
            "hash": call.result["view"]["hash"]}


def push_values(group: str, app: str, memberships: bool = True) -> dict[str, Any]:
    ticked = [{"text": {"type": "plain_text", "text": "Push"}, "value": "memberships"}]
    return {"group": {"group_select": selected(group, "external_select")},
            "app": {"app_select": selected(app)},
            "memberships": {"memberships": {"type": "checkboxes",
                                            "selected_options": ticked if memberships else []}}}


def choose(bot: Bot, view: dict[str, Any], values: dict[str, Any], block: str) -> None:
    """A choice in the push dialog, dispatched as Slack does (dispatch_action)."""
    action_id, state = next(iter(values[block].items()))
    bot.interact({"type": "block_actions", "user": {"id": OPERATOR}, "trigger_id": bot.trigger(),
                  "container": {"type": "view", "view_id": view["id"]},
                  "view": submitted(view, values),
                  "actions": [{**state, "action_id": action_id, "block_id": block,
                               "action_ts": f"{time.time():.6f}"}]})


def shown(update: Call) -> dict[str, Any]:
    """The modal as a views.update left it."""
    return {**update.args["view"], "id": update.args["view_id"],
            "hash": update.result["view"]["hash"]}


def plan_text(update: Call) -> str:
    return next(b["text"]["text"] for b in update.args["view"]["blocks"]
                if b.get("block_id") == "plan")


def choose_and_see(bot: Bot, view: dict[str, Any], values: dict[str, Any],
                   block: str = "app") -> dict[str, Any]:
    """Choose, wait for the modal to show the plan of that choice, return the modal."""
    return shown(choose_and_wait(bot, view, values, block))


def choose_and_wait(bot: Bot, view: dict[str, Any], values: dict[str, Any],
                    block: str = "app") -> Call:
    """Choose, and the views.update that answered that choice."""
    before = {id(c) for c in bot.slack.called("views.update")}
    choose(bot, view, values, block)
    return bot.slack.wait_for("views.update", lambda c: id(c) not in before
                              and c.result.get("ok") is True)


def submit(bot: Bot, view: dict[str, Any], values: dict[str, Any],
           user: str = OPERATOR) -> Any:
    response = bot.interact({"type": "view_submission", "user": {"id": user},
                             "trigger_id": bot.trigger(), "view": submitted(view, values),
                             "response_urls": []})
    assert response.status_code == 200
    return response.json() if response.content else None


def test_push_dialog_search_and_submit(bot: Bot) -> None:
    view = open_dialog(bot, "push")
    assert view["callback_id"] == "push_dialog"
    assert json.loads(view["private_metadata"]) == {"channel": CHANNEL}

    response = bot.interact({"type": "block_suggestion", "user": {"id": OPERATOR},
                             "container": {"type": "view", "view_id": view["id"]},
                             "action_id": "group_select", "block_id": "group", "value": "sal",
                             "view": view})
    assert response.status_code == 200
    options = response.json()["options"]
    assert [(o["text"]["text"], o["value"]) for o in options] == [
        ("Sales", "g-sales"), ("Sales Ops", "g-sales-ops")]

    view = choose_and_see(bot, view, push_values("g-sales", "box"))
    answer = submit(bot, view, push_values("g-sales", "box"))
    assert answer is None  # an empty 200 closes the modal
    done = bot.slack.wait_for("chat.update", lambda c: "Pushed Sales" in message_text(c))
    assert done.args["channel"] == CHANNEL
    assert done.args["text"] == (f"<@{OPERATOR}>: Pushed Sales to box: created the group and "
                                 "pushed 3 members.")
    assert len(bot.tenant.member_logins("Sales")) == 3


def test_push_dialog_without_memberships(bot: Bot) -> None:
    view = open_dialog(bot, "push")
    values = push_values("g-sales-ops", "wiki", memberships=False)
    update = choose_and_wait(bot, view, values, "memberships")
    assert "Members go at the next sync." in message_text(update)
    view = shown(update)
    assert submit(bot, view, values) is None
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
    assert update.args["view_id"] == view["id"] and update.args["hash"] == view["hash"]
    preview = update.args["view"]["blocks"][-1]["text"]["text"]
    assert preview == ("*--starts-with sales* matches 2 groups, pushed when you save:\n"
                       "• Sales\n• Sales Ops")
    assert [b.get("block_id") for b in update.args["view"]["blocks"][:4]] == \
        ["name", "app", "kind", "pattern"]
    assert bot.tenant.groups() == {}

    assert submit(bot, view, values) is None
    done = bot.slack.wait_for("chat.update", lambda c: 'Rule "sales teams" saved' in
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


def test_push_dialog_shows_the_plan_and_push_carries_it_out(make_bot: Any) -> None:
    bot = make_bot(app_users=["alice@acme.test", "bob@acme.test", "dan@acme.test"])
    view = open_dialog(bot, "push")
    only_group = {"group": {"group_select": selected("g-sales", "external_select")},
                  "app": {"app_select": {"type": "static_select", "selected_option": None}}}
    choose(bot, view, only_group, "group")
    values = push_values("g-sales", "box")
    update = choose_and_wait(bot, view, values)
    assert update.args["view_id"] == view["id"] and update.args["hash"] == view["hash"]
    assert plan_text(update) == (
        "*Plan* — nothing is written until you press Push:\n"
        "• Create box's group *Sales*\n"
        "• Add 2 members: alice@acme.test, bob@acme.test\n"
        "• Skip 1 person box does not know (no box user has their login): carol@acme.test")
    assert [b.get("block_id") for b in update.args["view"]["blocks"][:3]] == \
        ["group", "app", "memberships"]  # Slack keeps what was chosen in these
    assert bot.tenant.groups() == {}  # choosing wrote nothing
    assert len(bot.slack.called("views.update")) == 1  # the group alone had no plan to show

    assert submit(bot, shown(update), values) is None
    bot.slack.wait_for("chat.update", lambda c: "Pushed Sales" in message_text(c))
    assert bot.tenant.member_logins("Sales") == {"alice@acme.test", "bob@acme.test"}


def test_push_dialog_shows_a_refusal_and_push_changes_nothing(bot: Bot) -> None:
    dan = next(uid for uid, login in bot.tenant.users().items() if login == "dan@acme.test")
    bot.tenant.create_group("Sales", [dan])
    view = open_dialog(bot, "push")
    values = push_values("g-sales", "box")
    update = choose_and_wait(bot, view, values)
    assert plan_text(update).startswith(":no_entry_sign: *Cannot push:*")
    assert "already" in plan_text(update) and "Sales" in plan_text(update)

    answer = submit(bot, shown(update), values)
    assert answer["response_action"] == "errors"
    assert "already" in answer["errors"]["group"]
    bot.slack.quiet()
    assert bot.slack.called("chat.postMessage") == []
    assert bot.tenant.member_logins("Sales") == {"dan@acme.test"}

    it = push_values("g-it", "box")
    update = choose_and_wait(bot, shown(update), it, "group")
    assert "used for app assignments of box" in plan_text(update)
    assert submit(bot, shown(update), it)["response_action"] == "errors"
    assert "IT" not in bot.tenant.groups()


def test_push_dialog_waits_for_the_plan_of_what_is_chosen(bot: Bot) -> None:
    view = open_dialog(bot, "push")
    update = choose_and_wait(bot, view, push_values("g-sales", "box"))
    answer = submit(bot, shown(update), push_values("g-marketing", "box"))
    assert answer == {"response_action": "errors", "errors": {
        "group": "The plan of this choice is not shown yet: wait for it, then press Push."}}
    bot.slack.quiet()
    assert bot.tenant.groups() == {}


def test_a_later_choice_replaces_the_plan_even_on_a_stale_hash(bot: Bot) -> None:
    view = open_dialog(bot, "push")
    choose_and_wait(bot, view, push_values("g-sales", "box"))
    # the second choice left Slack before the first plan was shown: it carries the old hash
    update = choose_and_wait(bot, view, push_values("g-marketing", "box"), "group")
    assert "Create box's group *Marketing*" in plan_text(update)
    conflicts = [c for c in bot.slack.called("views.update")
                 if c.result.get("error") == "hash_conflict"]
    assert len(conflicts) == 1
