"""Events: app_home_opened publishes the Home tab (the Push Groups tab)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.listeners.context import Services
from bot.views.home import HomeState

EVENTS = ("app_home_opened",)
"""The events this module listens to (manifest.yml subscribes to exactly these)."""


def publish_home(services: Services, client: WebClient, user: str,
                 state: HomeState | None = None) -> None:
    """Publish this person's Home tab (as they last looked at it, unless told)."""
    services.home.publish(client, user, state)


def register(app: App, services: Services) -> None:
    """Listen to app_home_opened."""

    def acknowledge(ack: Ack) -> None:
        ack()

    def home_opened(event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") == "home":
            shown = (event.get("view") or {}).get("private_metadata")
            state = HomeState.from_metadata(shown) if shown else None
            publish_home(services, client, event["user"], state)

    app.event(EVENTS[0])(ack=acknowledge, lazy=[home_opened])
