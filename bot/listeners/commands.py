"""The /grouppush slash command: ack at once, then run the command (or open a dialog)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.listeners.context import Services
from bot.listeners.conversation import Conversation
from bot.listeners.dialogs import open_dialog
from bot.listeners.work import run_command
from bot.views.text import unescape_command

COMMAND = "/grouppush"


def register(app: App, services: Services) -> None:
    """Listen to /grouppush."""

    def acknowledge(ack: Ack) -> None:
        ack()

    def run(body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        text = unescape_command(body.get("text", ""))
        conv = Conversation(client, body["user_id"], body.get("channel_id", ""),
                            respond if body.get("response_url") else None)
        if not open_dialog(services, conv, text, body.get("trigger_id", "")):
            run_command(services, conv, text)

    app.command(COMMAND)(ack=acknowledge, lazy=[run])
