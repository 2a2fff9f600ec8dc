"""Stand-ins for vendor APIs that have no local server (Microsoft Graph, Box, Okta).

Each is a real HTTP server on loopback (ThreadingHTTPServer in a thread) holding its state in
memory. It answers only the documented requests grouppush sends, with the documented bodies,
statuses and errors, and records every request it gets (secrets removed) so that tests can
assert exactly what was sent. `fail_next` injects throttling (429 with Retry-After) or 5xx.
"""

from __future__ import annotations

import json
import socketserver
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import httpx


def loopback_client() -> httpx.Client:
    """An httpx client for the stand-ins: plain HTTP, so no certificates to load (saves ~70 ms)."""
    return httpx.Client(timeout=10, verify=False)


SECRET_FIELDS = {"client_secret", "client_assertion", "password", "refresh_token"}


@dataclass(frozen=True)
class Recorded:
    """One request as the stand-in received it; Authorization keeps only its scheme."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any

    def param(self, name: str) -> str | None:
        """The first value of a query parameter."""
        values = self.query.get(name)
        return values[0] if values else None


@dataclass
class Reply:
    """What the stand-in answers: a JSON body (or none), a status and headers."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Secrets:
    """What the recording leaves out: the Authorization header and secret form fields."""

    authorization: str = ""
    form: dict[str, str] = field(default_factory=dict)

    def bearer(self, scheme: str = "Bearer") -> str | None:
        """The credential after `scheme` in the Authorization header, if that is the scheme."""
        kind, _, value = self.authorization.partition(" ")
        return value if kind.lower() == scheme.lower() and value else None


@dataclass
class Fault:
    """An injected failure for the next matching requests."""

    status: int
    times: int
    retry_after: float | None
    when: Callable[[Recorded], bool] | None


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks up the host's FQDN, which can take long; loopback needs none.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = "127.0.0.1", self.server_address[1]


class StandIn:
    """A loopback HTTP server that records requests, injects faults and routes to `route`."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.lock = threading.RLock()
        self.latency = 0.0
        self.in_flight = 0
        self.peak_in_flight = 0
        self._faults: list[Fault] = []
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.standin = self  # type: ignore[attr-defined]
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def fail_next(self, status: int, times: int = 1, *, retry_after: float | None = None,
                  when: Callable[[Recorded], bool] | None = None) -> None:
        """Answer the next `times` matching requests with the vendor's error for `status`."""
        with self.lock:
            self._faults.append(Fault(status, times, retry_after, when))

    def sent(self, method: str | None = None, path: str = "") -> list[Recorded]:
        """Recorded requests, optionally only one method and paths starting with `path`."""
        with self.lock:
            return [r for r in self.requests
                    if (method is None or r.method == method) and r.path.startswith(path)]

    def stop(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()

    # Subclasses provide these two.
    def route(self, request: Recorded, secrets: Secrets) -> Reply:
        """Answer one request."""
        raise NotImplementedError

    def error_reply(self, status: int, retry_after: float | None) -> Reply:
        """The vendor's error answer for an injected fault."""
        raise NotImplementedError

    def handle(self, request: Recorded, secrets: Secrets) -> Reply:
        """Record, wait `latency`, apply a pending fault, else route (one at a time)."""
        with self.lock:
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        time.sleep(self.latency)
        with self.lock:
            self.in_flight -= 1
            self.requests.append(request)
            for fault in self._faults:
                if fault.times > 0 and (fault.when is None or fault.when(request)):
                    fault.times -= 1
                    return self.error_reply(fault.status, fault.retry_after)
            return self.route(request, secrets)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _serve(self) -> None:
        standin: StandIn = self.server.standin  # type: ignore[attr-defined]
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        content_type = self.headers.get("Content-Type", "")
        body: Any = None
        if raw and "json" in content_type:
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw.decode("utf-8", "replace")
        elif raw and "x-www-form-urlencoded" in content_type:
            body = {k: ("[secret]" if k in SECRET_FIELDS else v[0])
                    for k, v in parse_qs(raw.decode(), keep_blank_values=True).items()}
        elif raw:
            body = raw.decode("utf-8", "replace")
        authorization = self.headers.get("Authorization", "")
        headers = {k: v for k, v in self.headers.items() if k.lower() != "authorization"}
        if authorization:
            headers["Authorization"] = authorization.split(" ", 1)[0] + " [secret]"
        form = {k: v[0] for k, v in parse_qs(raw.decode(), keep_blank_values=True).items()
                if k in SECRET_FIELDS} if "x-www-form-urlencoded" in content_type else {}
        request = Recorded(self.command, unquote(parts.path),
                           parse_qs(parts.query, keep_blank_values=True), headers, body)
        try:
            reply = standin.handle(request, Secrets(authorization, form))
        except Exception as exc:  # a bug in the stand-in: answer 500 and say so
            reply = Reply(500, {"error": f"stand-in failure: {exc!r}"})
        data = b"" if reply.body is None else json.dumps(reply.body).encode()
        self.send_response(reply.status)
        if reply.body is not None:
            self.send_header("Content-Type", "application/json")
        for key, value in reply.headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve
