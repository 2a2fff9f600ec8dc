"""A reverse proxy on loopback in front of a real SCIM app, to make it behave as unusual apps
do: slow, timing out a write it still applies, refusing some filters, echoing credentials."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

import httpx

from connectors.scim import ScimApp

WRITES = ("POST", "PATCH", "PUT", "DELETE")
SCIM_ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


@dataclass
class Seen:
    """One request as the proxy got it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


Answer = tuple[int, dict[str, str], bytes]
Respond = Callable[[Seen], Answer | None]
"""Answer a request instead of the app (None: forward it)."""


@dataclass
class Behaviour:
    """How the proxy bends the app."""

    latency: float = 0.0
    """Seconds added to every answer."""
    write_latency_per_member: float = 0.0
    """Seconds added to a PATCH per member it names, as big groups make real apps slower."""
    hang_first_write: float = 0.0
    """Seconds the first PATCH of each group waits after the app applied it (longer than the
    client's timeout: the client gives up on a write the app made)."""
    respond: Respond | None = None


@dataclass
class ScimProxy:
    """The proxy: `url` stands for the app at `upstream`."""

    upstream: str
    upstream_token: str = ""
    """The app's own token, sent upstream in place of the one grouppush sent (when set)."""
    behaviour: Behaviour = field(default_factory=Behaviour)
    counts: Counter[str] = field(default_factory=Counter)
    seen: list[Seen] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._client = httpx.Client(timeout=600)
        self._hung: set[str] = set()
        self._lock = threading.Lock()
        handler = type("Handler", (_Handler,), {"proxy": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        prefix = httpx.URL(self.upstream)
        self._base = f"{prefix.scheme}://{prefix.host}:{prefix.port}"
        self.url = f"http://127.0.0.1:{self._server.server_port}{prefix.path}"

    def hang_again(self) -> None:
        """The next write of each group hangs again (as the first one did)."""
        with self._lock:
            self._hung.clear()

    def stop(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()
        self._client.close()

    def answer(self, seen: Seen) -> Answer:
        """What the app answers to one request, bent by the behaviour."""
        with self._lock:
            self.counts[seen.method] += 1
            self.seen.append(seen)
        b = self.behaviour
        if b.respond is not None and (own := b.respond(seen)) is not None:
            return own
        headers = _forwarded(seen.headers)
        if self.upstream_token:
            headers["Authorization"] = f"Bearer {self.upstream_token}"
        response = self._client.request(seen.method, self._base + seen.path,
                                        headers=headers, content=seen.body)
        delay = b.latency
        if seen.method == "PATCH":
            delay += b.write_latency_per_member * members_named(seen.body)
            with self._lock:
                first = seen.path not in self._hung
                self._hung.add(seen.path)
            if first:
                delay += b.hang_first_write
        if delay:
            time.sleep(delay)
        kept = {k: v for k, v in response.headers.items()
                if k.lower() in ("content-type", "retry-after", "etag", "location")}
        return response.status_code, kept, response.content


def _forwarded(headers: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k.lower() not in ("host", "content-length")}


class _Handler(BaseHTTPRequestHandler):
    proxy: ScimProxy
    protocol_version = "HTTP/1.1"

    def _any(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        seen = Seen(self.command, self.path, dict(self.headers.items()),
                    self.rfile.read(length) if length else b"")
        status, headers, body = self.proxy.answer(seen)
        try:
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass  # the client gave up waiting: the app applied it all the same

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _any

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Quiet."""


def members_named(body: bytes) -> int:
    """Members a SCIM PATCH adds or removes."""
    try:
        operations = json.loads(body).get("Operations") or []
    except ValueError:
        return 0
    return sum(len(op.get("value") or []) if op.get("op") == "add" else 1
               for op in operations if str(op.get("path", "")).startswith("members"))


def query(seen: Seen) -> str:
    """The decoded query string of a request."""
    return unquote(seen.path.partition("?")[2].replace("+", " "))


@dataclass
class Breaker:
    """Answers the requests that match (method, text in the decoded path) with an error, as
    a SCIM app does (RFC 7644 §3.12), while they are listed."""

    failing: list[tuple[str, str]] = field(default_factory=list)
    status: int = 401

    def __call__(self, seen: Seen) -> Answer | None:
        path = unquote(seen.path)
        if not any(seen.method == m and part in path for m, part in self.failing):
            return None
        detail = "Invalid bearer token" if self.status == 401 else "Internal error"
        body = {"schemas": [SCIM_ERROR], "status": str(self.status), "detail": detail}
        return self.status, {"Content-Type": "application/scim+json"}, json.dumps(body).encode()


@contextmanager
def breaking(app: ScimApp) -> Iterator[Breaker]:
    """A Breaker proxy in front of a SCIM app (the app is pointed at it) while in use."""
    breaker = Breaker()
    proxy = ScimProxy(app.base, behaviour=Behaviour(respond=breaker))
    app.base = proxy.url.rstrip("/")
    try:
        yield breaker
    finally:
        proxy.stop()
