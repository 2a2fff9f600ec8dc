"""The Okta scenarios: a full read of a large org, a restart, commands on one group, syncs by
delta, and event hook deliveries to the change in a real SCIM app.

    .venv/bin/python -m bench.okta_run            # 100,000 users, 10,000 groups, 1,000 pushed
    .venv/bin/python -m bench.okta_run --quick    # a smoke run

Okta requests are counted by the org (the Okta stand-in, in its own process); app requests by
the SCIM connector's own counter and its client's hooks, as in bench/scenarios.py.
"""

from __future__ import annotations

import math
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import col, func, select

from bench.meter import PeakMemory, RequestLog
from bench.okta_org import OrgProcess, group_id, user_id
from bench.report import Row, percentile, seconds, verdict
from bench.world import ACTOR, APP, bench_app, login, push_groups
from connectors.scim import ScimApp
from engine.executor import run_line
from engine.push.users import resolve
from engine.service import GroupPushService
from engine.sync import run_sync
from storage.models import KeptMembership, KeptUser, PushedMember, PushMapping

SHARE = 0.5
OKTA_LIMITS = {"/api/v1/users": 600, "/api/v1/groups": 500, "/api/v1/groups/{id}": 1000,
               "/api/v1/groups/{id}/users": 1000, "/api/v1/logs": 120}
"""Okta's documented default limits a minute (tests/standins/okta.py BUCKETS)."""
BENCH_GROUP = "Bench 100"
Say = Callable[[str], None]


@dataclass
class OktaWorld:
    """The org, the app and the service the scenarios share."""

    org: OrgProcess
    service: GroupPushService
    make_service: object
    log: RequestLog
    tenant: object

    @property
    def app(self) -> ScimApp:
        """The benchmarked SCIM app."""
        return bench_app(self.service)

    def okta_requests(self, work: object) -> tuple[object, int, float, list[str]]:
        """(result, Okta requests, seconds, their paths) of some work."""
        before = self.org.requests()
        started = time.perf_counter()
        result = work()  # type: ignore[operator]
        took = time.perf_counter() - started
        paths = self.org.paths(before)
        return result, len(paths), took, paths


def bucket(path: str) -> str:
    """The Okta rate-limit bucket of a path."""
    parts = [p for p in path.split("/") if p]
    if len(parts) >= 4:
        parts[3] = "{id}"
    return "/" + "/".join(parts)


def at_okta_limits(paths: list[str]) -> float:
    """Minutes these requests take at least at Okta's default limits and grouppush's share."""
    counts = Counter(bucket(p) for p in paths)
    return sum(n / (OKTA_LIMITS.get(b, 600) * SHARE) for b, n in counts.items())


def full_read(w: OktaWorld) -> list[Row]:
    """The first full read of the org into the kept directory (nothing pushed yet)."""
    return _full_read(w, "first full read of the org, nothing pushed")


def full_read_pushed(w: OktaWorld) -> list[Row]:
    """The full read again (`sync --full`, the daily read), once the groups are pushed."""
    return _full_read(w, f"full read with {w.org.sizes.pushed:,} groups pushed")


def _full_read(w: OktaWorld, label: str) -> list[Row]:
    """kept.refresh(full=True): the group pages, then the members of the wanted groups."""
    peak = PeakMemory()
    read, sent, took, paths = w.okta_requests(lambda: w.service.kept.refresh(full=True))
    scenario = (f"{label} ({w.org.sizes.users:,} users, "
                f"{read.groups:,} groups)")  # type: ignore[attr-defined]
    with w.service.db.session() as session:
        memberships = session.exec(select(func.count()).select_from(KeptMembership)).one()
        sizes = session.exec(select(func.count()).select_from(KeptMembership)
                             .group_by(col(KeptMembership.group_id))).all()
    pages = math.ceil(read.groups / 10_000)  # type: ignore[attr-defined]
    member_pages = sum(max(1, math.ceil(n / 1000)) for n in sizes)
    target = pages + member_pages + 3
    mb = peak.peak_mb()
    return [Row(scenario, "wall", seconds(took)),
            Row(scenario, "Okta requests", f"{sent:,} ({memberships:,} memberships of "
                f"{read.members_read:,} groups kept)",  # type: ignore[attr-defined]
                f"≤ {pages} + {member_pages:,} member pages + 3 = {target:,}",
                f"{sent / target:.2f}×", verdict(sent <= target)),
            Row(scenario, f"peak RSS ({peak.source})", f"{mb:.0f} MB (from {peak.start_mb:.0f} "
                "MB)", "< 600 MB", f"{mb / 600:.2f}×", verdict(mb < 600)),
            Row(scenario, "at Okta's default rate limits, share 0.5",
                f"≥ {at_okta_limits(paths):.1f} min")]


def restart(w: OktaWorld) -> list[Row]:
    """A new service on the same database: its first sync reads no more than a delta."""
    fresh: GroupPushService = w.make_service()  # type: ignore[operator]
    read, sent, _, _ = w.okta_requests(lambda: fresh.kept.refresh())
    full = 1 if read.full else 0  # type: ignore[attr-defined]
    scenario = "restart of grouppush, then its first sync's directory read"
    return [Row(scenario, "full reads", str(full), "0", "", verdict(full == 0)),
            Row(scenario, "Okta requests", str(sent), "≤ 3", "", verdict(sent <= 3))]


def commands(w: OktaWorld) -> list[Row]:
    """push, info, now of one 100-member group; then the commands that read no directory."""
    rows = []
    pages = math.ceil(100 / 1000)
    for text in (f'push "{BENCH_GROUP}" to {APP}', f'info "{BENCH_GROUP}" on {APP}',
                 f'now "{BENCH_GROUP}" on {APP}'):
        reply, sent, took, _ = w.okta_requests(lambda t=text: run_line(w.service, t, ACTOR))
        if not reply.ok:  # type: ignore[attr-defined]
            raise RuntimeError(reply.text)  # type: ignore[attr-defined]
        scenario = f"`{text}` (100 members)"
        rows += [Row(scenario, "Okta requests", str(sent), f"≤ 3 + {pages} page",
                     f"{sent / (3 + pages):.2f}×", verdict(sent <= 3 + pages)),
                 Row(scenario, "wall", seconds(took))]
    for text in ("list", "apps", "audit", "help", "rule list"):
        _, sent, _, _ = w.okta_requests(lambda t=text: run_line(w.service, t, ACTOR))
        rows.append(Row(f"`{text}`", "Okta requests", str(sent), "0", "", verdict(sent == 0)))
    return rows


def push_pushed(w: OktaWorld) -> list[Row]:
    """Setup: push the org's pushed groups, 4 at once."""
    names = [f"Group {n:05d}" for n in range(w.org.sizes.pushed)]

    resolve(w.service.db, w.app, [login(i) for i in range(w.org.sizes.app_users)])  # warm
    app_before = w.app.http.requests_sent
    _, sent, took, _ = w.okta_requests(lambda: push_groups(w.service, names, 4))
    scenario = f"setup: push {len(names):,} groups (app user cache warm)"
    return [Row(scenario, "wall", seconds(took)),
            Row(scenario, "requests (Okta / app)",
                f"{sent:,} / {w.app.http.requests_sent - app_before:,}")]


def _sync(w: OktaWorld) -> tuple[object, int, int, float, Counter[str]]:
    w.log.start()
    app_before = w.app.http.requests_sent
    report, sent, took, _ = w.okta_requests(lambda: run_sync(w.service, None, ACTOR))
    return report, sent, w.app.http.requests_sent - app_before, took, w.log.kinds()


def sync_quiet(w: OktaWorld) -> list[Row]:
    """A sync when nothing changed."""
    _, sent, app, took, _ = _sync(w)
    scenario = f"sync of {w.org.sizes.pushed:,} pushed groups, nothing changed"
    return [Row(scenario, "Okta requests", str(sent), "≤ 3", "", verdict(sent <= 3)),
            Row(scenario, "app requests", str(app), "0", "", verdict(app == 0)),
            Row(scenario, "wall", seconds(took))]


def change_org(w: OktaWorld, rng: random.Random) -> tuple[int, set[str], int]:
    """1% of the pushed memberships changed in Okta (half removed, half added) and 10 users
    deactivated: (memberships changed, groups changed, users deactivated)."""
    sizes = w.org.sizes
    pushed = [group_id(sizes, n) for n in range(sizes.pushed)]
    with w.service.db.session() as session:
        rows = session.exec(select(KeptMembership.group_id, KeptMembership.user_id)
                            .where(col(KeptMembership.group_id).in_(pushed))).all()
    members: dict[str, set[str]] = {}
    for gid, uid in rows:
        members.setdefault(gid, set()).add(uid)
    count = max(2, round(0.01 * len(rows)))
    changed: set[str] = set()
    for n in range(count):
        gid = rng.choice(pushed)
        if n % 2 == 0 and members[gid]:
            uid = rng.choice(sorted(members[gid]))
            w.org.call("remove_member", gid, uid)
            members[gid].discard(uid)
        else:
            uid = user_id(rng.randrange(sizes.app_users))
            if uid in members[gid]:
                continue
            w.org.call("add_member", gid, uid)
            members[gid].add(uid)
        changed.add(gid)
    gone = rng.sample(sorted({u for ids in members.values() for u in ids}), 10)
    for uid in gone:
        w.org.call("set_status", uid, "DEPROVISIONED")
    return count, changed, len(gone)


def sync_changed(w: OktaWorld) -> list[Row]:
    """A sync after 1% of the pushed memberships changed and 10 users were deactivated."""
    count, groups, users = change_org(w, random.Random(5))
    report, sent, app, took, kinds = _sync(w)
    target = 3 + 2 * len(groups) + math.ceil(users / 200)
    changed = report.changed  # type: ignore[attr-defined]
    scenario = (f"sync after {count:,} memberships changed in {len(groups):,} groups and "
                f"{users} users deactivated")
    return [Row(scenario, "Okta requests", f"{sent:,}", f"≤ 3 + 2×{len(groups):,} + 1 = "
                f"{target:,}", f"{sent / target:.2f}×", verdict(sent <= target)),
            Row(scenario, "app requests",
                f"{app:,} ({', '.join(f'{n} {k}' for k, n in kinds.items())})",
                f"≤ 2×{changed:,} (groups changed in the app)", "", verdict(app <= 2 * changed)),
            Row(scenario, "wall", seconds(took))]


def hook_latency(w: OktaWorld, events: int, url: str, secret: str) -> list[Row]:
    """From an event hook delivery to the member pushed in the SCIM app, `events` times."""
    sizes, rng = w.org.sizes, random.Random(9)
    w.org.call("register_hook", url, secret)
    with w.service.db.session() as session:
        mapping = {m.group_id: int(m.id or 0) for m in session.exec(select(PushMapping))}
    latencies: list[float] = []
    while len(latencies) < events:
        n = rng.randrange(sizes.pushed)
        gid, index = group_id(sizes, n), rng.randrange(sizes.app_users)
        if not _new_member(w, mapping[gid], index):
            continue
        started = time.perf_counter()
        w.org.call("add_member", gid, user_id(index))
        wanted = f"user{index:06d}@acme.test"
        while not _pushed(w, mapping[gid], wanted):
            if time.perf_counter() - started > 60:
                raise RuntimeError(f"{wanted} never reached Group {n:05d}")
            time.sleep(0.02)
        latencies.append(time.perf_counter() - started)
    p95 = percentile(latencies, 0.95)
    scenario = f"event hook delivery → member in the SCIM app ({events} events, one at a time)"
    return [Row(scenario, "p50", seconds(percentile(latencies, 0.5))),
            Row(scenario, "p95", seconds(p95), "≤ 5 s", f"{p95 / 5:.2f}×", verdict(p95 <= 5)),
            Row(scenario, "max", seconds(max(latencies)))]


def _new_member(w: OktaWorld, mapping_id: int, index: int) -> bool:
    """Whether user `index` is active and not pushed to the mapping's group yet."""
    with w.service.db.session() as session:
        user = session.get(KeptUser, user_id(index))
        return user is not None and user.status == "ACTIVE" and not _pushed(
            w, mapping_id, f"user{index:06d}@acme.test")


def _pushed(w: OktaWorld, mapping_id: int, login: str) -> bool:
    with w.service.db.session() as session:
        return session.get(PushedMember, (mapping_id, login)) is not None
