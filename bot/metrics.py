"""/metrics of `grouppush run`: the counters of both processes, what is stored (pending
approvals, drift per app) read at scrape time, and the front's ack timing."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from slack_bolt import BoltRequest, BoltResponse

from bot.web import WsgiApp
from connectors.secrets import redact
from engine.stored import Database, stored_gauges
from telemetry.metrics import ACK_SECONDS, exposition


class StoredState(Collector):
    """Gauges read from the database at each scrape, so every instance reports the truth."""

    def __init__(self, db: Database, apps: Sequence[str]) -> None:
        self.db = db
        self.apps = list(apps)

    def collect(self) -> Iterator[Metric]:
        """Pending approvals and drifted pushed groups per app."""
        gauges = stored_gauges(self.db)
        drifted = gauges.drifted
        yield GaugeMetricFamily("grouppush_pending_approvals", "Approval requests waiting for "
                                "an approver.", value=gauges.pending_approvals)
        drift = GaugeMetricFamily("grouppush_drifted_groups", "Active pushed groups whose app "
                                  "group differs from what was pushed (not ignored), per app.",
                                  labels=["app"])
        for app in sorted(set(self.apps) | set(drifted)):
            drift.add_metric([app], drifted.get(app, 0))
        yield drift


def metrics_app(db: Database, apps: Sequence[str]) -> WsgiApp:
    """The WSGI app answering /metrics in Prometheus' text format."""
    stored = CollectorRegistry()
    stored.register(StoredState(db, apps))

    def answer(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        data = redact(exposition(stored).decode()).encode()  # labels hold no secret, ever
        start_response("200 OK", [("Content-Type", CONTENT_TYPE_LATEST),
                                  ("Content-Length", str(len(data)))])
        return [data]
    return answer


def request_kind(body: dict[str, Any]) -> str:
    """A bounded name for a Slack request: command, block_actions, view_submission, ..."""
    if body.get("command"):
        return "command"
    kind = str(body.get("type") or "other")
    return kind if kind.replace("_", "").isalpha() and len(kind) < 40 else "other"


def time_acks(req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]) -> None:  # noqa: A002
    """Bolt middleware: observe how long the front takes to ack (lazy runs are not acks)."""
    if req.lazy_only:
        next()
        return
    start = time.perf_counter()
    try:
        next()
    finally:
        ACK_SECONDS.labels(request_kind(req.body)).observe(time.perf_counter() - start)
