"""The Box and Microsoft 365 benchmark at a small size, so it cannot rot: every row is there,
the request counts follow the documented formula (speed is not asserted)."""

from __future__ import annotations

import pytest

from bench.apps import run

pytestmark = pytest.mark.slow


def figures(name: str, members: int) -> dict[str, str]:
    rows = run(name, members, 100, lambda _text: None)
    assert all(r.verdict in ("met", "") for r in rows), [r for r in rows if r.verdict != "met"]
    return {r.figure.strip(): r.value for r in rows}


def test_box_lists_users_once_and_adds_one_membership_each() -> None:
    got = figures("box", 1200)
    assert got["GET /2.0/users (list)"] == "2"  # 1,300 users, 1000 a page
    assert got["POST /2.0/group_memberships"] == "1,200"
    assert "floor (bare httpx, same requests)" in got and "wall" in got


def test_m365_binds_400_members_a_request() -> None:
    got = figures("m365", 1200)
    assert got["POST /v1.0/$batch"] == "3"  # 1,200 members, 20 per PATCH, 20 PATCHes a batch
    assert got["GET /v1.0/users (list)"] == "2"  # 1,300 users, 999 a page
    assert got["requests in all"] == "9"
