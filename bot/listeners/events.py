"""Events: app_home_opened publishes the Home tab dashboard."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.listeners.context import Services
from bot.queries import home_data
from bot.views.home import home_view

EVENTS = ("app_home_opened",)
"""The events this module listens to (manifest.yml subscribes to exactly these)."""


def publish_home(services: Services, client: WebClient, user: str) -> None:
    """Publish the dashboard on this person's Home tab."""
    client.views_publish(user_id=user, view=home_view(home_data(services.service)))


def register(app: App, services: Services) -> None:
    """Listen to app_home_opened."""

    def acknowledge(ack: Ack) -> None:
        ack()

    def home_opened(event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") == "home":
            publish_home(services, client, event["user"])

    app.event(EVENTS[0])(ack=acknowledge, lazy=[home_opened])
