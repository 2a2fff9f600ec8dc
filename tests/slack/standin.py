"""A stand-in for Slack's Web API and response_urls: records every call, answers like Slack.

Responses follow Slack's documented shapes (chat.postMessage returns ok, channel, ts and the
message; views.* return the view with an id and hash; errors are {"ok": false, "error": ...}
with HTTP 200). Blocks are checked against Block Kit's main limits, as Slack does, so a view
that Slack would refuse with invalid_blocks fails here too.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from tests.slack import limits

BOT_TOKEN = "xoxb-test-not-a-secret"
APP_TOKEN = "xapp-test-not-a-secret"
TEAM_ID, BOT_USER, BOT_ID = "T0TEAM", "U0BOT", "B0BOT"
NOT_IN_CHANNEL = "C0NOTIN"
"""A channel the bot is not a member of: chat.postMessage there fails with not_in_channel."""


@dataclass
class Call:
    """One request the bot made."""

    method: str
    args: dict[str, Any]
    result: dict[str, Any] = field(default_factory=dict)
    """What the stand-in answered (ts of a posted message, id of an opened view, ...)."""
    at: float = field(default_factory=time.monotonic)


def block_problems(blocks: list[dict[str, Any]], surface: str) -> list[str]:
    """What Slack would refuse in these blocks (tests/slack/limits.py)."""
    return limits.block_problems(blocks, surface)


class SlackStandIn:
    """The Web API at {url}/api/ and response_urls at {url}/hooks/N, on loopback."""

    def __init__(self, port: int = 0) -> None:
        self.calls: list[Call] = []
        self._changed = threading.Condition()
        self._ts = itertools.count(1)
        self._views = itertools.count(1)
        self._hooks = itertools.count(1)
        self.fail_next: dict[str, str] = {}
        self.socket_url = ""  # what apps.connections.open gives (a SocketStandIn's url)
        self._external: dict[str, str] = {}
        """external_id -> view id of the views opened with one (views.update finds them)."""
        self._home_hashes: dict[str, str] = {}
        """user -> hash of their Home tab as last published (views.publish checks `hash`)."""
        self._modal_hashes: dict[str, str] = {}
        """view id -> hash of a modal as last opened or updated (views.update checks `hash`)."""
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode()
                status, body = standin.answer(self.path, self.headers, raw)
                data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8"
                                 if not isinstance(body, str) else "text/plain")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def api_url(self) -> str:
        """The Web API base, for SLACK_API_URL."""
        return f"{self.url}/api/"

    def response_url(self) -> str:
        """A fresh response_url, as Slack puts in a slash command or a click."""
        return f"{self.url}/hooks/{next(self._hooks)}"

    def stop(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()

    # -- answering ---------------------------------------------------------------------

    def answer(self, path: str, headers: Any, raw: str) -> tuple[int, Any]:
        """Record one call and answer it like Slack."""
        if path.startswith("/hooks/"):
            self._record("response_url", {**json.loads(raw), "url": f"{self.url}{path}"})
            return 200, "ok"
        method = path.removeprefix("/api/")
        if "json" in (headers.get("Content-Type") or ""):
            args: dict[str, Any] = json.loads(raw or "{}")
        else:
            args = {k: v[0] for k, v in parse_qs(raw).items()}
        for key in ("blocks", "view"):
            if isinstance(args.get(key), str):
                args[key] = json.loads(args[key])
        if method == "apps.connections.open":  # the only method that takes the app token
            if headers.get("Authorization") != f"Bearer {APP_TOKEN}" or not self.socket_url:
                return 200, {"ok": False, "error": "invalid_auth"}
            self._record(method, args)
            return 200, {"ok": True, "url": self.socket_url}
        if headers.get("Authorization") != f"Bearer {BOT_TOKEN}":
            return 200, {"ok": False, "error": "invalid_auth"}
        if method in self.fail_next:
            result = {"ok": False, "error": self.fail_next.pop(method)}
        else:
            result = self._result(method, args)
        self._record(method, args, result)
        return 200, result

    def _result(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {"ok": True, "url": "https://acme.slack.com/", "team": "Acme",
                    "user": "grouppush", "team_id": TEAM_ID, "user_id": BOT_USER,
                    "bot_id": BOT_ID, "is_enterprise_install": False}
        if method in ("chat.postMessage", "chat.update", "chat.postEphemeral"):
            problems = block_problems(args.get("blocks") or [], "message")
            if problems:
                return {"ok": False, "error": "invalid_blocks", "errors": problems}
        if method == "chat.postMessage":
            if args.get("channel") == NOT_IN_CHANNEL:
                return {"ok": False, "error": "not_in_channel"}
            ts = f"1700000000.{next(self._ts):06d}"
            return {"ok": True, "channel": args["channel"], "ts": ts,
                    "message": {"type": "message", "user": BOT_USER, "bot_id": BOT_ID,
                                "text": args.get("text", ""), "blocks": args.get("blocks", []),
                                "ts": ts}}
        if method == "chat.update":
            return {"ok": True, "channel": args["channel"], "ts": args["ts"],
                    "text": args.get("text", ""),
                    "message": {"text": args.get("text", ""), "blocks": args.get("blocks", [])}}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": f"1700000000.{next(self._ts):06d}"}
        if method == "chat.delete":
            return {"ok": True, "channel": args["channel"], "ts": args["ts"]}
        if method in ("views.open", "views.update", "views.publish"):
            view = args["view"]
            problems = limits.view_problems(view)
            if problems:
                return {"ok": False, "error": "invalid_arguments", "errors": problems}
            external = view.get("external_id") or args.get("external_id")
            if method == "views.update" and args.get("external_id") \
                    and args["external_id"] not in self._external:
                return {"ok": False, "error": "not_found"}
            if method == "views.publish":
                shown = self._home_hashes.get(args["user_id"])
                if args.get("hash") and args["hash"] != shown:
                    return {"ok": False, "error": "hash_conflict"}
            if method == "views.update" and args.get("hash") and args.get("view_id") \
                    in self._modal_hashes and args["hash"] != self._modal_hashes[args["view_id"]]:
                return {"ok": False, "error": "hash_conflict"}
            view_id = args.get("view_id") or self._external.get(external or "") \
                or f"V{next(self._views):08d}"
            if external:
                self._external[external] = view_id
            view_hash = f"{time.time():.6f}.{next(self._views)}"
            if method == "views.publish":
                self._home_hashes[args["user_id"]] = view_hash
            else:
                self._modal_hashes[view_id] = view_hash
            return {"ok": True, "view": {**view, "id": view_id, "team_id": TEAM_ID,
                                         "hash": view_hash, "state": {"values": {}}}}
        return {"ok": False, "error": "unknown_method"}

    # -- looking at what was called ----------------------------------------------------

    def _record(self, method: str, args: dict[str, Any],
                result: dict[str, Any] | None = None) -> None:
        with self._changed:
            self.calls.append(Call(method, args, result or {}))
            self._changed.notify_all()

    def called(self, method: str | None = None) -> list[Call]:
        """The calls so far, of one method or all (auth.test left out)."""
        with self._changed:
            return [c for c in self.calls if c.method != "auth.test"
                    and (method is None or c.method == method)]

    def wait_for(self, method: str, where: Callable[[Call], bool] = lambda c: True,
                 timeout: float = 20.0) -> Call:
        """The first call of `method` matching `where`, waiting for it to come."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for call in self.calls:
                    if call.method == method and where(call):
                        return call
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [(c.method, c.args.get("text")) for c in self.calls]
                    raise AssertionError(f"no {method} call came in {timeout}s; saw {seen}")
                self._changed.wait(left)

    def quiet(self, seconds: float = 0.3) -> None:
        """Wait until no call has come for a while (background work has settled)."""
        while True:
            with self._changed:
                last = self.calls[-1].at if self.calls else 0.0
            if time.monotonic() - last >= seconds:
                return
            time.sleep(seconds / 3)


def message_text(call: Call) -> str:
    """Everything a posted message shows: its text and the text of all its blocks."""
    parts = [str(call.args.get("text") or "")]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("plain_text", "mrkdwn"):
                parts.append(str(node.get("text", "")))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(call.args.get("blocks") or call.args.get("view") or [])
    return "\n".join(parts)
