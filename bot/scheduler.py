"""Scheduled sync and drift checks inside `grouppush run`: one leader among instances."""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from datetime import timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from slack_bolt import App

from bot.alerts import Alerter
from engine.checks import check
from engine.service import GroupPushService
from engine.sync import run_sync
from storage import repo

log = logging.getLogger(__name__)
LEASE = "grouppush-scheduler"
ACTOR = "scheduler"


class Scheduler:
    """Runs the sync and drift jobs while this instance holds the lease in the database."""

    def __init__(self, service: GroupPushService, alerter: Alerter | None,
                 holder: str | None = None) -> None:
        self.service = service
        self.alerter = alerter
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.scheduler = BackgroundScheduler(daemon=True)
        self.runs = {"sync": 0, "drift": 0}
        self._leader = False
        self._lock = threading.Lock()

    def start(self) -> None:
        """Schedule the jobs and the lease heartbeat; each job never overlaps itself."""
        schedule = self.service.config.schedule
        every = max(0.2, schedule.lease_seconds / 3)
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
        """Stop the jobs and hand the lease over at once."""
        self.scheduler.shutdown(wait=True)
        with self.service.db.session() as session:
            repo.release_lease(session, LEASE, self.holder)
        self._leader = False

    def heartbeat(self) -> bool:
        """Take or renew the lease; True while this instance leads."""
        now = self.service.clock()
        until = now + timedelta(seconds=self.service.config.schedule.lease_seconds)
        try:
            with self.service.db.session() as session:
                leader = repo.take_lease(session, LEASE, self.holder, now, until)
        except Exception:  # the database may be away for a moment: stop leading until it's back
            log.exception("lease heartbeat failed")
            leader = False
        if leader != self._leader:
            log.info("%s %s the scheduled jobs", self.holder, "runs" if leader else "left")
        self._leader = leader
        return leader

    def sync_job(self) -> None:
        """Push directory changes everywhere, then tell about errors."""
        if not self.heartbeat():
            return
        report = run_sync(self.service, None, ACTOR)
        self.runs["sync"] += 1
        log.info("scheduled sync: %s changed, %s errors", report.changed, len(report.errors))
        if self.alerter:
            self.alerter.post_requests(report.held)
            self.alerter.after_push_errors()

    def drift_job(self) -> None:
        """Check every active push for drift and alert once per new drift."""
        if not self.heartbeat():
            return
        check(self.service, None, ACTOR)
        self.runs["drift"] += 1
        if self.alerter:
            self.alerter.after_check()
            self.alerter.after_push_errors()


def start_scheduler(service: GroupPushService, app: App) -> Scheduler:
    """Start the jobs for `grouppush run`, alerting through the Slack app's client."""
    scheduler = Scheduler(service, Alerter(app.client, service))
    scheduler.start()
    return scheduler
