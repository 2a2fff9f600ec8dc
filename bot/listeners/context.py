"""What every listener shares: the engine service, delivery dedupe and progress pacing."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from bot.home_viewers import HomeTab
from engine.service import GroupPushService

DEDUPE_SECONDS = 15 * 60.0
"""How long a delivery is remembered; Slack retries within minutes."""


class Deliveries:
    """Remembers which Slack deliveries were already handled, so none is handled twice."""

    def __init__(self, ttl: float = DEDUPE_SECONDS) -> None:
        self.ttl = ttl
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()

    def first_time(self, key: str) -> bool:
        """True the first time a key is seen (within the ttl), False after."""
        now = time.monotonic()
        with self._lock:
            if len(self._seen) > 10_000:
                self._seen = {k: t for k, t in self._seen.items() if now - t < self.ttl}
            seen = self._seen.get(key)
            if seen is not None and now - seen < self.ttl:
                return False
            self._seen[key] = now
            return True


def delivery_key(body: dict[str, Any]) -> str | None:
    """What identifies one delivery across Slack's retries, or None for harmless requests."""
    if body.get("event_id"):
        return f"event:{body['event_id']}"
    kind = str(body.get("type") or ("command" if body.get("command") else ""))
    if kind == "block_suggestion" or not body.get("trigger_id"):
        return None
    actions = body.get("actions") or [{}]
    return f"{kind}:{body['trigger_id']}:{actions[0].get('action_ts', '')}"


@dataclass
class Services:
    """The engine service and the bot's own state, handed to every listener module."""

    service: GroupPushService
    progress_interval: float = 2.0
    """Seconds between progress updates of a working message (chat.update is rate limited)."""
    deliveries: Deliveries = field(default_factory=Deliveries)
    home: HomeTab = field(init=False)
    """Each person's Home tab, kept fresh while they view it."""

    def __post_init__(self) -> None:
        self.home = HomeTab(self.service)
