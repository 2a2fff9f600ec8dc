"""Who runs an operation, from where, and how to show its progress."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from engine.service import GroupPushService

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Context:
    """What a handler gets next to its operation."""

    service: GroupPushService
    actor: str
    channel: str = ""
    """The chat channel it was asked in (approval requests are posted there)."""
    progress: Progress | None = None
    """Called with (done, total) members while a long push runs."""
