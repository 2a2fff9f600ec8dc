"""The benchmark's Okta org: the test suite's Okta stand-in (tests/standins/okta.py), in a
process of its own so that its 100,000 users are not counted in grouppush's memory, driven
through a pipe (changes made as an admin would, counts of the requests it answered)."""

from __future__ import annotations

import multiprocessing
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

AGE = 3600.0
"""The org is made an hour in the past, so its records are older than a delta's overlap."""
RATE_LIMIT = 1_000_000
"""Requests a minute per bucket in the bench: the figures count requests; waiting for Okta's
real limits is computed from them (bench/okta.py), not slept through."""
TOKEN = "bench-okta-token"


@dataclass(frozen=True)
class OrgSizes:
    """How big the org is."""

    users: int = 100_000
    groups: int = 10_000
    pushed: int = 1_000
    app_users: int = 20_000
    """Users that exist in the app too; the pushed groups' members are drawn from them."""
    min_size: int = 20
    max_size: int = 2_000
    seed: int = 11


def group_size(rng: random.Random, sizes: OrgSizes) -> int:
    """Sizes between min_size and max_size, most groups small, a few large (log-skewed)."""
    return round(sizes.min_size * (sizes.max_size / sizes.min_size) ** (rng.random() ** 4))


def _build(sizes: OrgSizes, clock_offset: list[float]) -> Any:
    from bench.world import login
    from tests.standins.okta import OktaStandIn

    org = OktaStandIn(token=TOKEN, rate_limit=RATE_LIMIT,
                      clock=lambda: time.time() - clock_offset[0])
    rng = random.Random(sizes.seed)
    ids = [org.add_user(login(i), "ACTIVE", "User", str(i)) for i in range(sizes.users)]
    app_ids = ids[:sizes.app_users]
    for n in range(sizes.groups):
        pool = app_ids if n < sizes.pushed else ids
        members = rng.sample(pool, min(len(pool), group_size(rng, sizes)))
        org.add_group(f"Group {n:05d}", members)
    org.add_group("Bench 100", app_ids[:100])
    org.requests.clear()
    clock_offset[0] = 0.0
    return org


def _serve(sizes: OrgSizes, conn: Connection) -> None:
    org = _build(sizes, [AGE])
    conn.send(org.org_url)
    while True:
        message = conn.recv()
        if message is None:
            break
        name, args = message
        try:
            if name == "count":
                result: Any = len(org.requests)
            elif name == "paths":
                result = [r.path for r in org.requests[args[0]:]]
            else:
                result = getattr(org, name)(*args)
                result = result if isinstance(result, str | int | None) else None
        except Exception as error:  # noqa: BLE001 - told to the bench, which stops
            result = RuntimeError(f"{name}: {error!r}")
        conn.send(result)
    org.stop()


class OrgProcess:
    """A handle on the org's process."""

    def __init__(self, conn: Connection, url: str, sizes: OrgSizes) -> None:
        self.conn, self.url, self.sizes = conn, url, sizes

    def call(self, name: str, *args: Any) -> Any:
        """Call a method of the stand-in in its process."""
        self.conn.send((name, args))
        result = self.conn.recv()
        if isinstance(result, Exception):
            raise result
        return result

    def requests(self) -> int:
        """Requests the org has answered so far."""
        return int(self.call("count"))

    def paths(self, since: int) -> list[str]:
        """Paths of the requests answered since the count `since`."""
        return list(self.call("paths", since))


def user_id(index: int) -> str:
    """The stand-in's id of user number `index` (its ids count users, then groups, from 2)."""
    return f"00u{index + 2:017d}"


def group_id(sizes: OrgSizes, n: int) -> str:
    """The stand-in's id of group number `n` ("Bench 100" is n = sizes.groups)."""
    return f"00g{sizes.users + n + 2:017d}"


@contextmanager
def org_process(sizes: OrgSizes) -> Iterator[OrgProcess]:
    """The org, built and served in its own process."""
    context = multiprocessing.get_context("spawn")
    mine, theirs = context.Pipe()
    process = context.Process(target=_serve, args=(sizes, theirs), daemon=True)
    process.start()
    try:
        yield OrgProcess(mine, str(mine.recv()), sizes)
    finally:
        mine.send(None)
        process.join(30)
        if process.is_alive():
            process.terminate()
