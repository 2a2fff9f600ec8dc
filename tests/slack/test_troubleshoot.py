"""Troubleshooting through the real Bolt app and the Slack stand-in: the Push Groups tab shows
"Retry all (N)" while the app has failed pushes and its click retries every one of them; the
alert of a failure that is one of several offers Retry all beside Retry; the Information
modal's "Explain a person" answers in the modal. The app is a real scim2-server behind a proxy
that answers 503 while it is "down"."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bot.views import alerts as alert_views
from bot.views import home, information
from connectors.scim import ScimApp
from engine.executor import run_line
from tests.proxy import Breaker, breaking
from tests.slack.conftest import OPERATOR, READER, Bot
from tests.slack.standin import message_text
from tests.slack.test_home import open_home, shown
from tests.slack.test_home_changes import dms, mapping_of, row_click
from tests.slack.test_scheduler import ALERTS

GROUPS = ("Sales", "Marketing", "Sales Ops")


@pytest.fixture
def down(bot: Bot) -> Iterator[Breaker]:
    app = bot.service.apps["box"]
    assert isinstance(app, ScimApp)
    with breaking(app) as breaker:
        breaker.status = 503
        app.http.backoff = 0.01  # a 5xx is retried a few times; quickly here
        breaker.failing.append(("PATCH", "/Groups/"))
        yield breaker


def failed_three(bot: Bot) -> None:
    """Three pushes whose members the app refused (503): each stays pushed with its error."""
    for group in GROUPS:
        reply = run_line(bot.service, f'push "{group}" to box', OPERATOR)
        assert reply.status == "failed", reply
    assert all(mapping_of(bot, g).error_message for g in GROUPS)


def buttons(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["action_id"]: e for b in view["blocks"] if b["type"] == "actions"
            for e in b["elements"] if e.get("type") == "button"}


def test_the_tabs_retry_all_retries_every_failed_push_of_the_app(
        bot: Bot, down: Breaker) -> None:
    failed_three(bot)
    tab = open_home(bot, OPERATOR, "EvRetryAll")
    button = buttons(tab.args["view"])[home.RETRY_ALL]
    assert (button["text"]["text"], button["value"]) == ("Retry all (3)", "box")

    down.failing.clear()  # the app is fixed
    after = row_click(bot, OPERATOR, tab, {"action_id": home.RETRY_ALL, "type": "button",
                                           "value": "box"})
    assert not any(mapping_of(bot, g).error_message for g in GROUPS)
    assert bot.tenant.member_logins("Sales") == {"alice@acme.test", "bob@acme.test",
                                                 "carol@acme.test"}
    assert bot.tenant.member_logins("Sales Ops") == {"dan@acme.test"}
    assert "0 with errors" in message_text(after)
    assert home.RETRY_ALL not in buttons(after.args["view"])
    bot.slack.wait_for("chat.update", lambda c: c.args["channel"] == OPERATOR
                       and "3 fixed" in message_text(c))
    assert any("Retried 3 failed pushes of box: 3 fixed" in t for t in dms(bot, OPERATOR))


def test_an_alert_of_one_of_several_failures_offers_retry_all(bot: Bot, down: Breaker) -> None:
    failed_three(bot)
    from engine.alerts import errors_to_tell

    new, _ = errors_to_tell(bot.service)
    assert [e.app_errors for e in new] == [3, 3, 3]
    alert = alert_views.error_alert(new[0])
    offered = buttons(alert)
    assert offered[alert_views.RETRY]["text"]["text"] == "Retry"
    assert offered[alert_views.RETRY_ALL]["text"]["text"] == "Retry all (3)"

    down.failing.clear()
    bot.click(alert_views.RETRY_ALL, "box", OPERATOR, channel=ALERTS)
    told = bot.slack.wait_for("response_url", lambda c: "3 fixed" in message_text(c))
    assert message_text(told).startswith("Retried 3 failed pushes of box: 3 fixed")
    assert not any(mapping_of(bot, g).error_message for g in GROUPS)


def test_a_lone_failure_alert_offers_retry_only(bot: Bot, down: Breaker) -> None:
    assert run_line(bot.service, "push Sales to box", OPERATOR).status == "failed"
    from engine.alerts import errors_to_tell

    [only], _ = errors_to_tell(bot.service)
    assert list(buttons(alert_views.error_alert(only))) == [alert_views.RETRY]


def test_information_explains_a_person_in_the_modal(bot: Bot) -> None:
    assert run_line(bot.service, "push Sales to box", OPERATOR).ok
    mapping_id = str(mapping_of(bot, "Sales").id)
    tab = open_home(bot, READER, "EvExplain")  # a read: anyone may
    bot.click(home.ROW_INFO, mapping_id, READER, view=shown(tab))
    modal = bot.slack.wait_for("views.update", lambda c: c.result["ok"])
    field = [b for b in modal.args["view"]["blocks"] if b.get("block_id") == information.EXPLAIN]
    assert field and field[0]["label"]["text"] == "Explain a person"

    shown_modal = {**modal.args["view"], "id": modal.result["view"]["id"],
                   "hash": modal.result["view"]["hash"]}
    bot.click(information.EXPLAIN, "sam@acme.test", READER, view=shown_modal)
    answered = bot.slack.wait_for("views.update", lambda c: "sam@acme.test" in message_text(c))
    assert answered.result["ok"] and answered.args["view_id"] == shown_modal["id"]
    text = message_text(answered)
    assert "Why sam@acme.test is or is not in Sales on box" in text
    assert "Active in the directory: no: SUSPENDED in the directory" in text
    assert "*Group type*" in text  # the rest of the Information stays

    again = {**answered.args["view"], "id": shown_modal["id"],
             "hash": answered.result["view"]["hash"]}
    bot.click(information.EXPLAIN, "alice@acme.test", READER, view=again)
    second = bot.slack.wait_for("views.update", lambda c: "Why alice@acme.test" in message_text(c))
    assert "sam@acme.test" not in message_text(second)  # one answer at a time
