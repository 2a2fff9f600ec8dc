"""Dialog submissions: the push dialog runs a push, the rule dialog saves a rule."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.listeners.context import Services
from bot.listeners.conversation import Conversation
from bot.listeners.dialogs import (
    dialog_channel,
    push_errors,
    push_operation,
    rule_errors,
    rule_operation,
)
from bot.listeners.work import run_operation
from bot.views.dialogs import PUSH_DIALOG, RULE_DIALOG
from bot.views.replies import answer
from engine.core import Reply


def register(app: App, services: Services) -> None:
    """Listen to the dialogs' submissions: check them at once, then run the command."""

    def check_push(ack: Ack, view: dict[str, Any]) -> None:
        errors = push_errors(services, view)
        ack(response_action="errors", errors=errors) if errors else ack()

    def check_rule(ack: Ack, view: dict[str, Any]) -> None:
        errors = rule_errors(view["state"]["values"])
        ack(response_action="errors", errors=errors) if errors else ack()

    def push(body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        if push_errors(services, view):
            return  # the ack showed them in the dialog; lazy listeners run after any ack
        conv = Conversation(client, body["user"]["id"], dialog_channel(view))
        operation = push_operation(services, view["state"]["values"])
        if operation is None:
            conv.tell(answer(Reply.refused("That group is no longer in the directory.")))
        else:
            run_operation(services, conv, operation)

    def rule(body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        if rule_errors(view["state"]["values"]):
            return
        conv = Conversation(client, body["user"]["id"], view.get("private_metadata", ""))
        run_operation(services, conv, rule_operation(view["state"]["values"]))

    app.view(PUSH_DIALOG)(ack=check_push, lazy=[push])
    app.view(RULE_DIALOG)(ack=check_rule, lazy=[rule])
