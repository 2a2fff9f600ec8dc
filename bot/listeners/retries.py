"""Slack's retries and repeated deliveries: each delivery is handled once, repeats only acked."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse

from bot.listeners.context import Services, delivery_key

log = logging.getLogger(__name__)


def register(app: App, services: Services) -> None:
    """Answer a delivery seen before (a retry) with 200 and do nothing more."""

    @app.middleware
    def once(request: BoltRequest, body: dict[str, Any],
             next: Callable[[], BoltResponse]) -> BoltResponse | None:
        if request.lazy_only:  # the worker running what this process acked: not a delivery
            return next()
        key = delivery_key(body)
        retried = request.headers.get("x-slack-retry-num")
        if key is not None and not services.deliveries.first_time(key):
            log.info("ignoring a repeated delivery %s (retry %s)", key, retried)
            return BoltResponse(status=200, body="")
        return next()
