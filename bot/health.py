"""/healthz and /readyz of `grouppush run`, for load balancers, Kubernetes and compose.

/healthz: the process answers. /readyz: 200 only when every part answers (the database, the
worker process, Slack), else 503; the JSON body names each part and what is wrong with it.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from bot.web import WsgiApp
from engine.stored import Database, database_answers

Check = Callable[[], str]
"""A readiness check: says how the part is when it is fine, raises when it is not."""


class NotReady(Exception):
    """A part is not ready, in words for the operator."""


CHECK_SECONDS = 3.0
"""A part that does not answer within this is not ready (a probe must answer quickly)."""


def _json(start_response: Callable[..., Any], status: str, body: dict[str, Any]) -> list[bytes]:
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"),
                            ("Content-Length", str(len(data))), ("Cache-Control", "no-store")])
    return [data]


def healthz(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """The process answers."""
    return _json(start_response, "200 OK", {"status": "ok"})


class Readiness:
    """Runs each part's check at once, each within CHECK_SECONDS."""

    def __init__(self, checks: Mapping[str, Check], timeout: float = CHECK_SECONDS) -> None:
        self.checks = dict(checks)
        self.timeout = timeout
        self._pool = ThreadPoolExecutor(4, "grouppush-ready")

    def report(self) -> tuple[bool, dict[str, dict[str, Any]]]:
        """Whether every part is ready, and each part's state."""
        futures = {name: self._pool.submit(check) for name, check in self.checks.items()}
        deadline = time.monotonic() + self.timeout
        parts: dict[str, dict[str, Any]] = {}
        for name, future in futures.items():
            try:
                detail = future.result(max(0.0, deadline - time.monotonic()))
                parts[name] = {"ok": True, "detail": detail}
            except FutureTimeout:
                parts[name] = {"ok": False, "detail": f"no answer within {self.timeout:g} s"}
            except NotReady as error:
                parts[name] = {"ok": False, "detail": str(error)}
            except Exception as error:  # the part's own words, e.g. the database's
                parts[name] = {"ok": False, "detail": f"{type(error).__name__}: {error}"[:300]}
        return all(p["ok"] for p in parts.values()), parts

    def __call__(self, environ: dict[str, Any],
                 start_response: Callable[..., Any]) -> Iterable[bytes]:
        """Answer /readyz."""
        ready, parts = self.report()
        failing = [name for name, part in parts.items() if not part["ok"]]
        body = {"status": "ready" if ready else "not ready", "failing": failing, "parts": parts}
        return _json(start_response, "200 OK" if ready else "503 Service Unavailable", body)


def database_check(db: Database) -> Check:
    """The database answers a query."""
    return lambda: database_answers(db)


WORKER_NOT_READY = {
    "not started": "the worker process starts once Slack answers",
    "restarting": "the worker process ended; a new one is starting",
    "stopped": "the worker process stopped: grouppush is shutting down",
}


def worker_check(state: Callable[[], str]) -> Check:
    """The worker process runs (`Worker.state`); otherwise why not, in words."""
    def check() -> str:
        now = state()
        if now != "running":
            raise NotReady(WORKER_NOT_READY.get(now, f"the worker process is {now}"))
        return "running"
    return check


def cached(check: Check, ok_seconds: float = 30.0, failed_seconds: float = 5.0) -> Check:
    """A check asked at most every ok_seconds while it passes (failed_seconds once it fails),
    so frequent probes do not become frequent calls to Slack."""
    lock = threading.Lock()
    last: dict[str, Any] = {"at": -1e9, "detail": "", "error": None}

    def wrapped() -> str:
        with lock:
            age = time.monotonic() - last["at"]
            if age > (failed_seconds if last["error"] else ok_seconds):
                try:
                    last["detail"], last["error"] = check(), None
                except Exception as error:
                    last["error"] = error
                last["at"] = time.monotonic()
            if last["error"] is not None:
                raise last["error"]
            return str(last["detail"])
    return wrapped


def slack_api_check(auth_test: Callable[[], Any]) -> Check:
    """Slack's Web API accepts the bot token (auth.test), asked at most every 30 s."""
    def check() -> str:
        answer = auth_test()
        return f"auth.test ok (team {answer.get('team', '?')})"
    return cached(check)


def socket_check(connected: Callable[[], bool]) -> Check:
    """The Socket Mode connection to Slack is up."""
    def check() -> str:
        if not connected():
            raise NotReady("the Socket Mode connection to Slack is down (reconnecting)")
        return "socket connected"
    return check


def routes(readiness: Readiness, metrics: WsgiApp) -> dict[str, WsgiApp]:
    """The operator paths of `grouppush run`."""
    return {"/healthz": healthz, "/readyz": readiness, "/metrics": metrics}
