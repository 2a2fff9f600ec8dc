"""The /grouppush slash command: ack at once (opening a dialog right there), then run it."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.listeners.context import Services
from bot.listeners.conversation import Conversation
from bot.listeners.dialogs import open_dialog, wanted_dialog
from bot.listeners.work import run_command
from bot.views.text import unescape_command

COMMAND = "/grouppush"


def _conversation(body: dict[str, Any], client: WebClient, respond: Respond) -> Conversation:
    return Conversation(client, body["user_id"], body.get("channel_id", ""),
                        respond if body.get("response_url") else None)


def register(app: App, services: Services) -> None:
    """Listen to /grouppush."""

    def acknowledge(ack: Ack, body: dict[str, Any], client: WebClient,
                    respond: Respond) -> None:
        ack()
        text = unescape_command(body.get("text", ""))
        if wanted_dialog(text):  # opened here, at once: its trigger_id lasts 3 seconds
            open_dialog(services, _conversation(body, client, respond), text,
                        body.get("trigger_id", ""))

    def run(body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        text = unescape_command(body.get("text", ""))
        if not wanted_dialog(text):
            run_command(services, _conversation(body, client, respond), text)

    app.command(COMMAND)(ack=acknowledge, lazy=[run])
