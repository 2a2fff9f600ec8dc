"""Microsoft 365 at enterprise size: users listed or looked up in batches, members bound 400
per HTTP request, Graph's throttling of each batch item honoured."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from typing import Any

import pytest

from connectors.errors import RateLimitedError
from connectors.http import HttpSender
from connectors.microsoft365 import Microsoft365App, Microsoft365Settings
from tests.standins import loopback_client
from tests.standins.graph import GraphStandIn


def make_app(graph: GraphStandIn, sleep: Any = time.sleep, **overrides: Any) -> Microsoft365App:
    settings = Microsoft365Settings(
        tenant_id=graph.tenant, client_id=graph.client_id, client_secret=graph.client_secret,
        api_url=graph.api_url, login_url=graph.base, **overrides)
    client = loopback_client()
    return Microsoft365App("m365", settings, client, HttpSender(client, app="m365", sleep=sleep))


@pytest.fixture
def graph() -> Iterator[GraphStandIn]:
    server = GraphStandIn(page_size=999)
    yield server
    server.stop()


def api_requests(graph: GraphStandIn) -> list[str]:
    return [f"{r.method} {r.path}" for r in graph.sent(path="/v1.0/")]


def test_a_2500_member_push_takes_the_documented_count_of_requests(graph: GraphStandIn) -> None:
    users = {f"u{i:04}@contoso.test": graph.add_user(f"u{i:04}@contoso.test")
             for i in range(2600)}
    app = make_app(graph)
    wanted = sorted(users)[:2500]
    group = app.create_group("Everyone")
    found = app.resolve_users(wanted)
    assert found == {login: users[login] for login in wanted}
    for start in range(0, 2500, app.capabilities.max_members_per_request):
        app.add_members(group.id, [found[w] for w in wanted[start:start + 400]])
    assert sorted(graph.members[group.id]) == sorted(found.values())
    pages = math.ceil(2600 / 999)
    batches = math.ceil(2500 / 400)  # 20 members a PATCH, 20 PATCHes a batch
    assert api_requests(graph) == [
        "POST /v1.0/groups", "GET /v1.0/users/$count",
        *["GET /v1.0/users"] * pages, *["POST /v1.0/$batch"] * batches]
    count, first_page = graph.sent("GET", "/v1.0/users")[:2]
    assert count.headers.get("ConsistencyLevel") == "eventual"
    assert first_page.param("$select") == "id,userPrincipalName"
    assert first_page.param("$top") == "999"
    app.close()


def test_few_logins_in_a_large_tenant_are_looked_up_in_batches(graph: GraphStandIn) -> None:
    for i in range(5000):
        graph.add_user(f"u{i:04}@contoso.test")
    app = make_app(graph)
    found = app.resolve_users([f"u{i:04}@contoso.test" for i in range(350)])
    assert len(found) == 350
    # Listing 5,000 users takes 6 pages; 350 names take 24 lookups: 2 batches.
    assert api_requests(graph) == ["GET /v1.0/users/$count", "POST /v1.0/$batch",
                                   "POST /v1.0/$batch"]
    assert [len(b) for b in graph.batch_requests()] == [20, 4]
    app.close()


def test_batch_items_past_graphs_write_limit_wait_and_go_again() -> None:
    graph = GraphStandIn(limits={"write": (5, 1.0)})
    ids = [graph.add_user(f"u{i}@contoso.test") for i in range(12)]
    gid = graph.add_group("Throttled")
    app = make_app(graph, max_members_per_request=1)
    app.add_members(gid, ids)
    assert sorted(graph.members[gid]) == sorted(ids)
    assert graph.throttled == 7 + 2  # 12 PATCHes, 5 a second: 7 then 2 told to wait
    assert [len(b) for b in graph.batch_requests()] == [12, 7, 2]
    app.close()
    graph.stop()


def test_throttling_that_never_ends_names_the_refused_items() -> None:
    graph = GraphStandIn(limits={"write": (2, 60.0)})
    ids = [graph.add_user(f"u{i}@contoso.test") for i in range(4)]
    gid = graph.add_group("Throttled")
    waits: list[float] = []
    app = make_app(graph, sleep=waits.append, max_members_per_request=1)
    with pytest.raises(RateLimitedError, match="refused 2 of 4 requests adding members"):
        app.add_members(gid, ids)
    assert waits == []  # Graph asks for ~60 s: more than the policy's max_wait (30 s)
    assert len(graph.members[gid]) == 2
    app.close()
    graph.stop()
