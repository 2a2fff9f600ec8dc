"""Scheduled sync and drift checks inside `grouppush run`, shared among instances.

Each app's sync and each app's drift check is a job of its own with a lease in the database
(`sync:APP`, `drift:APP`). Every instance holds a fair share of them (the jobs over the
instances alive, each of which keeps an `instance:` lease), so several `grouppush run` on
one PostgreSQL serve different apps at once; the jobs of one that stops are taken over once
its leases run out, within schedule.lease_seconds.

The scheduler is a surface like Slack's: a job runs `sync APP` or `check APP` in the executor
as `scheduler` (system work) and publishes the typed outcome in the log and, through
`Alerter.tell` as every surface does, in the alerts channel.
"""

from __future__ import annotations

import logging
import math
import os
import socket
import threading
import uuid
from collections import Counter
from datetime import datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from slack_bolt import App

from bot.alert_sender import Alerter
from bot.views.words import render
from engine.core import Operation, Reply
from engine.executor import execute
from engine.operations import Check, OptionalApp, Sync
from engine.outcomes import DriftChecked, Synced
from engine.service import GroupPushService
from engine.stored import release_lease, release_leases, renew_leases, take_lease
from engine.sync import SyncReport, synced

log = logging.getLogger(__name__)
ACTOR = "scheduler"
KINDS = ("sync", "drift")
RENEW_SHARE = 3
"""Leases are renewed this many times per lease_seconds, and each renewal lasts
(RENEW_SHARE - 1) of those parts, so a dead holder's leases run out within lease_seconds."""


def job_name(kind: str, app: str) -> str:
    """The lease of one app's sync or drift job."""
    return f"{kind}:{app}"


class Scheduler:
    """Runs the sync and drift jobs of the apps whose leases this instance holds."""

    def __init__(self, service: GroupPushService, alerter: Alerter | None,
                 holder: str | None = None) -> None:
        self.service = service
        self.alerter = alerter
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.scheduler = BackgroundScheduler(daemon=True)
        self.runs = {"sync": 0, "drift": 0}
        self.ran: Counter[str] = Counter()  # job name -> times run here
        self.jobs = [job_name(kind, app) for app in sorted(service.apps) for kind in KINDS]
        self.held: set[str] = set()
        self._running: set[str] = set()
        self._lock = threading.Lock()

    def start(self) -> None:
        """Schedule the jobs and the lease heartbeat; each job never overlaps itself."""
        schedule = self.service.config.schedule
        every = max(0.1, schedule.lease_seconds / RENEW_SHARE)
        options = {"max_instances": 1, "coalesce": True, "misfire_grace_time": None}
        self.scheduler.add_job(self.heartbeat, "interval", seconds=every, id="lease",
                               next_run_time=self.service.clock(), **options)
        self.scheduler.add_job(self.sync_job, "interval", seconds=schedule.sync_seconds,
                               id="sync", **options)
        self.scheduler.add_job(self.drift_job, "interval",
                               seconds=schedule.drift_check_seconds, id="drift", **options)
        if not logging.getLogger().isEnabledFor(logging.DEBUG):  # GROUPPUSH_LOG=INFO: no line
            logging.getLogger("apscheduler.executors").setLevel(logging.WARNING)  # per heartbeat
        self.scheduler.start()

    def stop(self) -> None:
        """Stop the jobs and hand every lease over at once."""
        self.scheduler.shutdown(wait=True)
        release_leases(self.service, self.holder)
        with self._lock:
            self.held.clear()

    def heartbeat(self) -> set[str]:
        """Renew this instance's leases, give up what is over its fair share, take free
        jobs up to it; the jobs held now."""
        now = self.service.clock()
        lease = self.service.config.schedule.lease_seconds
        until = now + timedelta(seconds=lease * (RENEW_SHARE - 1) / RENEW_SHARE)
        try:
            held = self._balance(now, until)
        except Exception:  # the database may be away for a moment: run nothing until it's back
            log.exception("lease heartbeat failed")
            held = set()
        with self._lock:
            if held != self.held:
                log.info("%s runs %s", self.holder, ", ".join(sorted(held)) or "no jobs",
                         extra={"actor": ACTOR})
            self.held = held
        return held

    def _balance(self, now: datetime, until: datetime) -> set[str]:
        held, alive = renew_leases(self.service, self.holder, self.jobs, now, until)
        fair = math.ceil(len(self.jobs) / alive)
        with self._lock:
            running = set(self._running)
        mine = [name for name in self.jobs if name in held]
        for name in mine[fair:]:  # over the share: the last apps go to the newcomers
            if name not in running:  # a running job is handed over at a later beat
                release_lease(self.service, name, self.holder)
                held.discard(name)
        for name in self.jobs:  # one job a transaction: takers never wait on each other
            if len(held) >= fair:
                break
            if name not in held and take_lease(self.service, name, self.holder, now, until):
                held.add(name)
        return held

    def _claim(self, kind: str) -> list[str]:
        held = self.held if self.held else self.heartbeat()
        with self._lock:
            apps = [app for app in sorted(self.service.apps) if job_name(kind, app) in held]
            self._running.update(job_name(kind, app) for app in apps)
        return apps

    def _done(self, kind: str, app: str) -> None:
        with self._lock:
            self._running.discard(job_name(kind, app))
            self.ran[job_name(kind, app)] += 1

    def sync_job(self) -> None:
        """Push directory changes of this instance's apps (`sync APP` each), and publish."""
        apps = self._claim("sync")
        for app in apps:
            try:
                self.run(Sync(app))
            finally:
                self._done("sync", app)
        if apps:
            self.runs["sync"] += 1

    def after_sync(self, report: SyncReport) -> None:
        """Publish what a sync for directory events (engine/hooks.py) held or failed."""
        self.publish(Sync(), Reply.of(synced(None, report)))

    def drift_job(self) -> None:
        """Check this instance's apps for drift (`check APP` each), and publish: each new
        drift is alerted once."""
        apps = self._claim("drift")
        for app in apps:
            try:
                self.run(Check(app))
            finally:
                self._done("drift", app)
        if apps:
            self.runs["drift"] += 1

    def run(self, operation: Operation) -> None:
        """Run one job's operation in the executor as the scheduler (system work, which the
        operators list does not restrict), and publish its outcome."""
        self.publish(operation, execute(self.service, operation, ACTOR, system=True))

    def publish(self, operation: Operation, reply: Reply) -> None:
        """The scheduler's one publish: the outcome in the log, then the alerts channel's
        part, as every surface tells it (what it held, what failed, new drift)."""
        outcome = reply.outcome
        app = operation.app if isinstance(operation, OptionalApp) else None
        extra = {"app": app or "", "actor": ACTOR}
        if isinstance(outcome, Synced):
            if app:  # a sync for directory events is logged by engine/hooks.py
                log.info("scheduled sync of %s: %s changed, %s errors", app, outcome.changed,
                         len(outcome.errors), extra=extra)
        elif not reply.ok and not isinstance(outcome, DriftChecked):
            log.error("scheduled `%s`: %s", operation.line(), render(reply),
                      extra=extra)
        if self.alerter:
            self.alerter.tell(operation, reply)


def start_scheduler(service: GroupPushService, app: App) -> Scheduler:
    """Start the jobs for `grouppush run`, alerting through the Slack app's client."""
    scheduler = Scheduler(service, Alerter(app.client, service))
    scheduler.start()
    return scheduler
