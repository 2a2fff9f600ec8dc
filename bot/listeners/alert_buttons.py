"""The buttons of alerts: Push now and Ignore on drift, Retry (and Retry all) on a failed
push."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.listeners.context import Services
from bot.listeners.conversation import Conversation
from bot.listeners.work import Surface, dispatch
from bot.views import alerts as views
from bot.views.replies import answer
from bot.views.words import render
from engine import alerts
from engine.alerts import ErrorAlert
from engine.core import Operation, RefusalError, Reply
from engine.operations import Ignore, PushNow, Retry


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
        drift = alerts.drift_of(services.service, mapping_id)  # before Push now clears it
        try:
            asked = operation(services, kind, mapping_id)
        except RefusalError as refusal:
            conv.tell(answer(Reply.refused(str(refusal))))
            return

        def close(reply: Reply) -> None:
            if not reply.ok:
                return
            if kind == views.RETRY:
                closed = views.error_closed(_error(services, mapping_id), render(reply))
            else:
                closed = views.drift_closed(drift, "push now" if kind == views.PUSH_NOW
                                            else "ignored", user)
                alerts.remember_drift_alert(services.service, mapping_id)
            if channel and ts:
                client.chat_update(channel=channel, ts=ts, **closed)

        dispatch(services, Surface(conv, in_place=True, after=close), asked)

    def retried_all(body: dict[str, Any], action: dict[str, Any], client: WebClient,
                    respond: Respond) -> None:
        """Retry all: every failed push of the app; each fixed one's alert says so."""
        user = body["user"]["id"]
        channel = (body.get("channel") or {}).get("id", "")
        conv = Conversation(client, user, channel, respond if body.get("response_url") else None)
        dispatch(services, Surface(conv, privately=True),
                 Retry(app=str(action["value"]), everything=True))

    for action_id in (views.PUSH_NOW, views.IGNORE, views.RETRY):
        app.action(action_id)(ack=acknowledge, lazy=[clicked])
    app.action(views.RETRY_ALL)(ack=acknowledge, lazy=[retried_all])


def operation(services: Services, kind: str, mapping_id: int) -> Operation:
    """The operation a click asks for, on the push the alert is about."""
    if kind == views.RETRY:
        return Retry(mapping_id)
    service = services.service
    mapping = alerts.mapping_by_id(service, mapping_id)
    name = service.kept.current_name(mapping.group_id) or mapping.group_name  # if renamed
    return PushNow(name, mapping.app) if kind == views.PUSH_NOW else Ignore(name, mapping.app)


def _error(services: Services, mapping_id: int) -> ErrorAlert:
    mapping = alerts.mapping_by_id(services.service, mapping_id)
    return ErrorAlert(mapping_id=mapping_id, group=mapping.group_name, app=mapping.app,
                      operation="", message="", status=None, hint="", at="")
