"""The Push Groups tab through the real Bolt app over HTTP: published on app_home_opened, its
filters, paging and Information, its approvals, and kept fresh for the people viewing it."""

from __future__ import annotations

import time
from typing import Any

from slack_sdk import WebClient
from sqlmodel import select

from bot.views import home
from storage import repo
from storage.models import PushMapping
from tests.slack.conftest import APPROVER, OPERATOR, TEAM_ID, Bot
from tests.slack.standin import BOT_TOKEN, Call, message_text
from tests.slack.test_approvals import ask, pushed


def open_home(bot: Bot, user: str, event_id: str) -> Call:
    """Open the tab as Slack tells it; the view it published."""
    before = len(bot.slack.called("views.publish"))
    event = {"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home",
             "event_ts": f"{time.time():.6f}"}
    assert bot.event(event, event_id=event_id).status_code == 200
    return published_after(bot, user, before)


def published_after(bot: Bot, user: str, before: int) -> Call:
    """The next views.publish for this person after `before` publishes in all."""
    def newer(call: Call) -> bool:
        return call.args["user_id"] == user and bot.slack.called("views.publish").index(
            call) >= before
    return bot.slack.wait_for("views.publish", newer)


def shown(call: Call) -> dict[str, Any]:
    """The published view as Slack hands it back in a block_actions payload."""
    return {**call.args["view"], "id": call.result["view"]["id"]}


def act(bot: Bot, user: str, view: dict[str, Any], action: dict[str, Any]) -> Call:
    """One interaction on the tab (a select, checkboxes, a search, a button); the tab
    published after it."""
    before = len(bot.slack.called("views.publish"))
    payload = {"type": "block_actions", "user": {"id": user, "team_id": TEAM_ID},
               "trigger_id": bot.trigger(), "container": {"type": "view",
                                                          "view_id": view["id"]},
               "view": view, "actions": [{"block_id": "b", "action_ts": f"{time.time():.6f}",
                                          **action}]}
    assert bot.interact(payload).status_code == 200
    return published_after(bot, user, before)


def row_names(call: Call) -> list[str]:
    """The group names of the rows on a published tab, in order."""
    blocks = call.args["view"]["blocks"]
    return [b["text"]["text"].split("*")[1] for b in blocks
            if str(b.get("block_id", "")).startswith("row:")]


def add_pushes(bot: Bot, count: int, app: str = "box") -> None:
    """Pushed groups recorded in storage as a push leaves them (no app group needed to list)."""
    with bot.service.db.session() as session:
        session.add_all([PushMapping(group_id=f"x{i}", group_name=f"Team {i:03d}", app=app,
                                     created_by=OPERATOR, members_pushed=i)
                         for i in range(count)])


def test_the_tab_lists_each_pushed_group_with_its_status_button_and_menu(bot: Bot) -> None:
    empty = open_home(bot, OPERATOR, "Ev1")
    assert empty.args["view"]["type"] == "home"
    assert "Nothing pushed to box yet" in message_text(empty)

    pushed(bot, "Sales")
    tab = open_home(bot, OPERATOR, "Ev2")
    text = message_text(tab)
    assert ("*Sales*   :large_green_circle: Active · 3 of 3 active members pushed · last push"
            in text)
    assert "· by name" in text and "Push Groups · box (scim)" in text
    actions = [b for b in tab.args["view"]["blocks"]
               if str(b.get("block_id", "")).startswith("row_actions:")][0]
    assert [e.get("text", {}).get("text") for e in actions["elements"]] == [
        "Active", "Information", None]
    assert [o["text"]["text"] for o in actions["elements"][2]["options"]] == [
        "Information", "Push now", "Deactivate", "Unlink (keep in app)",
        "Unlink (delete in app)"]


def test_by_rule_shows_the_groups_a_rule_found_only(bot: Bot) -> None:
    bot.command("rule add sales to box --starts-with Sales")
    bot.slack.wait_for("chat.update", lambda c: "Rule sales saved" in message_text(c))
    pushed(bot, "Marketing")
    tab = open_home(bot, OPERATOR, "Ev3")
    assert row_names(tab) == ["Marketing", "Sales", "Sales Ops"]
    rule_select = [b for b in tab.args["view"]["blocks"]
                   if b.get("block_id") == "home_filters"][0]["elements"][1]
    assert [o["text"]["text"] for o in rule_select["options"]] == [
        "Any way (3)", "By name (1)", "By rule sales (2)"]

    by_rule = act(bot, OPERATOR, shown(tab), {
        "action_id": home.RULE_FILTER, "type": "static_select",
        "selected_option": {"value": "rule:sales", "text": {"type": "plain_text",
                                                             "text": "By rule sales (2)"}}})
    assert row_names(by_rule) == ["Sales", "Sales Ops"]
    assert "· by rule sales" in message_text(by_rule)
    assert "found by rule sales — 2 groups" in message_text(by_rule)
    by_name = act(bot, OPERATOR, shown(by_rule), {
        "action_id": home.RULE_FILTER, "type": "static_select",
        "selected_option": {"value": "name", "text": {"type": "plain_text", "text": "x"}}})
    assert row_names(by_name) == ["Marketing"]


def test_a_thousand_pushed_groups_are_browsed_page_by_page_and_searched(bot: Bot) -> None:
    add_pushes(bot, 1000)
    tab = open_home(bot, OPERATOR, "Ev4")
    assert row_names(tab) == [f"Team {i:03d}" for i in range(20)]
    assert "Page 1 of 50 · groups 1–20 of 1000" in message_text(tab)
    second = act(bot, OPERATOR, shown(tab), {"action_id": home.NEXT, "type": "button",
                                             "value": "1"})
    assert row_names(second) == [f"Team {i:03d}" for i in range(20, 40)]
    found = act(bot, OPERATOR, shown(second), {"action_id": home.SEARCH,
                                               "type": "plain_text_input", "value": "team 99"})
    assert row_names(found) == [f"Team {i:03d}" for i in range(990, 1000)]
    assert "name contains “team 99” — 10 groups" in message_text(found)
    inactive = act(bot, OPERATOR, shown(found), {
        "action_id": home.STATUS_FILTER, "type": "static_select",
        "selected_option": {"value": "inactive", "text": {"type": "plain_text", "text": "x"}}})
    assert row_names(inactive) == [] and "No pushed group matches" in message_text(inactive)


def test_information_opens_a_modal_with_the_group_type(bot: Bot) -> None:
    pushed(bot, "Sales")
    tab = open_home(bot, OPERATOR, "Ev5")
    mapping_id = [b for b in tab.args["view"]["blocks"]
                  if str(b.get("block_id", "")).startswith("row:")][0]["block_id"][4:]
    bot.click(home.ROW_INFO, mapping_id, OPERATOR, view=shown(tab))
    opened = bot.slack.wait_for("views.open")
    assert "Reading the details" in message_text(opened)
    modal = bot.slack.wait_for("views.update", lambda c: c.result["ok"])
    assert modal.args["external_id"] == opened.args["view"]["external_id"]
    assert modal.result["ok"] and modal.result["view"]["id"] == opened.result["view"]["id"]
    text = message_text(modal)
    assert modal.args["view"]["title"]["text"] == "Information"
    assert "*Group type*\ndirectory file group (directory.yml)" in text
    assert "3 pushed of 3 active in the directory" in text
    assert f"<@{OPERATOR}>" in text and "by name" in text
    assert "*Last error*: none" in text and "*Drift*: none" in text

    act_menu = {"action_id": home.ROW_MENU, "type": "overflow",
                "selected_option": {"value": f"info:{mapping_id}",
                                    "text": {"type": "plain_text", "text": "Information"}}}
    payload = {"type": "block_actions", "user": {"id": OPERATOR, "team_id": TEAM_ID},
               "trigger_id": bot.trigger(), "container": {"type": "view",
                                                          "view_id": shown(tab)["id"]},
               "view": shown(tab), "actions": [{"block_id": "b", **act_menu,
                                                "action_ts": f"{time.time():.6f}"}]}
    assert bot.interact(payload).status_code == 200
    again = bot.slack.wait_for("views.update", lambda c: c is not modal and c.result["ok"])
    assert "*Group type*" in message_text(again) and again.result["ok"]


def test_information_shows_the_last_error_and_retry_pushes_again(bot: Bot) -> None:
    pushed(bot, "Sales")
    with bot.service.db.session() as session:
        mapping = session.exec(select(PushMapping)).one()
        mapping.error_message, mapping.error_operation = "HTTP 503 from the app", "sync"
        mapping.error_hint = "The app was down; Retry when it is back."
        mapping_id = int(mapping.id or 0)
    tab = open_home(bot, OPERATOR, "Ev10")
    assert ":warning: sync failed: HTTP 503 from the app" in message_text(tab)
    bot.click(home.ROW_INFO, str(mapping_id), OPERATOR, view=shown(tab))
    modal = bot.slack.wait_for("views.update", lambda c: c.result["ok"])
    text = message_text(modal)
    assert "sync failed" in text and "The app was down; Retry when it is back." in text
    retry = modal.args["view"]["blocks"][-1]["elements"][0]
    assert retry["text"]["text"] == "Retry"
    bot.click(retry["action_id"], retry["value"], OPERATOR,
              view={**modal.args["view"], "id": modal.result["view"]["id"]})
    bot.slack.wait_for("views.publish", lambda c: "HTTP 503" not in message_text(c)
                       and c.args["user_id"] == OPERATOR)
    with bot.service.db.session() as session:
        assert session.get(PushMapping, mapping_id).error_message == ""  # type: ignore[union-attr]
        assert [e.action for e in repo.recent_audit(session, 1)] == ["retry"]


def test_approvals_wait_on_the_tab_with_their_buttons(bot: Bot) -> None:
    pushed(bot, "Sales")
    request_id, _ = ask(bot, "unlink Sales from box --keep", OPERATOR)
    tab = open_home(bot, APPROVER, "Ev6")
    assert "Waiting for approval" in message_text(tab)
    buttons = [b for b in tab.args["view"]["blocks"] if b.get("block_id") ==
               f"approval:{request_id}"][0]
    assert [e["value"] for e in buttons["elements"]] == [request_id, request_id]

    bot.click("approval_approve", request_id, APPROVER, view=shown(tab))
    again = bot.slack.wait_for("views.publish", lambda c: c.args["user_id"] == APPROVER
                               and "Waiting for approval" not in message_text(c))
    assert "Nothing pushed to box yet" in message_text(again)
    assert "Sales" in bot.tenant.groups()  # --keep leaves it in the app


def test_a_refused_click_on_the_tab_is_told_privately(bot: Bot) -> None:
    pushed(bot, "Sales")
    request_id, _ = ask(bot, "unlink Sales from box --keep", OPERATOR)
    tab = open_home(bot, OPERATOR, "Ev7")
    bot.click("approval_approve", request_id, OPERATOR, view=shown(tab))
    dm = bot.slack.wait_for("chat.postMessage", lambda c: c.args["channel"] == OPERATOR)
    assert "Only approvers may approve" in message_text(dm)


def test_the_tab_is_refreshed_for_its_viewers_when_something_changes(bot: Bot) -> None:
    assert bot.services is not None
    bot.services.home.poll, bot.services.home.min_gap = 0.1, 0.5
    tab = open_home(bot, OPERATOR, "Ev8")
    viewer = open_home(bot, APPROVER, "Ev9")
    assert "Nothing pushed" in message_text(tab) and "Nothing pushed" in message_text(viewer)
    count = len(bot.slack.called("views.publish"))
    pushed(bot, "Sales")  # nobody clicks on the tab
    for user in (OPERATOR, APPROVER):
        fresh = bot.slack.wait_for("views.publish", lambda c, u=user: c.args["user_id"] == u
                                   and "*Sales*" in message_text(c))
        assert fresh.args["view"]["private_metadata"] == tab.args["view"]["private_metadata"]
    time.sleep(1.0)  # nothing more changed: no more publishes
    calls = bot.slack.called("views.publish")[count:]
    assert len(calls) <= 4, [c.args["user_id"] for c in calls]


def test_refreshes_stay_within_the_budget_slack_allows(bot: Bot) -> None:
    assert bot.services is not None
    bot.services.home.poll, bot.services.home.min_gap = 0.1, 0.1
    bot.services.home.per_minute = 2
    viewers = [OPERATOR, APPROVER, "U0THIRD"]
    for n, user in enumerate(viewers):
        open_home(bot, user, f"EvB{n}")
    count = len(bot.slack.called("views.publish"))
    pushed(bot, "Sales")
    bot.slack.wait_for("views.publish", lambda c: "*Sales*" in message_text(c))
    time.sleep(1.5)
    refreshed = [c.args["user_id"] for c in bot.slack.called("views.publish")[count:]]
    assert len(refreshed) == 2  # the third viewer waits for the next minute


def test_a_refresh_never_replaces_a_view_published_meanwhile(bot: Bot) -> None:
    assert bot.services is not None
    bot.services.home.poll, bot.services.home.min_gap = 0.1, 0.1
    open_home(bot, OPERATOR, "EvH1")
    WebClient(token=BOT_TOKEN, base_url=bot.slack.api_url).views_publish(
        user_id=OPERATOR, view={"type": "home", "blocks": [
            {"type": "section", "text": {"type": "plain_text", "text": "elsewhere"}}]})
    pushed(bot, "Sales")
    refused = bot.slack.wait_for("views.publish", lambda c: c.args.get("hash") is not None)
    assert refused.result == {"ok": False, "error": "hash_conflict"}
    time.sleep(0.5)
    accepted = [c for c in bot.slack.called("views.publish") if c.result.get("ok")]
    assert message_text(accepted[-1]).strip() == "elsewhere"


def test_a_removed_rule_is_no_longer_counted_as_a_rule(bot: Bot) -> None:
    bot.command("rule add sales to box --starts-with Sales")
    bot.slack.wait_for("chat.update", lambda c: "Rule sales saved" in message_text(c))
    bot.command("rule remove sales")
    bot.slack.wait_for("chat.postMessage", lambda c: "sales" in message_text(c).lower()
                       and "remove" in message_text(c).lower())
    tab = open_home(bot, OPERATOR, "Ev9")
    assert "0 rules" in message_text(tab) and "1 rules" not in message_text(tab)
    rule_select = [b for b in tab.args["view"]["blocks"]
                   if b.get("block_id") == "home_filters"][0]["elements"][1]
    assert [o["text"]["text"] for o in rule_select["options"]] == [
        "Any way (2)", "By name (0)", "By removed rule sales (2)"]
