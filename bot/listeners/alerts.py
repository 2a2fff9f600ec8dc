"""The buttons of alerts: Push now and Ignore on drift, Retry on a failed push."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.listeners.context import Services
from bot.listeners.conversation import Conversation
from bot.views import alerts as views
from bot.views.replies import answer
from connectors.errors import ConnectorError
from engine import alerts
from engine.alerts import ErrorAlert
from engine.pusher import Refused
from engine.results import Reply


def register(app: App, services: Services) -> None:
    """Listen to the alert buttons."""

    def acknowledge(ack: Ack) -> None:
        ack()

    def clicked(body: dict[str, Any], action: dict[str, Any], client: WebClient,
                respond: Respond) -> None:
        user = body["user"]["id"]
        channel = (body.get("channel") or {}).get("id", "")
        ts = (body.get("container") or {}).get("message_ts", "")
        conv = Conversation(client, user, channel, respond if body.get("response_url") else None)
        mapping_id, kind = int(action["value"]), action["action_id"]
        try:
            reply = run(services, kind, mapping_id, user)
        except Refused as refusal:
            reply = Reply.refused(str(refusal))
        except ConnectorError as error:
            reply = Reply.failed(f"Failed: {error.describe()}")
        if not reply.ok:
            conv.tell(answer(reply))
            return
        if kind == views.RETRY:
            closed = views.error_closed(_error(services, mapping_id), reply.text)
            alerts.remember_error_alert(services.service, mapping_id, "", "")
        else:
            closed = views.drift_closed(None, "push now" if kind == views.PUSH_NOW
                                        else "ignored", user)
            alerts.remember_drift_alert(services.service, mapping_id)
        if channel and ts:
            client.chat_update(channel=channel, ts=ts, **closed)

    for action_id in (views.PUSH_NOW, views.IGNORE, views.RETRY):
        app.action(action_id)(ack=acknowledge, lazy=[clicked])


def run(services: Services, kind: str, mapping_id: int, user: str) -> Reply:
    """What a click asks the engine to do."""
    if kind == views.PUSH_NOW:
        return alerts.push_now_by_id(services.service, mapping_id, user)
    if kind == views.IGNORE:
        return alerts.ignore_drift(services.service, mapping_id, user)
    return alerts.retry(services.service, mapping_id, user)


def _error(services: Services, mapping_id: int) -> ErrorAlert:
    mapping = alerts.mapping_by_id(services.service, mapping_id)
    return ErrorAlert(mapping_id=mapping_id, group=mapping.group_name, app=mapping.app,
                      operation="", message="", status=None, hint="", at="")
