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
    assert figures[2] == "1 instance" and figures[3].startswith("2 instances (a1, a2 + a3, a4")
    for row in rows:
        assert row.value in render(rows)
        if row.target:
            assert row.verdict in ("met", "missed") and row.ratio.endswith("×")
