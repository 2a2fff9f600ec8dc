"""Sending HTTP requests to apps: retries with backoff, Retry-After, a rate limit, error mapping."""

from __future__ import annotations

import dataclasses
import email.utils
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

import httpx

from connectors.errors import ConnectorError, TimedOutError, UnreachableError, from_status
from telemetry.metrics import record_request

Sleep = Callable[[float], None]


def app_message(response: httpx.Response) -> str:
    """The app's own words about an error, from the fields vendors document for them (SCIM
    scimType and detail, Graph error.code and message, Box code and message, Okta
    errorSummary, OAuth error and error_description): never the body itself, which may echo
    what was sent."""
    try:
        body = response.json()
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    error = body.get("error")
    keys: tuple[str, ...]
    if isinstance(error, dict):  # Microsoft Graph
        keys, body = ("code", "message"), error
    elif "errorSummary" in body:  # Okta
        keys = ("errorSummary",)
    elif "detail" in body or "scimType" in body:  # SCIM (RFC 7644 3.12)
        keys = ("scimType", "detail")
    elif "error_description" in body:  # OAuth 2.0 (RFC 6749 5.2)
        keys = ("error_description",)
    else:  # Box, and the usual `message`
        keys = ("code", "message", "error")
    words = [str(body[k]) for k in keys
             if isinstance(body.get(k), str | int) and not isinstance(body.get(k), bool)
             and str(body[k]).strip()]
    return ": ".join(dict.fromkeys(words))


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value)
        if parsed is None:
            return None
        return max(0.0, parsed.timestamp() - time.time())


class RateLimiter:
    """At most `per_minute` requests a minute, spread evenly, shared by threads."""

    def __init__(self, per_minute: int | None, sleep: Sleep = time.sleep) -> None:
        self.interval = 60.0 / per_minute if per_minute else 0.0
        self._next = 0.0
        self._lock = threading.Lock()
        self._sleep = sleep

    def wait(self) -> None:
        """Block until the next request may go."""
        if not self.interval:
            return
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            self._sleep(start - now)


@dataclasses.dataclass(frozen=True)
class RetryPolicy:
    """The one retry policy of every connector: how often, and how long to wait, before a
    transient failure (429, 5xx, no answer) is sent again."""

    retries: int = 4
    backoff: float = 0.5
    """The first wait when the app names none; it doubles at each attempt."""
    max_wait: float = 30.0
    """A longer wait than this (a far Retry-After) is not waited for: the error is raised."""

    def wait(self, attempt: int, retry_after: float | None) -> float | None:
        """Seconds to wait after failed attempt `attempt` (1, 2, ...), or None to give up."""
        if attempt > self.retries:
            return None
        wait = retry_after if retry_after is not None else self.backoff * 2 ** (attempt - 1)
        return None if wait > self.max_wait else wait


class HttpSender:
    """Sends requests for one app: bounded retries of 429/5xx/network errors, mapped errors."""

    def __init__(
        self,
        client: httpx.Client,
        *,
        app: str,
        retries: int = 4,
        backoff: float = 0.5,
        max_wait: float = 30.0,
        requests_per_minute: int | None = None,
        sleep: Sleep = time.sleep,
        describe: Callable[[httpx.Response], str] = app_message,
        hints: dict[str, str] | None = None,
        target: str | None = None,
    ) -> None:
        self.client = client
        self.hints = hints
        self.app = app
        self.target = target or app
        """The `target` label of this sender's requests in the metrics."""
        self.policy = RetryPolicy(retries, backoff, max_wait)
        self.limiter = RateLimiter(requests_per_minute, sleep)
        self.sleep = sleep
        self.describe = describe
        self.requests_sent = 0
        self._count_lock = threading.Lock()

    @property
    def backoff(self) -> float:
        """The policy's first wait (tests shorten it)."""
        return self.policy.backoff

    @backoff.setter
    def backoff(self, seconds: float) -> None:
        self.policy = dataclasses.replace(self.policy, backoff=seconds)

    def request(
        self,
        method: str,
        url: str,
        *,
        ok: Iterable[int] = (200, 201, 204),
        what: str = "",
        repeat_on_timeout: bool = True,
        **kwargs: Any,
    ) -> httpx.Response:
        """Send one request, retrying what is transient; raise a ConnectorError otherwise.

        With repeat_on_timeout=False a request that got no answer in time is not sent again
        (a write the app may have applied): TimedOutError tells the caller to look first."""
        accepted = set(ok)
        what = what or f"{method} {url.split('?')[0]}"
        attempt = 0
        error: ConnectorError
        while True:
            attempt += 1
            self.limiter.wait()
            with self._count_lock:
                self.requests_sent += 1
            try:
                response = self.client.request(method, url, **kwargs)
            except httpx.TimeoutException as exc:
                record_request(self.target, "unreachable")
                if not repeat_on_timeout:
                    raise TimedOutError(f"{self.app} did not answer {what} in time: "
                                        f"{transport_words(exc)}") from None
                error = UnreachableError(f"{self.app} did not answer {what}: "
                                         f"{transport_words(exc)}")
            except httpx.TransportError as exc:
                record_request(self.target, "unreachable")
                error = UnreachableError(f"{self.app} did not answer {what}: "
                                         f"{transport_words(exc)}")
            else:
                record_request(self.target, response.status_code)
                if response.status_code in accepted:
                    return response
                error = from_status(
                    response.status_code,
                    f"{self.app} refused {what}",
                    self.describe(response),
                    retry_after_seconds(response.headers.get("Retry-After")),
                )
            if self.hints is not None:
                error.hints = self.hints
            wait = self.policy.wait(attempt, error.retry_after) if error.transient else None
            if wait is None:
                raise error
            self.sleep(wait)


TRANSPORT_WORDS = (
    (httpx.ConnectTimeout, "no connection within the time allowed"),
    (httpx.ConnectError, "could not connect (is the URL right and the app up?)"),
    (httpx.ReadTimeout, "no answer within the time allowed"),
    (httpx.WriteTimeout, "could not send the request within the time allowed"),
    (httpx.PoolTimeout, "too many requests at once; none could start in time"),
    (httpx.RemoteProtocolError, "the connection was closed before a whole answer came"),
    (httpx.ProxyError, "the proxy refused the connection"),
    (httpx.UnsupportedProtocol, "the URL does not start with http:// or https://"),
    (httpx.TimeoutException, "no answer within the time allowed"),
    (httpx.NetworkError, "the connection broke"),
)


def transport_words(exc: httpx.TransportError) -> str:
    """What went wrong on the wire, in words (not httpx's class names)."""
    for kind, words in TRANSPORT_WORDS:
        if isinstance(exc, kind):
            return words
    return "the connection failed"
