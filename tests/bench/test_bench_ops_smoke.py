"""bench.ops on tiny sizes, so it cannot rot: every row is there (speed is not asserted)."""

from __future__ import annotations

import pytest

from bench.ops import run
from bench.report import render

pytestmark = pytest.mark.slow


def test_every_ops_row_is_there(postgres_url: str) -> None:
    server = postgres_url.rsplit("/", 1)[0] + "/postgres"
    rows = run(push=60, repeats=1, rounds=1, commands=3, groups=2, size=10,
               database_url=server)
    figures = [r.figure for r in rows]
    assert figures[:2] == ["push without / with", "ack p99 without / with"]
    assert figures[2] == "1 instance"
    shares = figures[3].removeprefix("2 instances (").removesuffix(")").split(" + ")
    assert len(shares) == 2, figures[3]
    apps = [app for share in shares for app in share.split(", ")]
    assert sorted(apps) == ["a1", "a2", "a3", "a4"], "each app is synced by exactly one instance"
    for row in rows:
        assert row.value in render(rows)
        if row.target:
            assert row.verdict in ("met", "missed") and row.ratio.endswith("×")
