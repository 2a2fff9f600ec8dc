"""An okta_group_push app driven from Slack: the real Bolt app fed signed requests, its Web API
answered by the Slack stand-in, the directory and the app's Push Groups by the Okta stand-in.
Each test shows what Slack was told and what Okta then has."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bot.views import home
from tests.slack.conftest import APPROVER, APPROVER2, OPERATOR, Bot
from tests.slack.standin import message_text
from tests.slack.test_approvals import ask, attached
from tests.slack.test_home import open_home, shown
from tests.slack.test_home_changes import row_click, status
from tests.slack.test_scheduler import ALERTS, alerts, scheduler_for
from tests.standins import Recorded
from tests.standins.okta import OktaStandIn

SUMMARY = "User alice@acme.test is not assigned to the app"


class OktaBot:
    """The bot with an Okta directory (alice, bob in Sales) and Office 365 pushed by Okta."""

    def __init__(self, bot: Bot, okta: OktaStandIn, app_id: str, sales: str) -> None:
        self.bot, self.okta, self.app_id, self.sales = bot, okta, app_id, sales

    def mapping(self) -> dict[str, Any]:
        [found] = self.okta.mappings_of(self.app_id)
        return found

    def sent_since(self, before: int) -> list[Recorded]:
        """Requests to the app's group push mappings since `before` requests to Okta."""
        return [r for r in self.okta.requests[before:] if "/group-push/" in r.path]

    def pushed(self) -> None:
        self.bot.command("push Sales to o365")
        self.bot.slack.wait_for("chat.update", lambda c: "Pushed Sales to o365" in
                                message_text(c))

    def replied(self, text: str, words: str, method: str = "response_url") -> str:
        """Type /grouppush TEXT; the reply (or, for a change, the channel's message) that has
        `words`."""
        self.bot.command(text)
        return message_text(self.bot.slack.wait_for(method, lambda c: words in message_text(c)))


@pytest.fixture
def world(make_bot: Callable[..., Bot], okta: OktaStandIn) -> OktaBot:
    app_id = okta.add_app("Office 365")
    alice, bob = okta.add_user("alice@acme.test"), okta.add_user("bob@acme.test")
    sales = okta.add_group("Sales", [alice, bob])

    def okta_only(config: dict[str, Any]) -> None:
        config["directory"] = {"type": "okta", "org_url": okta.org_url, "token": okta.token}
        config["apps"] = {"o365": {"type": "okta_group_push", "app_id": app_id}}

    return OktaBot(make_bot(edit=okta_only), okta, app_id, sales)


def test_push_then_deactivate_set_okta_s_mapping_and_say_so(world: OktaBot) -> None:
    before = len(world.okta.requests)
    world.pushed()
    [*_, create] = world.sent_since(before)
    assert create.method == "POST" and create.body == {
        "sourceGroupId": world.sales, "status": "ACTIVE", "targetGroupName": "Sales"}
    assert world.mapping()["status"] == "ACTIVE"
    listed = world.replied("list o365", "Pushed groups")
    assert "Okta pushes its 2 active members (the app group's members are not readable" \
        in listed and "0 members" not in listed

    before = len(world.okta.requests)
    world.replied("deactivate Sales on o365", "Deactivated Sales on o365", "chat.postMessage")
    assert [(r.method, r.body) for r in world.sent_since(before)] == [
        ("PATCH", {"status": "INACTIVE"})]
    assert world.mapping()["status"] == "INACTIVE"


def test_unlink_delete_waits_for_the_approve_button_then_deletes_in_okta(
        world: OktaBot) -> None:
    world.pushed()
    mapping = world.mapping()
    before = len(world.okta.requests)
    request_id, message = ask(world.bot, "unlink Sales from o365 --delete", APPROVER)
    assert world.sent_since(before) == [] and world.okta.mappings_of(world.app_id)
    world.bot.click("approval_approve", request_id, APPROVER2,
                    message_ts=message.result["ts"])
    updated = world.bot.slack.wait_for("chat.update",
                                       lambda c: c.args["ts"] == message.result["ts"])
    assert f"*Approved* by <@{APPROVER2}>" in message_text(updated)
    sent = world.sent_since(before)
    assert [(r.method, r.body, r.param("deleteTargetGroup")) for r in sent] == [
        ("PATCH", {"status": "INACTIVE"}, None), ("DELETE", None, "true")]
    assert all(r.path.endswith(mapping["id"]) for r in sent)
    assert world.okta.mappings_of(world.app_id) == []
    assert mapping["targetGroupId"] not in world.okta.groups
    assert attached(world.bot, request_id).status == "approved"


def test_a_mapping_in_error_is_told_with_okta_s_summary_and_retried_by_its_button(
        world: OktaBot) -> None:
    world.pushed()
    world.okta.fail_pushes(world.app_id, world.sales, SUMMARY)
    scheduler_for(world.bot).sync_job()
    [alert] = alerts(world.bot, "Push failed")
    assert SUMMARY in message_text(alert) and "Retry All Groups" in message_text(alert)
    info = world.replied("info Sales on o365", "Okta status")
    assert "Okta status: ERROR" in info and f"Okta error summary: {SUMMARY}" in info

    tab = open_home(world.bot, OPERATOR, "EvOkta1")
    [row] = [b for b in tab.args["view"]["blocks"]
             if str(b.get("block_id", "")).startswith("row:")]
    world.bot.click(home.ROW_INFO, row["block_id"][4:], OPERATOR, view=shown(tab))
    modal = world.bot.slack.wait_for("views.update", lambda c: c.result["ok"])
    text = message_text(modal)
    assert "*Okta status*\nERROR" in text and f"*Okta error summary*\n{SUMMARY}" in text
    assert "Okta pushes its 2 active members" in text

    world.okta.fix_pushes(world.app_id, world.sales)
    [retry] = [e for b in alert.args["blocks"] if b["type"] == "actions"
               for e in b["elements"] if e["text"]["text"] == "Retry"]
    before = len(world.okta.requests)
    world.bot.click(retry["action_id"], retry["value"], OPERATOR, channel=ALERTS,
                    message_ts=alert.result["ts"])
    fixed = world.bot.slack.wait_for("chat.update", lambda c: c.args["ts"] == alert.result["ts"])
    assert "works again" in message_text(fixed)
    assert [(r.method, r.body) for r in world.sent_since(before)] == [
        ("PATCH", {"status": "ACTIVE"})]
    assert world.mapping()["status"] == "ACTIVE"


def test_push_now_is_refused_with_where_to_do_it_in_okta(world: OktaBot) -> None:
    world.pushed()
    before = len(world.okta.requests)
    refused = world.replied("now Sales on o365", "no push now")
    assert "Okta's Admin Console: Applications &gt; o365's app &gt; Push Groups &gt; Sales " \
        "&gt; Push Now." in refused  # > escaped, as Slack's mrkdwn needs
    assert world.sent_since(before) == []
    assert world.mapping()["status"] == "ACTIVE"


def test_the_tab_row_tells_what_okta_pushes_and_its_status_button_pauses_the_mapping(
        world: OktaBot) -> None:
    world.pushed()
    tab = open_home(world.bot, OPERATOR, "EvOkta2")
    [row] = [b for b in tab.args["view"]["blocks"]
             if str(b.get("block_id", "")).startswith("row:")]
    assert "Okta pushes its 2 active members" in message_text(tab)
    assert "0 of 2 active members pushed" not in message_text(tab)
    before = len(world.okta.requests)
    off = row_click(world.bot, OPERATOR, tab, status(int(row["block_id"][4:])))
    assert ":white_circle: Inactive" in message_text(off)
    assert [(r.method, r.body) for r in world.sent_since(before)] == [
        ("PATCH", {"status": "INACTIVE"})]
    assert world.mapping()["status"] == "INACTIVE"
