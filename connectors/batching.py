"""A batch size that follows how fast an app answers: halved when writes run slow or time out,
doubled back (up to the configured maximum) when they are quick again."""

from __future__ import annotations

import threading


class AdaptiveBatch:
    """Members per write request for one app, shared by the threads pushing into it."""

    def __init__(self, maximum: int, slow_seconds: float) -> None:
        self.maximum = maximum
        self.slow_seconds = slow_seconds
        self._size = maximum
        self._lock = threading.Lock()

    @property
    def size(self) -> int:
        """Members to put in the next request."""
        return self._size

    def took(self, seconds: float) -> None:
        """A write succeeded in this time: shrink when slow, grow back when quick."""
        with self._lock:
            if seconds > self.slow_seconds:
                self._size = max(1, self._size // 2)
            elif seconds < self.slow_seconds / 4:
                self._size = min(self.maximum, self._size * 2)

    def timed_out(self) -> None:
        """A write got no answer in time: halve."""
        with self._lock:
            self._size = max(1, self._size // 2)
