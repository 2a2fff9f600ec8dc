"""Box at enterprise size: the users listed page by page, memberships within Box's rate."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from typing import Any

import pytest

from connectors.box import BoxApp, BoxSettings, box_message
from connectors.http import HttpSender
from tests.standins import loopback_client
from tests.standins.box import BoxStandIn


@pytest.fixture
def box() -> Iterator[BoxStandIn]:
    server = BoxStandIn(max_limit=100)
    yield server
    server.stop()


def make_app(box: BoxStandIn, sleep: Any = time.sleep, **overrides: Any) -> BoxApp:
    settings = BoxSettings(**{
        "client_id": box.client_id, "client_secret": box.client_secret,
        "enterprise_id": box.enterprise_id, "api_url": box.api_url, "token_url": box.token_url,
        **overrides})
    client = loopback_client()
    sender = HttpSender(client, app="box", sleep=sleep, describe=box_message,
                        requests_per_minute=settings.requests_per_minute)
    return BoxApp("box", settings, client, sender)


def test_many_logins_list_the_enterprise_with_marker_paging(box: BoxStandIn) -> None:
    users = {f"u{i:04}@acme.test": box.add_user(f"u{i:04}@acme.test") for i in range(750)}
    wanted = [*sorted(users)[:600], "nobody@acme.test"]
    app = make_app(box, requests_per_minute=None)
    found = app.resolve_users([w.upper() for w in wanted])
    assert found == {w.upper(): users[w] for w in wanted[:600]}
    pages = box.sent("GET", "/2.0/users")
    assert len(pages) == math.ceil(750 / 100)  # the enterprise's users, 100 a page here
    assert all(p.param("usemarker") == "true" and p.param("fields") == "login"
               and p.param("limit") == "1000" and p.param("filter_term") is None
               for p in pages)
    assert pages[0].param("marker") is None
    assert len({p.param("marker") for p in pages[1:]}) == len(pages) - 1
    app.close()


def test_few_logins_are_searched_one_by_one(box: BoxStandIn) -> None:
    for i in range(750):
        box.add_user(f"u{i:04}@acme.test")
    app = make_app(box, requests_per_minute=None, list_users_above=3)
    app.resolve_users(["u0001@acme.test", "u0002@acme.test", "u0003@acme.test"])
    assert sorted(r.param("filter_term") or "" for r in box.sent("GET", "/2.0/users")) == [
        "u0001@acme.test", "u0002@acme.test", "u0003@acme.test"]
    app.close()


def test_the_users_listing_is_throttled_like_any_request(box: BoxStandIn) -> None:
    for i in range(250):
        box.add_user(f"u{i:04}@acme.test")
    waits: list[float] = []
    app = make_app(box, sleep=waits.append, requests_per_minute=None, list_users_above=0)
    box.fail_next(429, retry_after=3, when=lambda r: r.param("marker") is not None)
    assert len(app.resolve_users([f"u{i:04}@acme.test" for i in range(250)])) == 250
    assert waits == [3.0]
    assert len(box.sent("GET", "/2.0/users")) == 3 + 1
    app.close()


def test_a_push_faster_than_box_allows_waits_its_retry_after() -> None:
    box = BoxStandIn(rate_limit=(6, 1.0))
    ids = [box.add_user(f"u{i}@acme.test") for i in range(14)]
    gid = box.add_group("Team")
    app = make_app(box, requests_per_minute=None, concurrency=4)
    app.add_members(gid, ids)
    assert box.throttled > 0
    assert box.member_ids(gid) == set(ids)
    assert box.peak_in_flight <= 4
    app.close()
    box.stop()


def test_at_the_configured_rate_box_throttles_nothing() -> None:
    box = BoxStandIn(rate_limit=(5, 1.0))
    ids = [box.add_user(f"u{i}@acme.test") for i in range(8)]
    gid = box.add_group("Team")
    app = make_app(box, requests_per_minute=150, concurrency=4)  # 2.5 a second: room for jitter
    app.add_members(gid, ids)
    assert box.throttled == 0
    assert box.member_ids(gid) == set(ids)
    assert len(box.sent("POST", "/2.0/group_memberships")) == len(ids)
    app.close()
    box.stop()
