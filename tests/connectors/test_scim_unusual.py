"""SCIM apps that are slow, time out writes they still apply, or refuse some filters: the
push and the sync converge (exit 0), nothing is sent twice blindly."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from connectors.batching import AdaptiveBatch
from engine.core import RefusalError
from tests.proxy import Answer, ScimProxy, Seen, members_named, query
from tests.servers import ScimTenant
from tests.workspace import Workspace, make_workspace

PEOPLE = [f"p{i:02d}" for i in range(30)]


@pytest.fixture
def proxy(scim_tenant: ScimTenant) -> Iterator[ScimProxy]:
    proxy = ScimProxy(scim_tenant.url)
    yield proxy
    proxy.stop()


@pytest.fixture
def slow_ws(tmp_path, scim_tenant: ScimTenant, proxy: ScimProxy) -> Workspace:  # type: ignore[no-untyped-def]
    ws = make_workspace(tmp_path, scim_tenant)
    for person in PEOPLE:
        ws.add_user(person)
    ws.add_group("g-big", "Big", PEOPLE)
    ws.config["apps"]["box"].update(url=proxy.url, write_timeout=1, slow_write_seconds=0.4,
                                    max_members_per_request=20)
    ws.write()
    return ws


def patches(proxy: ScimProxy) -> list[int]:
    """Members named by each PATCH, in order."""
    return [members_named(s.body) for s in proxy.seen if s.method == "PATCH"]


def logins(n: int) -> set[str]:
    return {f"{p}@acme.test" for p in PEOPLE[:n]}


def test_a_write_that_timed_out_is_read_back_not_repeated(slow_ws: Workspace,
                                                         proxy: ScimProxy) -> None:
    proxy.behaviour.hang_first_write = 3  # the app applies the PATCH, answers after 3 s
    result = slow_ws.exec("push Big to box")
    assert result.code == 0, result.out
    assert slow_ws.app.member_logins("Big") == logins(30)
    assert patches(proxy)[0] == 20  # hung up on, yet applied: the next PATCH sends the rest
    assert sum(patches(proxy)) == 30

    proxy.seen.clear()
    proxy.hang_again()  # the first write of the sync hangs too
    slow_ws.set_members("g-big", PEOPLE[:20])
    result = slow_ws.exec("sync box")
    assert result.code == 0, result.out
    assert slow_ws.app.member_logins("Big") == logins(20)
    assert patches(proxy) == [10]  # removals: applied once, never sent again
    assert "failed" not in slow_ws.exec("info Big on box").out.lower()


def test_slow_writes_shrink_the_batch_and_quick_ones_grow_it_back(slow_ws: Workspace,
                                                                 proxy: ScimProxy) -> None:
    slow_ws.add_group("g-big2", "Big2", PEOPLE)
    slow_ws.write()
    service = slow_ws.service()  # one process: the batch size carries from push to push
    proxy.behaviour.write_latency_per_member = 0.05  # 20 members: 1 s, slower than 0.4 s
    assert service.push("Big", "box", "console").ok
    assert patches(proxy) == [20, 10]
    proxy.seen.clear()
    proxy.behaviour.write_latency_per_member = 0.0
    assert service.push("Big2", "box", "console").ok
    assert patches(proxy)[:3] == [5, 10, 5]  # quick again: 5, then 10, up to the 20 allowed
    assert slow_ws.app.member_logins("Big") == slow_ws.app.member_logins("Big2") == logins(30)


@pytest.mark.parametrize(("seconds", "size"), [(0.05, 20), (1.0, 5), (0.3, 10)])
def test_adaptive_batch(seconds: float, size: int) -> None:
    batch = AdaptiveBatch(20, slow_seconds=0.4)
    batch.timed_out()  # 10
    batch.took(seconds)
    assert batch.size == size


def refuse_escaped_filters(seen: Seen) -> Answer | None:
    """Like servers that do not parse escapes in filter strings (RFC 7644 allows them)."""
    if seen.method == "GET" and "filter=" in seen.path and ('\\"' in query(seen)
                                                             or "\\\\" in query(seen)):
        body = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "400",
                "scimType": "invalidFilter", "detail": "cannot parse the filter"}
        return 400, {"Content-Type": "application/scim+json"}, json.dumps(body).encode()
    return None


NAME = 'Ops "EMEA" \\ North'


def test_a_refused_filter_falls_back_to_listing_groups(slow_ws: Workspace,
                                                      proxy: ScimProxy) -> None:
    proxy.behaviour.respond = refuse_escaped_filters
    slow_ws.add_group("g-ops", NAME, PEOPLE[:3])
    slow_ws.write()
    reply = slow_ws.service().push(NAME, "box", "console")
    assert reply.ok, reply
    assert slow_ws.app.group_count(NAME) == 1
    assert slow_ws.app.member_logins(NAME) == logins(3)
    listed = [s for s in proxy.seen if "/Groups?" in s.path and "filter=" not in s.path]
    assert listed and all("attributes=displayName" in query(s) for s in listed)

    slow_ws.app.create_group(NAME + "2")  # made in the app: found by listing, so refused
    slow_ws.add_group("g-ops2", NAME + "2", PEOPLE[3:5])
    slow_ws.write()
    with pytest.raises(RefusalError, match="already has a group named"):
        slow_ws.service().push(NAME + "2", "box", "console")
    assert slow_ws.app.group_count(NAME + "2") == 1
    assert slow_ws.app.group_count(NAME) == 1


def test_the_service_provider_config_is_read_once_and_followed(slow_ws: Workspace,
                                                              proxy: ScimProxy) -> None:
    def provider(seen: Seen) -> Answer | None:
        if seen.path.endswith("/ServiceProviderConfig"):
            body = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
                    "patch": {"supported": True}, "bulk": {"supported": False},
                    "filter": {"supported": False, "maxResults": 7},
                    "changePassword": {"supported": False}, "sort": {"supported": False},
                    "etag": {"supported": False}, "authenticationSchemes": []}
            return 200, {"Content-Type": "application/scim+json"}, json.dumps(body).encode()
        return None

    proxy.behaviour.respond = provider
    assert slow_ws.exec("push Big to box").code == 0
    assert slow_ws.app.member_logins("Big") == logins(30)
    assert sum(s.path.endswith("/ServiceProviderConfig") for s in proxy.seen) == 1
    gets = [query(s) for s in proxy.seen if s.method == "GET" and "?" in s.path]
    assert gets and not any("filter=" in q for q in gets)
    assert all("count=7" in q for q in gets if "count=" in q)
