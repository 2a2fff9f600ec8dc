"""Good citizenship toward an Okta org's rate limits.

Okta counts requests per endpoint family ("bucket"), each with its own limit per minute, and
tells it on every answer: X-Rate-Limit-Limit, X-Rate-Limit-Remaining and X-Rate-Limit-Reset
(UTC epoch seconds when the bucket refills); past the limit it answers 429
(https://developer.okta.com/docs/reference/rl-best-practices/,
https://developer.okta.com/docs/reference/rl-global-mgmt/). The limits are the org's, shared
with every other integration, so grouppush uses at most `max_rate_share` of each bucket in
each window and then waits for the reset; when nothing remains it waits as well.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from connectors.errors import from_status
from connectors.http import HttpSender

MARGIN = 1.0
"""Seconds past the reset before the next request (clocks differ a little)."""
MAX_WAIT = 65.0
"""A reset further away than this is not believed: a window is a minute."""
FAMILIES = [
    (re.compile(r"^/api/v1/users$"), "users"),
    (re.compile(r"^/api/v1/users/[^/]+$"), "user"),
    (re.compile(r"^/api/v1/users/[^/]+/groups$"), "user groups"),
    (re.compile(r"^/api/v1/groups$"), "groups"),
    (re.compile(r"^/api/v1/groups/[^/]+$"), "group"),
    (re.compile(r"^/api/v1/groups/[^/]+/users$"), "group members"),
    (re.compile(r"^/api/v1/logs$"), "logs"),
    (re.compile(r"^/api/v1/apps/[^/]+/group-push/mappings$"), "group push mappings"),
    (re.compile(r"^/api/v1/apps/[^/]+/group-push/mappings/[^/]+$"), "group push mapping"),
]


def family(path: str) -> str:
    """The endpoint family (Okta's rate-limit bucket) of an API path."""
    for pattern, name in FAMILIES:
        if pattern.match(path):
            return name
    return path


@dataclass
class Bucket:
    """What Okta last said about one family, and how many requests grouppush sent in it."""

    limit: int
    remaining: int
    reset_at: float
    ours: int = 0


class RateLimits:
    """Waits before a request when grouppush used its share of the family's window, or
    when nothing remains; learns the windows from the answers."""

    def __init__(self, share: float, sleep: Callable[[float], None],
                 clock: Callable[[], float]) -> None:
        self.share, self.sleep, self.clock = share, sleep, clock
        self.buckets: dict[str, Bucket] = {}
        self.waited = 0.0
        self._lock = threading.Lock()

    def allowed(self, bucket: Bucket) -> int:
        """How many requests of the bucket's window grouppush may send."""
        return max(1, math.floor(bucket.limit * self.share))

    def before(self, path: str) -> None:
        """Wait, if needed, before sending a request to this path."""
        name = family(path)
        with self._lock:
            bucket = self.buckets.get(name)
            if bucket is None:
                return
            now = self.clock()
            if now >= bucket.reset_at:  # a new window: nothing known about it yet
                del self.buckets[name]
                return
            spent = bucket.ours >= self.allowed(bucket) or bucket.remaining <= 0
            wait = bucket.reset_at - now + MARGIN
            if spent:
                del self.buckets[name]
        if spent:
            self.wait(wait)

    def after(self, path: str, response: httpx.Response) -> None:
        """Learn the family's window from an answer (each answer counts as one of ours)."""
        try:
            limit = int(response.headers["X-Rate-Limit-Limit"])
            remaining = int(response.headers["X-Rate-Limit-Remaining"])
            reset_at = float(response.headers["X-Rate-Limit-Reset"])
        except (KeyError, ValueError):
            return
        name = family(path)
        with self._lock:
            bucket = self.buckets.get(name)
            if bucket is None or bucket.reset_at != reset_at:
                bucket = self.buckets[name] = Bucket(limit, remaining, reset_at)
            bucket.limit, bucket.remaining = limit, min(bucket.remaining, remaining)
            bucket.ours += 1

    def until_reset(self, response: httpx.Response) -> float | None:
        """After a 429: seconds until the window the answer names resets (None if unnamed);
        the connectors' one retry policy (HttpSender's) decides whether to wait that long."""
        try:
            wait = float(response.headers["X-Rate-Limit-Reset"]) - self.clock() + MARGIN
        except (KeyError, ValueError):
            return None
        return min(max(wait, 0.0), MAX_WAIT)

    def wait(self, seconds: float) -> None:
        """Sleep (at most MAX_WAIT), counting the time spent waiting."""
        seconds = min(max(seconds, 0.0), MAX_WAIT)
        if seconds > 0:
            self.waited += seconds
            self.sleep(seconds)


def send(http: HttpSender, limits: RateLimits, method: str, url: str, path: str, what: str,
         *, ok: tuple[int, ...] = (200,), **request: Any) -> httpx.Response:
    """One request to Okta (`url` is the org's base plus `path`) within grouppush's share of
    the rate limit; a 429 waits for the reset the answer names, as the one retry policy
    allows, and then is an error with its hints."""
    route = urlsplit(path).path
    attempt = 0
    while True:
        attempt += 1
        limits.before(route)
        response = http.request(method, url, ok=(*ok, 429), what=what, **request)
        limits.after(route, response)
        if response.status_code != 429:
            return response
        wait = http.policy.wait(attempt, limits.until_reset(response))
        if wait is None:
            error = from_status(429, f"Okta kept refusing {what}", http.describe(response))
            if http.hints is not None:
                error.hints = http.hints
            raise error
        limits.wait(wait)
