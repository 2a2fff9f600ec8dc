"""Refused HTTP requests, seen: each is counted in /metrics by endpoint and reason, and logged
at WARNING at most once a minute per reason and source, with how many were refused since."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from telemetry.metrics import record_refused

log = logging.getLogger(__name__)
EVERY_SECONDS = 60.0
MAX_SOURCES = 1000
"""Reason-and-source pairs remembered at once; the oldest are forgotten first."""
Clock = Callable[[], float]


ENDPOINTS = ("/slack/events", "/okta/events", "/metrics", "/healthz", "/readyz")
"""The `endpoint` label's values (any other path is `other`: labels stay bounded)."""


def endpoint_of(environ: dict[str, Any]) -> str:
    """The request's path as the `endpoint` label."""
    path = str(environ.get("PATH_INFO", ""))
    return path if path in ENDPOINTS else "other"


def source_of(environ: dict[str, Any]) -> str:
    """Where a request came from: the first X-Forwarded-For address, else the peer's."""
    forwarded = str(environ.get("HTTP_X_FORWARDED_FOR", "")).split(",")[0].strip()
    return (forwarded or str(environ.get("REMOTE_ADDR", "")) or "unknown")[:64]


class RefusalLog:
    """Counts refusals and tells them at WARNING, once a minute per reason and source."""

    def __init__(self, clock: Clock = time.monotonic) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._seen: dict[tuple[str, str], tuple[float, int]] = {}
        """(reason, source) -> (when last told, refused since)"""

    def refused(self, endpoint: str, reason: str, environ: dict[str, Any]) -> None:
        """Count one refused request, and tell it unless told within the minute."""
        record_refused(endpoint, reason)
        source, now = source_of(environ), self.clock()
        with self._lock:
            told, since = self._seen.get((reason, source), (None, 0))
            since += 1
            if told is not None and now - told < EVERY_SECONDS:
                self._seen[(reason, source)] = (told, since)
                return
            self._seen.pop((reason, source), None)
            self._seen[(reason, source)] = (now, 0)
            while len(self._seen) > MAX_SOURCES:
                del self._seen[next(iter(self._seen))]
        log.warning("refused %d request%s to %s from %s: %s", since, "" if since == 1 else "s",
                    endpoint, source, reason.replace("_", " "),
                    extra={"endpoint": endpoint, "reason": reason, "refused": since})


REFUSALS = RefusalLog()
"""The process's refusal log (tests may make their own)."""
