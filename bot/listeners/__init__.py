"""Slack listeners, one module per kind; each has `register(app, services)`."""

from __future__ import annotations

from slack_bolt import App

from bot.listeners import (
    actions,
    alert_buttons,
    commands,
    events,
    home_controls,
    options,
    previews,
    retries,
    submissions,
)
from bot.listeners.context import Services

KINDS = (retries, commands, actions, alert_buttons, home_controls, options, previews, submissions,
         events)
"""Every listener module, in registration order (the retry filter first)."""


def register_all(app: App, services: Services) -> None:
    """Register every listener kind on the app."""
    for kind in KINDS:
        kind.register(app, services)


__all__ = ["KINDS", "Services", "register_all"]
