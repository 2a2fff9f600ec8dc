"""The Microsoft 365 connector against a Microsoft Graph stand-in on loopback."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from connectors.base import App, Capabilities
from connectors.errors import AuthError, ConfigError, NotFoundError, RateLimitedError
from connectors.http import HttpSender
from connectors.microsoft365 import (
    Microsoft365App,
    Microsoft365Settings,
    build,
    mail_nickname,
    odata_string,
)
from connectors.registry import build_app
from tests.connectors.contract import AppContract
from tests.standins import loopback_client
from tests.standins.graph import SCOPE, GraphStandIn


@pytest.fixture
def graph() -> Iterator[GraphStandIn]:
    server = GraphStandIn(page_size=10)
    yield server
    server.stop()


def options(graph: GraphStandIn, **overrides: Any) -> dict[str, Any]:
    return {"type": "microsoft365", "tenant_id": graph.tenant, "client_id": graph.client_id,
            "client_secret": graph.client_secret, "api_url": graph.api_url,
            "login_url": graph.base, **overrides}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def waits() -> list[float]:
    return []


@pytest.fixture
def clock() -> Clock:
    return Clock()


def make_app(graph: GraphStandIn, waits: list[float], clock: Clock,
             **overrides: Any) -> Microsoft365App:
    settings = Microsoft365Settings(
        tenant_id=graph.tenant, client_id=graph.client_id, client_secret=graph.client_secret,
        api_url=graph.api_url, login_url=graph.base, **overrides)
    client = loopback_client()
    return Microsoft365App("m365", settings, client,
                           HttpSender(client, app="m365", sleep=waits.append), clock)


@pytest.fixture
def app(graph: GraphStandIn, waits: list[float], clock: Clock) -> Iterator[Microsoft365App]:
    connector = make_app(graph, waits, clock)
    yield connector
    connector.close()


@pytest.fixture
def app_users(graph: GraphStandIn) -> dict[str, str]:
    return {f"user{i}@contoso.test": graph.add_user(f"user{i}@contoso.test") for i in range(23)}


@pytest.fixture
def description_of(graph: GraphStandIn) -> Callable[[str], str | None]:
    return lambda group_id: graph.groups[group_id]["description"]


class TestMicrosoft365Contract(AppContract):
    @pytest.fixture
    def app(self, graph: GraphStandIn, waits: list[float],
            clock: Clock) -> Iterator[Microsoft365App]:
        """One member per PATCH: 20 a batch, so the contract's 23 users need two batches."""
        connector = make_app(graph, waits, clock, max_members_per_request=1)
        yield connector
        connector.close()


def test_the_registry_builds_it_as_an_app(graph: GraphStandIn) -> None:
    app = build_app("m365", options(graph), loopback_client())
    assert isinstance(app, Microsoft365App) and isinstance(app, App)
    assert app.capabilities == Capabilities(link_existing=False, additive_push_now=False,
                                            max_members_per_request=20 * 20,
                                            descriptions=True)


def test_a_missing_group_is_none_and_deleting_it_is_fine(app: Microsoft365App) -> None:
    gone = str(uuid.uuid4())
    assert app.get_group(gone) is None
    app.delete_group(gone)
    with pytest.raises(NotFoundError):
        app.list_members(gone)


def token_requests(graph: GraphStandIn) -> list[Any]:
    return graph.sent("POST", f"/{graph.tenant}/oauth2/v2.0/token")


def test_token_is_requested_with_the_client_credentials_grant_and_reused(
        app: Microsoft365App, graph: GraphStandIn) -> None:
    app.health()
    app.find_group("Sales")
    app.resolve_users(["a@contoso.test"])
    [request] = token_requests(graph)
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert request.body == {"client_id": graph.client_id, "client_secret": "[secret]",
                            "scope": SCOPE, "grant_type": "client_credentials"}
    api_calls = graph.sent(path="/v1.0/")
    assert len(api_calls) == 3
    assert all(r.headers["Authorization"] == "Bearer [secret]" for r in api_calls)


def test_token_is_renewed_before_it_expires(app: Microsoft365App, graph: GraphStandIn,
                                            clock: Clock) -> None:
    app.health()
    clock.now += 3000  # 3599 s lifetime, renewed 5 minutes early
    app.health()
    assert len(token_requests(graph)) == 1
    clock.now += 400
    app.health()
    assert len(token_requests(graph)) == 2


def test_a_refused_token_is_renewed_once(app: Microsoft365App, graph: GraphStandIn) -> None:
    app.health()
    graph.revoke_tokens()
    assert app.find_group("Sales") is None
    assert len(token_requests(graph)) == 2
    graph.fail_next(401, times=2, when=lambda r: r.path.startswith("/v1.0/"))
    with pytest.raises(AuthError) as info:
        app.health()
    assert info.value.status == 401
    assert len(token_requests(graph)) == 3


def test_wrong_secret_is_an_auth_error_without_the_secret(graph: GraphStandIn) -> None:
    app = build("m365", options(graph, client_secret="wrong-secret-value-123"), loopback_client())
    with pytest.raises(AuthError) as info:
        app.health()
    text = info.value.describe()
    assert "wrong-secret-value-123" not in text and "AADSTS7000215" in text
    assert info.value.status == 401
    assert graph.sent(path="/v1.0/") == []


def test_unknown_tenant_is_an_auth_error(graph: GraphStandIn) -> None:
    app = build("m365", options(graph, tenant_id="other.onmicrosoft.com"), loopback_client())
    with pytest.raises(AuthError, match="refused the app's credentials") as info:
        app.health()
    assert "AADSTS90002" in info.value.app_message


def test_find_group_filters_by_display_name_with_quotes_doubled(
        app: Microsoft365App, graph: GraphStandIn) -> None:
    gid = graph.add_group("O'Brien's team")
    graph.requests.clear()
    found = app.find_group("O'Brien's team")
    assert found is not None and found.id == gid
    [request] = graph.sent("GET", "/v1.0/groups")
    assert request.param("$filter") == "displayName eq 'O''Brien''s team'"
    assert request.param("$select") == "id,displayName"


def test_find_group_wants_the_exact_name(app: Microsoft365App, graph: GraphStandIn) -> None:
    graph.add_group("Sales")
    assert app.find_group("sales") is None  # Graph's eq ignores case; the connector does not


def test_security_group_is_created_with_the_documented_body(
        app: Microsoft365App, graph: GraphStandIn) -> None:
    group = app.create_group('R&D "core": team', "the core team")
    [request] = graph.sent("POST", "/v1.0/groups")
    assert request.body == {"displayName": 'R&D "core": team', "mailNickname": "R&Dcoreteam",
                            "groupTypes": [], "mailEnabled": False, "securityEnabled": True,
                            "description": "the core team"}
    assert graph.groups[group.id]["securityEnabled"] is True


def test_microsoft365_group_is_unified_and_mail_enabled(graph: GraphStandIn,
                                                        waits: list[float], clock: Clock) -> None:
    app = make_app(graph, waits, clock, group_kind="microsoft365")
    app.create_group("Sales Team")
    [request] = graph.sent("POST", "/v1.0/groups")
    assert request.body == {"displayName": "Sales Team", "mailNickname": "SalesTeam",
                            "groupTypes": ["Unified"], "mailEnabled": True,
                            "securityEnabled": False}


def test_mail_nickname_is_sanitised() -> None:
    assert mail_nickname("Équipe (Paris) <ops>; a@b, [x]") == "EquipeParisopsabx"
    assert mail_nickname("   ") == "group"
    assert len(mail_nickname("x" * 100)) == 64
    assert odata_string("it's") == "'it''s'"


def test_members_are_bound_at_most_20_per_patch_20_patches_per_batch(
        app: Microsoft365App, graph: GraphStandIn, app_users: dict[str, str]) -> None:
    group = app.create_group("Big")
    ids = sorted(app_users.values())
    app.add_members(group.id, ids)
    assert graph.sent("PATCH") == []
    [batch] = graph.batch_requests()
    assert [len(r["body"]["members@odata.bind"]) for r in batch] == [20, 3]
    assert batch[0]["method"] == "PATCH" and batch[0]["url"] == f"/groups/{group.id}"
    assert batch[0]["headers"] == {"Content-Type": "application/json"}
    assert batch[0]["body"]["members@odata.bind"][0] == (
        f"{graph.api_url}/directoryObjects/{ids[0]}")
    assert graph.members[group.id] == ids
    assert app.capabilities.max_members_per_request == 20 * 20


def test_adding_members_already_there_adds_only_the_missing(
        app: Microsoft365App, graph: GraphStandIn, app_users: dict[str, str]) -> None:
    ids = sorted(app_users.values())[:5]
    gid = graph.add_group("Partly", ids[:3])
    app.add_members(gid, ids)
    assert sorted(graph.members[gid]) == ids
    patches = [r for batch in graph.batch_requests() for r in batch]
    assert [len(p["body"]["members@odata.bind"]) for p in patches] == [5, 2]


def test_member_listing_follows_next_link(app: Microsoft365App, graph: GraphStandIn,
                                          app_users: dict[str, str]) -> None:
    gid = graph.add_group("Paged", app_users.values())
    graph.requests.clear()
    members = app.list_members(gid)
    assert members == {uid: login for login, uid in app_users.items()}
    pages = graph.sent("GET", f"/v1.0/groups/{gid}/members")
    assert len(pages) == 3  # 23 members, 10 a page
    assert pages[0].param("$select") == "id,userPrincipalName"
    assert pages[0].param("$skiptoken") is None
    assert pages[1].param("$skiptoken") and pages[2].param("$skiptoken")


def test_removals_go_in_json_batches_of_20(app: Microsoft365App, graph: GraphStandIn,
                                           app_users: dict[str, str]) -> None:
    ids = sorted(app_users.values())
    gid = graph.add_group("Leaving", ids)
    app.remove_members(gid, ids)
    batches = graph.batch_requests()
    assert [len(b) for b in batches] == [20, 3]
    assert batches[0][0] == {"id": "1", "method": "DELETE",
                             "url": f"/groups/{gid}/members/{ids[0]}/$ref"}
    assert graph.members[gid] == []


def test_removing_a_member_already_gone_is_fine(app: Microsoft365App, graph: GraphStandIn,
                                                app_users: dict[str, str]) -> None:
    ids = sorted(app_users.values())
    gid = graph.add_group("Half", ids[:1])
    app.remove_members(gid, ids[:2])
    assert graph.members[gid] == []


def test_throttled_batch_items_are_retried_after_their_retry_after(
        app: Microsoft365App, graph: GraphStandIn, app_users: dict[str, str],
        waits: list[float]) -> None:
    ids = sorted(app_users.values())[:5]
    gid = graph.add_group("Throttled", ids)
    graph.fail_batch_items(429, times=2, retry_after=3)
    app.remove_members(gid, ids)
    assert waits == [3.0]
    assert [len(b) for b in graph.batch_requests()] == [5, 2]
    assert graph.members[gid] == []


def test_a_refused_batch_item_is_raised_after_the_others_are_done(
        app: Microsoft365App, graph: GraphStandIn, app_users: dict[str, str]) -> None:
    ids = sorted(app_users.values())[:3]
    gid = graph.add_group("Denied", ids)
    graph.fail_batch_items(403, times=1)
    with pytest.raises(AuthError, match="refused 1 of 3 requests") as info:
        app.remove_members(gid, ids)
    assert info.value.status == 403 and "Insufficient privileges" in info.value.app_message
    assert len(graph.members[gid]) == 1


def test_429_and_503_honour_retry_after(app: Microsoft365App, graph: GraphStandIn,
                                        waits: list[float]) -> None:
    graph.fail_next(429, retry_after=2, when=lambda r: r.path == "/v1.0/groups")
    graph.fail_next(503, retry_after=5, when=lambda r: r.path == "/v1.0/groups")
    assert app.health() == "ok"
    assert waits == [2.0, 5.0]


def test_throttling_that_does_not_stop_is_a_rate_limited_error(
        app: Microsoft365App, graph: GraphStandIn, waits: list[float]) -> None:
    graph.fail_next(429, times=10, retry_after=1, when=lambda r: r.path == "/v1.0/groups")
    with pytest.raises(RateLimitedError):
        app.health()
    assert waits == [1.0] * 4


def test_users_are_resolved_by_upn_15_per_in_filter_in_one_batch(
        app: Microsoft365App, graph: GraphStandIn, app_users: dict[str, str]) -> None:
    asked = [login.upper() if login == "user1@contoso.test" else login for login in app_users]
    resolved = app.resolve_users([*asked, "nobody@contoso.test"])
    assert resolved == {login: app_users[login.lower()] for login in asked}
    [batch] = graph.batch_requests()  # 24 names, 15 a lookup, 20 lookups a batch
    queries = [parse_qs(urlsplit(r["url"]).query) for r in batch]
    assert all(r["method"] == "GET" and r["url"].startswith("/users?") for r in batch)
    filters = sorted(q["$filter"][0] for q in queries)
    assert filters[0].startswith("userPrincipalName in ('USER1@CONTOSO.TEST', 'nobody@")
    assert [f.count("'") for f in filters] == [30, 18]
    assert all(q["$select"] == ["id,userPrincipalName"] for q in queries)
    assert graph.sent("GET", "/v1.0/users/$count") == []  # one batch: nothing to weigh


@pytest.mark.parametrize(("overrides", "key", "reason"), [
    ({"max_members_per_request": 25}, "max_members_per_request", "at most 20"),
    ({"group_kind": "distribution"}, "group_kind", "security or microsoft365"),
    ({"client_secret": None, "certificate_path": "/etc/cert.pem"}, "certificate_path",
     "not supported yet"),
    ({"client_secret": None}, "client_secret", "is required"),
    ({"tenant": "x"}, "tenant", "unknown key"),
])
def test_bad_settings_name_the_key(graph: GraphStandIn, overrides: dict[str, Any], key: str,
                                   reason: str) -> None:
    with pytest.raises(ConfigError) as info:
        build("m365", {k: v for k, v in options(graph, **overrides).items() if v is not None},
              loopback_client())
    assert info.value.key == f"apps.m365.{key}"
    assert reason in info.value.reason
