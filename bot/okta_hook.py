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
from collections.abc import Callable, Iterable
from typing import Any

from bot.refused import REFUSALS, RefusalLog
from bot.shapes import parse_bounded
from bot.web import WsgiApp

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

    def __init__(self, secret: str, submit: Submit, refusals: RefusalLog = REFUSALS) -> None:
        self.secret = secret.encode()
        self.submit = submit
        self.refusals = refusals

    def __call__(self, environ: dict[str, Any],
                 start_response: Callable[..., Any]) -> Iterable[bytes]:
        """Answer one request from Okta."""
        def refuse(status: str, reason: str, error: str) -> Iterable[bytes]:
            self.refusals.refused(PATH, reason, environ)
            return _answer(start_response, status, {"error": error})

        given = str(environ.get("HTTP_AUTHORIZATION", "")).encode()
        if not hmac.compare_digest(given, self.secret):
            return refuse("401 Unauthorized", "missing_secret" if not given else "wrong_secret",
                          "unauthorized")
        method = environ.get("REQUEST_METHOD", "GET")
        if method == "GET":
            challenge = environ.get("HTTP_X_OKTA_VERIFICATION_CHALLENGE")
            if not challenge:
                return refuse("400 Bad Request", "missing_headers",
                              "no X-Okta-Verification-Challenge header")
            return _answer(start_response, "200 OK", {"verification": challenge})
        if method != "POST":
            return refuse("405 Method Not Allowed", "bad_method", "GET or POST")
        events = self._events(environ)
        if events is None:
            return refuse("400 Bad Request", "malformed_body",
                          "the body is not an Okta event hook delivery")
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
            text = environ["wsgi.input"].read(length).decode("utf-8")
        except UnicodeDecodeError:
            return None
        body, problem = parse_bounded(text, "the delivery")
        data = body.get("data") if isinstance(body, dict) and not problem else None
        events = data.get("events") if isinstance(data, dict) else None
        if not isinstance(events, list):
            return None
        return [{"uuid": _text(e.get("uuid")), "eventType": _text(e.get("eventType")),
                 "target": [{"id": _text(t.get("id")), "type": _text(t.get("type"))}
                            for t in _list(e.get("target")) if isinstance(t, dict)]}
                for e in events if isinstance(e, dict)]


def _text(value: Any) -> str:
    """A scalar as text ("" for anything else: an object where a string was expected)."""
    return str(value) if isinstance(value, str | int | float) and not isinstance(value, bool) \
        else ""


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def hook_routes(directory: dict[str, Any], submit: Submit) -> dict[str, WsgiApp]:
    """`/okta/events` when the directory is Okta with an event hook secret, else nothing."""
    secret = directory.get("event_hook_secret")
    if directory.get("type") != "okta" or not secret:
        return {}
    return {PATH: OktaEventHook(str(secret), submit)}
