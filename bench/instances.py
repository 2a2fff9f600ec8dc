"""Work shared across instances: 4 apps on PostgreSQL, one round of scheduled syncs run by
one `grouppush run` scheduler process and then by two (each with its fair share of the
per-app leases), on the same amount of directory change."""

from __future__ import annotations

import multiprocessing
import os
import random
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

import yaml

from bench.report import Row, ratio, seconds, verdict
from engine.bootstrap import build_service
from engine.config import load_config
from tests.servers import ScimServerProcess, fresh_postgres_database

APPS = ("a1", "a2", "a3", "a4")
TARGET = 0.6


@dataclass
class Fleet:
    """The apps' SCIM servers, the directory and the config of the instances."""

    folder: Path
    database_url: str
    members: dict[str, list[str]]  # group id -> member logins
    users: list[str]

    @property
    def config_path(self) -> Path:
        """grouppush.yml of every instance."""
        return self.folder / "grouppush.yml"

    def write_directory(self) -> None:
        """directory.yml as the groups are now."""
        data = {"users": [{"id": u, "login": u, "status": "ACTIVE"} for u in self.users],
                "groups": [{"id": g, "name": f"Team {g}", "members": m}
                           for g, m in self.members.items()]}
        (self.folder / "directory.yml").write_text(yaml.safe_dump(data))

    def change(self, share: float, seed: int) -> None:
        """Swap `share` of each group's members for others."""
        rng = random.Random(seed)
        for members in self.members.values():
            for _ in range(max(1, int(len(members) * share))):
                members.remove(rng.choice(members))
                members.append(rng.choice([u for u in self.users if u not in members]))
        self.write_directory()


@contextmanager
def fleet(database_url: str, groups: int, size: int, users: int) -> Iterator[Fleet]:
    """One scim2-server per app (each its own process), the groups pushed to every app."""
    servers = [ScimServerProcess() for _ in APPS]
    try:
        with tempfile.TemporaryDirectory(prefix="grouppush-bench-fleet-") as tmp:
            rng = random.Random(11)
            logins = [f"user{i:05d}@acme.test" for i in range(users)]
            made = Fleet(Path(tmp), database_url,
                         {f"g{n:03d}": rng.sample(logins, size) for n in range(groups)}, logins)
            made.write_directory()
            apps = {}
            for name, server in zip(APPS, servers, strict=True):
                tenant = server.tenant()
                tenant.bulk_create_users(logins)
                apps[name] = {"type": "scim", "url": tenant.url, "token": tenant.token,
                              "concurrency": 4}
            made.config_path.write_text(yaml.safe_dump({
                "directory": {"type": "file", "path": "directory.yml"}, "apps": apps,
                "schedule": {"sync_seconds": 86400, "drift_check_seconds": 86400,
                             "lease_seconds": 600},
                "safety": {"max_removals_per_sync": 10_000_000}}))  # removals on purpose
            service = build_service(load_config(made.config_path), database_url)
            for app in APPS:
                for group in made.members:
                    reply = service.push(f"Team {group}", app, "bench")
                    assert reply.ok, reply
            service.db.close()
            yield made
    finally:
        for server in servers:
            server.stop()


def busy_cpu_seconds() -> float:
    """CPU-seconds the whole machine has been busy since boot (/proc/stat: every process, the
    engines', the scim2-servers' and PostgreSQL's alike)."""
    fields = [int(f) for f in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def instance(config: str, url: str, holder: str, share: int, ready: Any, start: Event,
             done: Any) -> None:
    """One scheduler process: take its share of the leases, then one sync round."""
    from bot.scheduler import Scheduler
    from storage import leases

    service = build_service(load_config(config), url)
    scheduler = Scheduler(service, None, holder=holder)
    while len([j for j in scheduler.heartbeat() if j.startswith("sync:")]) != share:
        time.sleep(0.2)
    ready.put(holder)
    start.wait()
    began, cpu = time.perf_counter(), time.process_time()
    scheduler.sync_job()
    done.put((holder, time.perf_counter() - began, sorted(scheduler.ran),
              time.process_time() - cpu))
    with service.db.session() as session:
        leases.release_all(session, holder)
    service.db.close()


@dataclass(frozen=True)
class Round:
    """One round of syncs: its wall, the machine's busy CPU-seconds, the engines' own."""

    wall: float
    busy: float
    engines: float
    results: list[Any]


def round_of_syncs(made: Fleet, count: int) -> Round:
    """One sync round by `count` instances, from the start signal to the last one done."""
    context = multiprocessing.get_context("spawn")
    ready, done, start = context.Queue(), context.Queue(), context.Event()
    procs = [context.Process(target=instance, args=(
        str(made.config_path), made.database_url, f"bench-{count}-{n}", len(APPS) // count,
        ready, start, done)) for n in range(count)]
    for proc in procs:
        proc.start()
    for _ in procs:
        ready.get(timeout=120)
    began, busy = time.perf_counter(), busy_cpu_seconds()
    start.set()
    results = [done.get(timeout=1800) for _ in procs]
    wall, busy = time.perf_counter() - began, busy_cpu_seconds() - busy
    for proc in procs:
        proc.join(60)
    return Round(wall, busy, sum(r[3] for r in results), results)


def shared_work(database_url: str, groups: int, size: int, users: int,
                share: float) -> list[Row]:
    """One instance, then two, each on the same amount of change."""
    os.environ.setdefault("GROUPPUSH_LOG", "WARNING")
    with fresh_postgres_database(database_url, "bench") as url, \
            fleet(url, groups, size, users) as made:
        made.change(share, seed=1)
        one = round_of_syncs(made, 1)
        made.change(share, seed=2)
        two = round_of_syncs(made, 2)
    split = " + ".join(sorted(", ".join(j.removeprefix("sync:") for j in jobs
                                        if j.startswith("sync:")) for _, _, jobs, _ in two.results))
    scenario = (f"shared work: {len(APPS)} apps on PostgreSQL, {groups} groups of {size} each, "
                f"{share:.0%} of memberships changed, one round of scheduled syncs")
    cores = os.cpu_count() or 1
    floor = max(one.wall / 2, two.busy / cores)
    return [Row(scenario, "1 instance", seconds(one.wall)),
            Row(scenario, f"2 instances ({split})", seconds(two.wall), f"≤ {TARGET}× of 1",
                ratio(two.wall, one.wall), verdict(two.wall <= TARGET * one.wall)),
            *(Row(scenario, f"CPU-seconds, {n}: machine busy / engines", f"{r.busy:.1f} / "
                  f"{r.engines:.1f} ({r.busy / r.wall:.2f} cores busy on average)")
              for n, r in (("1 instance", one), ("2 instances", two))),
            Row(scenario, f"model floor for 2 on {cores} cores: max(T₁ / 2, CPU₂ / {cores})",
                seconds(floor), "", ratio(floor, one.wall))]
