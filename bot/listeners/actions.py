"""Button clicks: Approve and Deny on requests, Preview in the rule dialog."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.listeners.context import Services
from bot.listeners.conversation import Conversation
from bot.listeners.dialogs import rule_preview
from bot.listeners.events import publish_home
from bot.listeners.work import Surface, dispatch
from bot.views.approvals import APPROVE, DENY
from bot.views.dialogs import RULE_PATTERN, RULE_PREVIEW
from engine.operations import Approve, Deny


def register(app: App, services: Services) -> None:
    """Listen to the approval buttons and the rule preview."""

    def acknowledge(ack: Ack) -> None:
        ack()

    def decide(body: dict[str, Any], action: dict[str, Any], client: WebClient,
               respond: Respond) -> None:
        user = body["user"]["id"]
        answer_as = Approve if action["action_id"] == APPROVE else Deny
        conv = Conversation(client, user, (body.get("channel") or {}).get("id", ""),
                            respond if body.get("response_url") else None)
        home = body.get("view", {}).get("type") == "home"
        dispatch(services, Surface(conv, in_place=True, after=(
            lambda _: publish_home(services, client, user)) if home else None),
            answer_as(str(action["value"])))

    def preview(body: dict[str, Any], client: WebClient) -> None:
        view = body["view"]
        client.views_update(view_id=view["id"], hash=view.get("hash"),
                            view=rule_preview(services, view))

    app.action(APPROVE)(ack=acknowledge, lazy=[decide])
    app.action(DENY)(ack=acknowledge, lazy=[decide])
    app.action(RULE_PREVIEW)(ack=acknowledge, lazy=[preview])
    app.action(RULE_PATTERN)(ack=acknowledge, lazy=[preview])
