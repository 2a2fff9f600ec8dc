"""Changes from the Push Groups tab through the real Bolt app over HTTP: the status button, the
row menu's Push now and Unlink, Bulk edit, and who may do them."""

from __future__ import annotations

import time
from typing import Any

from sqlmodel import select

from bot.views import bulk, home
from engine.approvals import requests
from storage import repo
from storage.models import ApprovalRequest, PushMapping
from tests.slack.conftest import OPERATOR, READER, TEAM_ID, Bot
from tests.slack.standin import Call, message_text
from tests.slack.test_approvals import pushed
from tests.slack.test_dialogs import submit
from tests.slack.test_home import open_home, published_after, row_names, shown


def mapping_of(bot: Bot, name: str) -> PushMapping:
    with bot.service.db.session() as session:
        return next(m for m in repo.list_mappings(session) if m.group_name == name)


def row_click(bot: Bot, user: str, tab: Call, action: dict[str, Any]) -> Call:
    """A click in a row of the tab; the tab published after it."""
    before = len(bot.slack.called("views.publish"))
    view = shown(tab)
    payload = {"type": "block_actions", "user": {"id": user, "team_id": TEAM_ID},
               "trigger_id": bot.trigger(), "container": {"type": "view",
                                                          "view_id": view["id"]},
               "view": view, "actions": [{"block_id": "b", "action_ts": f"{time.time():.6f}",
                                          **action}]}
    assert bot.interact(payload).status_code == 200
    return published_after(bot, user, before)


def status(mapping_id: int) -> dict[str, Any]:
    return {"action_id": home.ROW_STATUS, "type": "button", "value": str(mapping_id)}


def menu(item: str, mapping_id: int) -> dict[str, Any]:
    return {"action_id": home.ROW_MENU, "type": "overflow",
            "selected_option": {"value": f"{item}:{mapping_id}",
                                "text": {"type": "plain_text", "text": item}}}


def dms(bot: Bot, user: str) -> list[str]:
    """What grouppush said to the person in its messages tab (posted, or updated later)."""
    return [message_text(c) for c in bot.slack.called()
            if c.method in ("chat.postMessage", "chat.update") and c.args["channel"] == user]


def test_the_status_button_deactivates_and_activates(bot: Bot) -> None:
    pushed(bot, "Sales")
    mapping = mapping_of(bot, "Sales")
    tab = open_home(bot, OPERATOR, "Ev1")
    off = row_click(bot, OPERATOR, tab, status(int(mapping.id or 0)))
    assert mapping_of(bot, "Sales").status == "inactive"
    assert ":white_circle: Inactive" in message_text(off)
    assert any("Deactivated Sales on box" in t for t in dms(bot, OPERATOR))

    bot.tenant.patch_members("Sales", remove=["alice@acme.test"])  # caught up on activate
    on = row_click(bot, OPERATOR, off, status(int(mapping.id or 0)))
    assert mapping_of(bot, "Sales").status == "active"
    assert ":large_green_circle: Active" in message_text(on)
    with bot.service.db.session() as session:
        actions = [e.action for e in repo.recent_audit(session, 10)]
    assert actions[:2] == ["activate", "deactivate"]


def test_push_now_from_the_row_overwrites_the_app_group(bot: Bot) -> None:
    pushed(bot, "Sales")
    bot.tenant.patch_members("Sales", add=["erin@acme.test"], remove=["alice@acme.test"])
    mapping = mapping_of(bot, "Sales")
    tab = open_home(bot, OPERATOR, "Ev2")
    row_click(bot, OPERATOR, tab, menu("now", int(mapping.id or 0)))
    assert bot.tenant.member_logins("Sales") == {"alice@acme.test", "bob@acme.test",
                                                 "carol@acme.test"}
    assert any("Pushed Sales to box now: 1 added, 1 removed" in t for t in dms(bot, OPERATOR))


def test_unlink_delete_from_the_row_asks_for_approval_and_changes_nothing(bot: Bot) -> None:
    pushed(bot, "Sales")
    mapping = mapping_of(bot, "Sales")
    tab = open_home(bot, OPERATOR, "Ev3")
    after = row_click(bot, OPERATOR, tab, menu("unlink_delete", int(mapping.id or 0)))
    posted = bot.slack.wait_for("chat.postMessage",
                                lambda c: "Approval needed" in message_text(c))
    assert posted.args["channel"] == "C0ALERTS"
    assert "unlink Sales from box and delete the app group" in message_text(posted)
    waiting = requests.pending(bot.service)
    assert [(r.action, r.delete, r.groups, r.requested_by) for r in waiting] == [
        ("unlink", True, "g-sales", OPERATOR)]
    assert "Sales" in bot.tenant.groups() and mapping_of(bot, "Sales").status == "active"
    assert any("the approvers were asked in <#C0ALERTS>" in t for t in dms(bot, OPERATOR)), \
        dms(bot, OPERATOR)
    assert "Waiting for approval" in message_text(after)


def test_a_reader_is_refused_and_nothing_changes(bot: Bot) -> None:
    pushed(bot, "Sales")
    mapping = mapping_of(bot, "Sales")
    tab = open_home(bot, READER, "Ev4")
    row_click(bot, READER, tab, status(int(mapping.id or 0)))
    assert mapping_of(bot, "Sales").status == "active"
    assert any("Only operators may change pushes" in t for t in dms(bot, READER))
    bot.click(home.BULK_EDIT, "box", READER, view=shown(tab))
    refused = bot.slack.wait_for("views.open")
    assert "Only operators may change pushes" in message_text(refused)


def open_bulk(bot: Bot, tab: Call) -> dict[str, Any]:
    bot.click(home.BULK_EDIT, "box", OPERATOR, view=shown(tab))
    call = bot.slack.wait_for("views.open", lambda c: c.args["view"].get("callback_id") ==
                              bulk.BULK_DIALOG)
    return {**call.args["view"], "id": call.result["view"]["id"]}


def values(which: str, ticked: list[str], action: str) -> dict[str, Any]:
    picked = {"which": {"which": {"type": "radio_buttons",
                                  "selected_option": {"value": which}}},
              "action": {"action": {"type": "radio_buttons",
                                    "selected_option": {"value": action}}},
              "groups:0": {"groups": {"type": "checkboxes", "selected_options": [
                  {"value": v} for v in ticked]}}}
    return picked


def test_bulk_delete_of_a_filtered_selection_makes_one_request_for_exactly_it(
        bot: Bot) -> None:
    for group in ("Sales", '"Sales Ops"', "Marketing"):
        pushed(bot, group)
    tab = open_home(bot, OPERATOR, "Ev5")
    found = row_click(bot, OPERATOR, tab, {"action_id": home.SEARCH,
                                           "type": "plain_text_input", "value": "sales"})
    assert row_names(found) == ["Sales", "Sales Ops"]
    view = open_bulk(bot, found)
    boxes = [o["text"]["text"] for b in view["blocks"] if b.get("block_id") == "groups:0"
             for o in b["element"]["options"]]
    assert boxes == ["Sales", "Sales Ops"]

    nothing = submit(bot, view, values("ticked", [], "delete"))
    assert nothing["response_action"] == "errors" and "which" in nothing["errors"]
    assert requests.pending(bot.service) == []

    assert submit(bot, view, values("all", [], "delete")) is None
    posted = bot.slack.wait_for("chat.postMessage",
                                lambda c: "Approval needed" in message_text(c))
    assert posted.args["channel"] == "C0ALERTS"
    assert "delete 2 pushed groups from box: Sales, \"Sales Ops\"" in message_text(posted)
    [request] = requests.pending(bot.service)
    assert (request.action, request.delete) == ("bulk_delete", True)
    assert sorted(request.groups.split("\n")) == ["g-sales", "g-sales-ops"]
    assert {"Sales", "Sales Ops", "Marketing"} <= set(bot.tenant.groups())


def test_bulk_deactivate_of_ticked_groups_pauses_only_them(bot: Bot) -> None:
    for group in ("Sales", '"Sales Ops"', "Marketing"):
        pushed(bot, group)
    tab = open_home(bot, OPERATOR, "Ev6")
    view = open_bulk(bot, tab)
    options = {o["text"]["text"]: o["value"] for b in view["blocks"]
               if b.get("block_id") == "groups:0" for o in b["element"]["options"]}
    assert list(options) == ["Marketing", "Sales", "Sales Ops"]
    before = len(bot.slack.called("views.publish"))
    assert submit(bot, view, values("ticked", [options["Marketing"], options["Sales Ops"]],
                                    "deactivate")) is None
    published_after(bot, OPERATOR, before)
    assert [mapping_of(bot, n).status for n in ("Marketing", "Sales", "Sales Ops")] == [
        "inactive", "active", "inactive"]
    with bot.service.db.session() as session:
        assert session.exec(select(ApprovalRequest)).all() == []
