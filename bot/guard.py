"""Guards in front of the HTTP handlers: a body size limit for every path, and for Slack's
path the checks that keep signed-but-malformed requests from reaching Bolt as a 500."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

from slack_sdk.signature import SignatureVerifier

from bot.refused import REFUSALS, RefusalLog, endpoint_of
from bot.shapes import shape_problem
from bot.web import WsgiApp

MAX_BODY = 1_000_000
"""Bytes of a request body; Slack's own payloads stay far below (a modal's state is ~KBs)."""
MAX_COMMAND_TEXT = 4000
"""Characters of /grouppush text: Slack's message composer caps what a person can send."""
STALE_SECONDS = 300
"""A Slack request older than this is refused (Slack's own advice: five minutes)."""

StartResponse = Callable[..., Any]


def _answer(start_response: StartResponse, status: str, text: str) -> list[bytes]:
    start_response(status, [("Content-Type", "text/plain; charset=utf-8")])
    return [text.encode() + b"\n"]


def limit_body(handler: WsgiApp, max_body: int = MAX_BODY,
               refusals: RefusalLog = REFUSALS) -> WsgiApp:
    """Refuse a body over max_body bytes with 413, by its Content-Length, before reading it."""

    def guarded(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        raw = environ.get("CONTENT_LENGTH") or "0"
        endpoint = endpoint_of(environ)
        if not raw.isdigit():
            refusals.refused(endpoint, "bad_content_length", environ)
            return _answer(start_response, "400 Bad Request", "Content-Length is not a number")
        if int(raw) > max_body:
            refusals.refused(endpoint, "too_large", environ)
            return _answer(start_response, "413 Content Too Large",
                           f"the body is over {max_body} bytes")
        return handler(environ, start_response)

    return guarded


def guard_slack(handler: WsgiApp, signing_secret: str, path: str = "/slack/events",
                refusals: RefusalLog = REFUSALS) -> WsgiApp:
    """Answer 401 to a request Slack did not sign (a timestamp that is no number included),
    400 to a signed body Bolt could not parse or that has a shape Slack never sends, and a
    short reply to a command over Slack's length; pass the rest on with the body it read.
    Every refusal is counted and logged (bot/refused.py)."""
    verifier = SignatureVerifier(signing_secret) if signing_secret else None

    def guarded(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "POST":
            return handler(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)

        def refuse(status: str, reason: str, text: str) -> list[bytes]:
            refusals.refused(path, reason, environ)
            return _answer(start_response, status, text)

        try:
            body.decode("utf-8")  # Slack's are; the signature check would fail on others
        except UnicodeDecodeError:
            return refuse("400 Bad Request", "not_utf8", "the body is not UTF-8")
        if verifier is not None:
            reason = _unsigned(verifier, body, environ)
            if reason:
                return refuse("401 Unauthorized", reason, "invalid request")
        problem, text = _shape(environ.get("CONTENT_TYPE", ""), body)
        if problem:
            return refuse("400 Bad Request", "malformed_body", problem)
        if text is not None and len(text) > MAX_COMMAND_TEXT:
            start_response("200 OK", [("Content-Type", "application/json")])
            return [json.dumps({"response_type": "ephemeral", "text": (
                f"That command is {len(text)} characters long; /grouppush takes at most "
                f"{MAX_COMMAND_TEXT}. Nothing was run.")}).encode()]
        return handler(environ, start_response)

    return guarded


def _unsigned(verifier: SignatureVerifier, body: bytes, environ: dict[str, Any]) -> str:
    """Why Slack did not sign this request ("" when it did)."""
    timestamp = str(environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", ""))
    signature = environ.get("HTTP_X_SLACK_SIGNATURE")
    if not timestamp or not signature:
        return "missing_headers"
    if not timestamp.isdigit():
        return "bad_timestamp"
    if abs(time.time() - int(timestamp)) > STALE_SECONDS:
        return "stale_timestamp"
    return "" if verifier.is_valid(body, timestamp, signature) else "bad_signature"


def _shape(content_type: str, body: bytes) -> tuple[str, str | None]:
    """What is wrong with a body Bolt will parse (or ""), and a slash command's text."""
    text = body.decode("utf-8")
    if content_type.startswith("application/json"):
        return shape_problem(text or "{}", "the JSON body"), None
    form = parse_qs(text)
    if "payload" in form:
        return shape_problem(form["payload"][0], "payload="), None
    return "", form["text"][0] if "command" in form and "text" in form else None
