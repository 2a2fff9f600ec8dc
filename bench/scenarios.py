"""The engine scenarios: directory read, user cache warm-up, pushes, sync and drift check."""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from typing import TypeVar

from bench.floor import replay_by_group, replay_push, undo
from bench.meter import Measured, PeakMemory, RequestLog, measure
from bench.report import Row, ratio, seconds, verdict
from bench.world import ACTOR, APP, World, login, push_group_name, push_groups
from engine.checks import check
from engine.push.users import resolve
from engine.sync import run_sync
from storage import kept, repo

T = TypeVar("T")
MEMORY_TARGET_MB = 300.0
WALL_TARGET = 1.5


def run(world: World, work: Callable[[], T], memory: bool = False) -> tuple[T, Measured]:
    """Measure engine work on the benchmarked app."""
    return measure(world.log, lambda: world.app.http.requests_sent, work, memory=memory)


def directory_read(world: World) -> list[Row]:
    """The engine's first read of directory.yml (later reads are cached until it changes)."""
    peak = PeakMemory()
    started = time.perf_counter()
    read = world.service.kept.refresh(full=True)
    took = time.perf_counter() - started
    scenario = (f"read directory.yml ({read.users:,} users, "
                f"{read.groups:,} groups)")
    return [Row(scenario, "wall", seconds(took)),
            Row(scenario, f"peak RSS ({peak.source})",
                f"{peak.peak_mb():.0f} MB (from {peak.start_mb:.0f} MB)")]


def warm_user_cache(world: World) -> list[Row]:
    """Resolve every app user once through the engine, as a first push or sync does."""
    logins = [login(i) for i in range(world.sizes.app_users)]
    found, m = run(world, lambda: resolve(world.service.db, world.app, logins))
    scenario = f"warm the app user cache ({len(logins):,} logins, cold)"
    if len(found) != len(logins):
        raise RuntimeError(f"resolved {len(found)} of {len(logins)} app users")
    return [Row(scenario, "wall", seconds(m.seconds)),
            Row(scenario, "requests", f"{m.requests} ({m.breakdown()})")]


PAIRS = 9
"""A warm push's wall and its floor: the medians of this many pushes, each right before its
floor (a single push of 100 members weighs a few tens of milliseconds, which one slow
answer of the server can double)."""


def push(world: World, size: int, again: bool = False, first: bool = False) -> list[Row]:
    """Push one group of `size` members (user cache warm), then the same requests by httpx;
    `first`: the process's first push (it also pays, once, for compiling its SQL and
    building its SCIM payload models); `again`: its twin, once the process has pushed
    before (its SQL compiled: a running `grouppush run`'s cost, not a new process's), PAIRS
    times (each a first push of the group: its app group deleted, its push forgotten, its
    kept members read again)."""
    name = push_group_name(size, again)
    walls, floors = [], []
    for left in range(PAIRS if again else 1, 0, -1):
        m, floor_s, pushed = _push_and_floor(world, name)
        if pushed != size:
            raise RuntimeError(f"{name}: {pushed} members pushed, not {size}")
        walls.append(m.seconds)
        floors.append(floor_s)
        if left > 1:
            _forget(world, name)
    world.service.set_status(name, APP, ACTOR, active=False)  # out of the sync and the check
    wall, floor_s = statistics.median(walls), statistics.median(floors)
    batch = world.app.capabilities.max_members_per_request
    limit = math.ceil(size / batch) + 5
    scenario = (f"push {size:,} members (cache warm"
                + (f", the process warm, median of {PAIRS} pushes)" if again
                   else ", the process's first push)" if first else ")"))
    peak = m.peak_mb or 0.0
    return [
        Row(scenario, "requests", f"{m.requests} ({m.breakdown()})",
            f"≤ ceil({size:,}/{batch})+5 = {limit}", ratio(m.requests, limit),
            verdict(m.requests <= limit)),
        Row(scenario, "wall", seconds(wall), f"≤ {WALL_TARGET} × floor",
            ratio(wall, floor_s), verdict(wall <= WALL_TARGET * floor_s)),
        Row(scenario, "floor: httpx replay", f"{seconds(floor_s)}, {m.requests} requests"),
        Row(scenario, f"peak RSS ({m.memory_source})",
            f"{peak:.0f} MB (from {m.start_mb or 0:.0f} MB)", f"< {MEMORY_TARGET_MB:.0f} MB",
            ratio(peak, MEMORY_TARGET_MB), verdict(peak < MEMORY_TARGET_MB)),
    ]


def _push_and_floor(world: World, name: str) -> tuple[Measured, float, int]:
    """The push of this group measured, then its requests replayed by httpx into a group
    deleted after: (the push, the floor's seconds, the members pushed)."""
    reply, m = run(world, lambda: world.service.push(name, APP, ACTOR), memory=True)
    if not reply.ok:
        raise RuntimeError(str(reply))
    with world.service.db.session() as session:
        mapping = next(row for row in repo.list_mappings(session, APP) if row.group_name == name)
        group_id, pushed = str(mapping.app_group_id), mapping.members_pushed
    with world.floor_client() as client:
        floor_s, _, floor_id = replay_push(client, m.sent, group_id)
        client.delete(f"{world.app.base}/Groups/{floor_id}").raise_for_status()
    return m, floor_s, pushed


def _forget(world: World, name: str) -> None:
    """Undo a push as if it never was: its app group deleted, its push forgotten, its
    group's kept members to be read again (as a group never pushed has them)."""
    with world.service.db.session() as session:
        mapping = next(row for row in repo.list_mappings(session, APP) if row.group_name == name)
        world.app.delete_group(str(mapping.app_group_id))
        kept.mark_stale(session, [mapping.group_id])
        repo.forget_mapping(session, mapping, history=True)


def push_teams(world: World) -> list[Row]:
    """Push the teams the sync and the drift check work on, `concurrency` at once (setup)."""
    teams = world.directory.teams
    _, m = run(world, lambda: push_groups(world.service, [t.name for t in teams],
                                          world.sizes.concurrency))
    scenario = f"setup: push {len(teams):,} groups of {world.sizes.group_size}"
    return [Row(scenario, "wall", seconds(m.seconds)),
            Row(scenario, "requests", f"{m.requests} ({m.breakdown()})")]


def sync(world: World) -> list[Row]:
    """Change a share of the memberships in the directory, sync, and replay its requests."""
    sizes = world.sizes
    added, removed, changed = world.directory.change_memberships(sizes.changed, sizes.seed + 1)
    world.directory.write(world.directory_path)
    report, m = run(world, lambda: run_sync(world.service, APP, ACTOR))
    if report.errors or report.held:
        raise RuntimeError(f"sync errors {report.errors} held {report.held}")
    with world.floor_client() as client:
        undo(client, m.sent)
        floor_s, floor_n, _ = replay_by_group(client, m.sent, sizes.concurrency)
    limit = 2 * len(changed) + 5
    scenario = (f"sync {report.groups:,} groups, {sizes.changed:.0%} of memberships changed "
                f"(+{added} -{removed} in {len(changed)} groups)")
    return [
        Row(scenario, "requests", f"{m.requests} ({m.breakdown()})",
            f"≤ 2×{len(changed)}+5 = {limit}", ratio(m.requests, limit),
            verdict(m.requests <= limit)),
        Row(scenario, "app group reads (GET /Groups…)", str(m.group_reads), "0", "",
            verdict(m.group_reads == 0)),
        Row(scenario, "wall (re-reads directory.yml)", seconds(m.seconds), "",
            ratio(m.seconds, floor_s)),
        Row(scenario, "floor: httpx replay", f"{seconds(floor_s)}, {floor_n} requests, "
            f"{sizes.concurrency} groups at once"),
        Row(scenario, "groups changed (engine / directory)",
            f"{report.changed} / {len(changed)}"),
    ]


QUIET_FEW = 10
QUIET_TARGET_S = 0.5
QUIET_RATIO = 1.3
QUIET_RUNS = 10
"""A quiet sync takes milliseconds: the best of this many, so scheduling noise does not decide
the ratio."""


def quiet_sync(world: World) -> list[Row]:
    """A sync with nothing changed over every pushed team, then over 10 (the others paused
    for it): best of QUIET_RUNS each, in milliseconds; no request expected."""
    many, m_many = _quietest(world)
    with world.service.db.session() as session:
        paused = [m for m in repo.list_mappings(session, APP, "active")][QUIET_FEW:]
        for mapping in paused:
            mapping.status = "inactive"
            session.add(mapping)
    try:
        few, m_few = _quietest(world)
    finally:
        with world.service.db.session() as session:
            for mapping in paused:
                mapping.status = "active"
                session.add(mapping)
    scenario = f"sync with nothing changed (best of {QUIET_RUNS})"
    return [
        Row(scenario, f"wall at {few:,} pushed groups", f"{m_few.seconds * 1000:.1f} ms"),
        Row(scenario, f"wall at {many:,} pushed groups", f"{m_many.seconds * 1000:.1f} ms",
            f"≤ {QUIET_TARGET_S} s and ≤ {QUIET_RATIO}× the {few}",
            ratio(m_many.seconds, m_few.seconds),
            verdict(m_many.seconds <= QUIET_TARGET_S
                    and m_many.seconds <= QUIET_RATIO * m_few.seconds)),
        Row(scenario, "requests", f"{m_few.requests} / {m_many.requests}", "0", "",
            verdict(m_few.requests == m_many.requests == 0)),
    ]


def _quietest(world: World) -> tuple[int, Measured]:
    best: tuple[int, Measured] | None = None
    for _ in range(QUIET_RUNS):
        report, m = run(world, lambda: run_sync(world.service, APP, ACTOR))
        if report.changed or report.errors:
            raise RuntimeError(f"a quiet sync changed {report.changed} groups")
        if best is None or m.seconds < best[1].seconds:
            best = (report.groups, m)
    assert best is not None
    return best


def drift_check(world: World) -> list[Row]:
    """A drift check of every active push, then the same reads by httpx, same concurrency."""
    concurrency = world.sizes.concurrency
    (outcome, findings), m = run(world, lambda: check(world.service, APP, ACTOR))
    drifted = sum(1 for f in findings if f.report.drifted)
    floor_log = RequestLog()
    with world.floor_client() as client:
        floor_log.attach(client)
        floor_s, floor_n, _ = replay_by_group(client, m.sent, concurrency)
    scenario = f"drift check {len(findings):,} groups of ~{world.sizes.group_size}"
    return [
        Row(scenario, "wall", seconds(m.seconds), f"≤ {WALL_TARGET} × floor",
            ratio(m.seconds, floor_s), verdict(m.seconds <= WALL_TARGET * floor_s)),
        Row(scenario, "requests", f"{m.requests} ({m.breakdown()})"),
        Row(scenario, "floor: httpx replay", f"{seconds(floor_s)}, {floor_n} requests"),
        Row(scenario, "concurrency (setting / in flight: engine, floor)",
            f"{concurrency} / {m.max_in_flight}, {floor_log.max_in_flight}"),
        Row(scenario, "groups drifted", f"{drifted} ({'ok' if outcome.ok else 'drift'})"),
    ]
