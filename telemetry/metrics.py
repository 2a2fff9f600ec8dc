"""grouppush's Prometheus metrics. Labels are bounded: app names from the config, operations,
results and HTTP statuses; never group or user names.

In `grouppush run` both processes write to prometheus-client's multiprocess folder
(telemetry.multiproc) and the front's /metrics adds them up; elsewhere values live in-process.
"""

from __future__ import annotations

import os
import time
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client import multiprocess as prometheus_multiprocess

from telemetry import multiproc

DIRECTORY = "directory"
"""The `target` label of requests to the directory (Okta)."""

PUSHES = Counter("grouppush_pushes", "Pushes of one group to one app, by operation and result "
                 "(ok, failed, held).", ["app", "operation", "result"])
SYNCS = Counter("grouppush_syncs", "Syncs of one app (all its active pushes), by result.",
                ["app", "result"])
MEMBERS_ADDED = Counter("grouppush_members_added", "Memberships added in apps.", ["app"])
MEMBERS_REMOVED = Counter("grouppush_members_removed", "Memberships removed in apps.", ["app"])
REQUESTS = Counter("grouppush_requests", "HTTP requests to each app and to the directory, by "
                   "status (429s and retried attempts included; `unreachable`: no answer).",
                   ["target", "status"])
LAST_SYNC = Gauge("grouppush_last_successful_sync_timestamp_seconds",
                  "When the last sync of the app without errors finished (Unix time).", ["app"],
                  multiprocess_mode="max")
WORKER_RESTARTS = Counter("grouppush_worker_restarts", "Worker processes that ended and were "
                          "replaced.")
REFUSED = Counter("grouppush_refused_requests", "HTTP requests refused before any work, by "
                  "endpoint and reason (bad_signature, stale_timestamp, missing_headers, "
                  "wrong_secret, malformed_body, too_large, ...).", ["endpoint", "reason"])
ACK_SECONDS = Histogram("grouppush_slack_ack_seconds", "Time from a Slack request's arrival to "
                        "its ack, by kind (command, block_actions, view_submission, ...).",
                        ["kind"], buckets=(.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 3, 5))



class _Off:
    """A metric that counts nothing (GROUPPUSH_METRICS=off)."""

    def labels(self, *values: str) -> _Off:
        """Itself."""
        return self

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: None


if os.environ.get("GROUPPUSH_METRICS", "on").lower() == "off":  # to measure what they cost
    PUSHES = SYNCS = MEMBERS_ADDED = MEMBERS_REMOVED = REQUESTS = _Off()  # type: ignore[assignment]
    LAST_SYNC = WORKER_RESTARTS = ACK_SECONDS = REFUSED = _Off()  # type: ignore[assignment]


def record_sync(app: str, ok: bool) -> None:
    """Count one sync of an app; a clean one moves its last-successful time."""
    SYNCS.labels(app, "ok" if ok else "failed").inc()
    if ok:
        LAST_SYNC.labels(app).set(time.time())


def record_request(target: str, status: int | str) -> None:
    """Count one HTTP request (one attempt) to an app or the directory."""
    REQUESTS.labels(target, str(status)).inc()


def record_refused(endpoint: str, reason: str) -> None:
    """Count one refused HTTP request."""
    REFUSED.labels(endpoint, reason).inc()


def exposition(extra: CollectorRegistry | None = None) -> bytes:
    """The metrics of every process of this run (plus `extra`), in Prometheus' text format."""
    if multiproc.enabled():
        registry = CollectorRegistry()
        prometheus_multiprocess.MultiProcessCollector(registry)
        text = generate_latest(registry)
    else:
        from prometheus_client import REGISTRY

        text = generate_latest(REGISTRY)
    return text + (generate_latest(extra) if extra is not None else b"")


def process_ended(pid: int) -> None:
    """Forget a dead process's live gauges (its counters stay counted)."""
    if multiproc.enabled():
        prometheus_multiprocess.mark_process_dead(pid)
