"""Several `grouppush run` on one PostgreSQL share the apps: each app's sync and drift jobs
are leased separately, and a killed instance's apps are taken over within lease_seconds."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest
import yaml
from sqlmodel import select

from engine.bootstrap import build_service
from engine.config import load_config
from storage.db import Database
from storage.models import JobLease
from tests.servers import ScimServerProcess, ScimTenant
from tests.slack.conftest import small_directory
from tests.slack.standin import SlackStandIn
from tests.slack.test_operations import wait_until
from tests.slack.test_run import running, wait_gone

APPS = ["a1", "a2", "a3", "a4"]
LEASE = 3.0


def job_holders(url: str) -> dict[str, str]:
    """sync:APP / drift:APP -> the holder whose lease still runs."""
    db = Database(url)
    try:
        with db.session() as session:
            now = time.time()
            rows = session.exec(select(JobLease)).all()
            return {r.name: r.holder for r in rows if ":" in r.name
                    and not r.name.startswith("instance:")
                    and r.expires_at.timestamp() > now - 0}
    finally:
        db.close()


def world(folder: Path, tenants: dict[str, ScimTenant], directory: dict[str, object]) -> None:
    (folder / "directory.yml").write_text(yaml.safe_dump(directory))
    config = {"directory": {"type": "file", "path": "directory.yml"},
              "apps": {name: {"type": "scim", "url": t.url, "token": t.token}
                       for name, t in tenants.items()},
              "slack": {"alerts_channel": "C0ALERTS"},
              "schedule": {"sync_seconds": 0.3, "drift_check_seconds": 3600,
                           "lease_seconds": LEASE}}
    (folder / "grouppush.yml").write_text(yaml.safe_dump(config))


@pytest.mark.slow
def test_two_instances_share_the_apps_and_one_takes_over_a_killed_ones(
        tmp_path: Path, scim_server: ScimServerProcess, slack: SlackStandIn,
        postgres_url: str) -> None:
    tenants = {name: scim_server.tenant() for name in APPS}
    for tenant in tenants.values():
        tenant.create_users([f"{p}@acme.test" for p in ("alice", "bob", "carol", "dan",
                                                         "erin")])
    directory = small_directory()
    world(tmp_path, tenants, directory)
    service = build_service(load_config(tmp_path / "grouppush.yml"), postgres_url)
    for app in APPS:
        assert service.push("Sales", app, "console").ok
    service.db.close()
    env = {"DATABASE_URL": postgres_url, "GROUPPUSH_LOG": "WARNING"}

    with running(tmp_path, slack, tenants["a1"], env) as first, \
            running(tmp_path, slack, tenants["a1"], env) as second:
        def split() -> bool:
            holders = job_holders(postgres_url)
            return len(holders) == 2 * len(APPS) and sorted(Counter(holders.values())
                                                             .values()) == [4, 4]
        wait_until(split, 20, "the jobs were never shared 4 and 4")
        holders = job_holders(postgres_url)
        by_worker = {pid: {n for n, h in holders.items() if f":{pid}:" in h}
                     for pid in (first.worker, second.worker)}
        assert all(len(jobs) == 4 for jobs in by_worker.values()), by_worker
        syncs = {pid: {n for n in jobs if n.startswith("sync:")}
                 for pid, jobs in by_worker.items()}
        assert all(len(s) == 2 for s in syncs.values()), syncs  # two apps' syncs each

        directory["groups"][0]["members"].append("u-dan")
        (tmp_path / "directory.yml").write_text(yaml.safe_dump(directory))
        wait_until(lambda: all("dan@acme.test" in t.member_logins("Sales")
                               for t in tenants.values()), 20, "dan was not synced everywhere")

        second.proc.kill()
        killed = time.monotonic()
        wait_gone(second.worker)
        wait_until(lambda: set(job_holders(postgres_url).values()) == {
            h for h in holders.values() if f":{first.worker}:" in h}
            and len(job_holders(postgres_url)) == 2 * len(APPS), 3 * LEASE,
            "the survivor never took the killed instance's jobs")
        took = time.monotonic() - killed
        assert took <= 2 * LEASE, f"taken over after {took:.1f} s"  # a lease, and a busy box

        directory["groups"][0]["members"].append("u-erin")
        (tmp_path / "directory.yml").write_text(yaml.safe_dump(directory))
        wait_until(lambda: all("erin@acme.test" in t.member_logins("Sales")
                               for t in tenants.values()), 20,
                   "the killed instance's apps were not synced by the survivor")
