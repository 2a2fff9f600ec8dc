"""The front's HTTP server: one WSGI app that hands each path to its handler."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class Router:
    """Dispatch by exact path; anything else is 404. Each part of `grouppush run` that
    answers HTTP (Slack events, health, metrics, directory hooks) registers one path."""

    def __init__(self, routes: Mapping[str, WsgiApp]) -> None:
        self.routes = dict(routes)

    def __call__(self, environ: dict[str, Any],
                 start_response: Callable[..., Any]) -> Iterable[bytes]:
        """Answer one request."""
        handler = self.routes.get(environ.get("PATH_INFO") or "/")
        if handler is None:
            start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"Not found\n"]
        return handler(environ, start_response)
