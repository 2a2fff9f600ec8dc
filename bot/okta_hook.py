"""The Okta event hook endpoint of `grouppush run`: `/okta/events`.

As Okta's event hook documentation requires
(https://developer.okta.com/docs/concepts/event-hooks/,
https://developer.okta.com/docs/guides/event-hook-implementation/):
- the one-time verification is a GET carrying `X-Okta-Verification-Challenge`; it is
  answered 200 with `{"verification": "<the header's value>"}`;
- each delivery is a POST whose body holds the events in `data.events`; Okta waits 3 seconds
  for the answer, so the endpoint answers 200 at once and hands the events to the worker
  process (engine/hooks.py does the work there);
- every request, the verification too, must carry the Authorization header value Okta is
  configured to send (`directory.event_hook_secret`), compared in constant time: anything
  else is 401 and changes nothing.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from bot.web import WsgiApp

log = logging.getLogger(__name__)
PATH = "/okta/events"
MAX_BODY = 1 << 20
"""Okta sends at most 50 events a delivery; a megabyte is far more than that."""
Submit = Callable[[dict[str, Any]], None]


def _answer(start_response: Callable[..., Any], status: str,
            body: dict[str, Any] | None = None) -> Iterable[bytes]:
    data = json.dumps(body).encode() if body is not None else b""
    headers = [("Content-Length", str(len(data)))]
    if body is not None:
        headers.append(("Content-Type", "application/json"))
    start_response(status, headers)
    return [data]


class OktaEventHook:
    """The WSGI app behind /okta/events; `submit` hands the events on (to the worker)."""

    def __init__(self, secret: str, submit: Submit) -> None:
        self.secret = secret.encode()
        self.submit = submit

    def __call__(self, environ: dict[str, Any],
                 start_response: Callable[..., Any]) -> Iterable[bytes]:
        """Answer one request from Okta."""
        given = str(environ.get("HTTP_AUTHORIZATION", "")).encode()
        if not hmac.compare_digest(given, self.secret):
            log.warning("an Okta event hook request without the configured Authorization "
                        "value was refused")
            return _answer(start_response, "401 Unauthorized", {"error": "unauthorized"})
        method = environ.get("REQUEST_METHOD", "GET")
        if method == "GET":
            challenge = environ.get("HTTP_X_OKTA_VERIFICATION_CHALLENGE")
            if not challenge:
                return _answer(start_response, "400 Bad Request",
                               {"error": "no X-Okta-Verification-Challenge header"})
            return _answer(start_response, "200 OK", {"verification": challenge})
        if method != "POST":
            return _answer(start_response, "405 Method Not Allowed", {"error": "GET or POST"})
        events = self._events(environ)
        if events is None:
            return _answer(start_response, "400 Bad Request",
                           {"error": "the body is not an Okta event hook delivery"})
        if events:
            self.submit({"kind": "okta-events", "events": events})
        return _answer(start_response, "200 OK")

    def _events(self, environ: dict[str, Any]) -> list[dict[str, Any]] | None:
        """The delivery's events, only what the worker needs of each; None when malformed."""
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return None
        if not 0 < length <= MAX_BODY:
            return None
        try:
            body = json.loads(environ["wsgi.input"].read(length))
            events = body["data"]["events"]
        except (ValueError, KeyError, TypeError):
            return None
        if not isinstance(events, list):
            return None
        return [{"uuid": str(e.get("uuid", "")), "eventType": str(e.get("eventType", "")),
                 "target": [{"id": str(t.get("id", "")), "type": str(t.get("type", ""))}
                            for t in e.get("target") or () if isinstance(t, dict)]}
                for e in events if isinstance(e, dict)]


def hook_routes(directory: dict[str, Any], submit: Submit) -> dict[str, WsgiApp]:
    """`/okta/events` when the directory is Okta with an event hook secret, else nothing."""
    secret = directory.get("event_hook_secret")
    if directory.get("type") != "okta" or not secret:
        return {}
    return {PATH: OktaEventHook(str(secret), submit)}
