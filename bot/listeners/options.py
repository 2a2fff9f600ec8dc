"""Options loads: the group search of the push dialog, answered from the directory."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.listeners.context import Services
from bot.queries import group_choices
from bot.views.dialogs import GROUP_SELECT, group_options


def register(app: App, services: Services) -> None:
    """Answer the external select of directory groups as the person types."""

    @app.options(GROUP_SELECT)
    def groups(ack: Ack, payload: dict[str, Any]) -> None:
        ack(options=group_options(group_choices(services.service, payload.get("value", ""))))
