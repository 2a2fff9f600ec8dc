"""The push dialog's plan: each choice (group, app, memberships) shows the push's dry run in
the modal before Push is pressed."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.listeners.context import Services
from bot.listeners.dialogs import push_preview
from bot.views.dialogs import APP_SELECT, GROUP_SELECT, MEMBERSHIPS, PUSH_DIALOG

log = logging.getLogger(__name__)
KEPT = 500
"""Modals whose last update is remembered (the newest; a modal lives minutes)."""


class ModalUpdates:
    """Updates a modal with the view of its newest choice only: an older choice's plan that
    finishes later is dropped, and a hash our own newer update made stale is taken from it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._shown: OrderedDict[str, tuple[float, str]] = OrderedDict()
        """view id -> (the choice's action_ts, the hash Slack gave the view we set)."""

    def update(self, client: WebClient, view: dict[str, Any], new: dict[str, Any],
               at: float) -> None:
        """views.update with the view's hash, unless a newer choice is already shown."""
        view_id = str(view["id"])
        with self._lock:
            last = self._shown.get(view_id)
            if last is not None and last[0] > at:
                return
            try:
                result = client.views_update(view_id=view_id, hash=view.get("hash"), view=new)
            except SlackApiError as error:
                if error.response.get("error") != "hash_conflict" or last is None:
                    raise
                result = client.views_update(view_id=view_id, hash=last[1], view=new)
            self._shown[view_id] = (at, str((result.get("view") or {}).get("hash") or ""))
            self._shown.move_to_end(view_id)
            while len(self._shown) > KEPT:
                self._shown.popitem(last=False)


def register(app: App, services: Services) -> None:
    """Listen to the push dialog's choices and show the plan of what is chosen."""
    updates = ModalUpdates()

    def acknowledge(ack: Ack) -> None:
        ack()

    def plan(body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        view = body.get("view") or {}
        if view.get("callback_id") != PUSH_DIALOG:
            return
        new = push_preview(services, view, body["user"]["id"])
        if new is not None:
            updates.update(client, view, new, float(action.get("action_ts") or 0))

    for action_id in (GROUP_SELECT, APP_SELECT, MEMBERSHIPS):
        app.action(action_id)(ack=acknowledge, lazy=[plan])
