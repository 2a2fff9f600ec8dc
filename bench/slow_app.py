"""The slow app: the same scim2-server behind a proxy that adds latency to every answer, then
one that also holds the first write of each group, in the push and again in the sync, past
grouppush's write timeout (the app applies it; grouppush hears nothing). Push and sync must
converge with exit 0; their requests are shown next to the floor: the writes the members need
and nothing more."""

from __future__ import annotations

import io
import math
import os
import time
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import yaml

from bench.report import Row, ratio, seconds, verdict
from bench.world import World, login
from bot.cli import main as grouppush
from tests.proxy import Behaviour, ScimProxy

GROUPS = 4
LATENCY = 0.05
WRITE_TIMEOUT = 4.0


def slow_app(world: World) -> list[Row]:
    """Both proxies, each with a fresh folder, directory and database."""
    size = max(20, min(world.sizes.group_size * 5, 2000, world.sizes.app_users * 10 // 27))
    rows: list[Row] = []
    for label, behaviour in (
            (f"+{LATENCY * 1000:.0f} ms per request", Behaviour(latency=LATENCY)),
            (f"+{LATENCY * 1000:.0f} ms, first write of each group timed out",
             Behaviour(latency=LATENCY, hang_first_write=WRITE_TIMEOUT + 1))):
        rows += _scenario(world, f"slow app ({label}): {GROUPS} groups of {size:,}", size,
                          behaviour)
    return rows


def _scenario(world: World, scenario: str, size: int, behaviour: Behaviour) -> list[Row]:
    proxy = ScimProxy(world.tenant.url, behaviour=behaviour)
    folder = world.folder / f"slow-{int(behaviour.hang_first_write)}"
    folder.mkdir()
    batch = max(10, size // 4)
    try:
        tag = "T" if behaviour.hang_first_write else "L"
        groups = {f"Slow{tag} {g}": [g * size // 2 + i for i in range(size)]
                  for g in range(GROUPS)}
        _write(folder, proxy.url, world.tenant.token, batch, groups)
        started = time.perf_counter()
        codes = [_exec(folder, f"push {name} to slow") for name in groups]
        push_s, push_counts = time.perf_counter() - started, dict(proxy.counts)
        push_floor = GROUPS * (1 + math.ceil(size / batch))  # create + the PATCHes
        for members in groups.values():  # a tenth leaves, as many join
            del members[: size // 10]
            members.extend(range(members[-1] + 1, members[-1] + 1 + size // 10))
        _write(folder, proxy.url, world.tenant.token, batch, groups)
        proxy.counts.clear()
        proxy.hang_again()  # the sync's first write of each group times out too
        started = time.perf_counter()
        codes.append(_exec(folder, "sync slow"))
        sync_s, sync_counts = time.perf_counter() - started, dict(proxy.counts)
        sync_floor = GROUPS * 2 * math.ceil((size // 10) / batch)
        converged = all(world.tenant.member_logins(name) == {login(i) for i in members}
                        for name, members in groups.items())
    finally:
        proxy.stop()
    return [
        Row(scenario, "exit codes (4 pushes, 1 sync)", " ".join(map(str, codes)), "all 0", "",
            verdict(set(codes) == {0})),
        Row(scenario, "app groups equal the directory", "yes" if converged else "no", "yes",
            "", verdict(converged)),
        _requests(scenario, "push", push_counts, push_floor, push_s),
        _requests(scenario, "sync", sync_counts, sync_floor, sync_s),
    ]


def _requests(scenario: str, what: str, counts: dict[str, int], floor: int,
              took: float) -> Row:
    writes = sum(n for method, n in counts.items() if method != "GET")
    shown = ", ".join(f"{m} {n}" for m, n in sorted(counts.items()))
    return Row(scenario, f"{what}: writes (all requests), wall",
               f"{writes} ({shown}), {seconds(took)}", f"≤ 2 × floor ({floor} writes)",
               ratio(writes, floor), verdict(writes <= 2 * floor))


def _write(folder: Path, url: str, token: str, batch: int,
           groups: dict[str, list[int]]) -> None:
    people = sorted({i for members in groups.values() for i in members})
    directory = {
        "users": [{"id": f"s{i}", "login": login(i), "status": "ACTIVE"} for i in people],
        "groups": [{"id": f"g-{name.replace(' ', '-')}", "name": name,
                    "members": [f"s{i}" for i in members]} for name, members in groups.items()],
    }
    path = folder / "directory.yml"
    path.with_suffix(".new").write_text(yaml.safe_dump(directory, sort_keys=False))
    os.replace(path.with_suffix(".new"), path)  # atomic, as the README asks
    app: dict[str, Any] = {"type": "scim", "url": url, "token": token,
                           "max_members_per_request": batch, "write_timeout": WRITE_TIMEOUT,
                           "read_timeout": 60, "slow_write_seconds": 3.0}
    # no settling: the file is only ever renamed into place; no approval wait: its sync
    # removes a tenth of each group on purpose
    config = {"directory": {"type": "file", "path": "directory.yml", "settle_seconds": 0},
              "apps": {"slow": app}, "safety": {"max_removals_per_sync": 10_000_000}}
    (folder / "grouppush.yml").write_text(yaml.safe_dump(config, sort_keys=False))


def _exec(folder: Path, text: str) -> int:
    os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'slow.db'}"
    try:
        with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
            return grouppush(["--config", str(folder / "grouppush.yml"), "exec", text])
    except SystemExit as exit_:
        return int(exit_.code or 0)
    finally:
        os.environ.pop("DATABASE_URL", None)
