"""The Box connector against a Box API stand-in on loopback."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from connectors.base import App
from connectors.box import BoxApp, BoxSettings, box_message, build
from connectors.errors import AuthError, ConfigError, NotFoundError, ObjectExistsError
from connectors.http import HttpSender
from connectors.registry import build_app
from tests.connectors.contract import AppContract
from tests.standins import loopback_client
from tests.standins.box import BoxStandIn


@pytest.fixture
def box() -> Iterator[BoxStandIn]:
    server = BoxStandIn(max_limit=4)
    yield server
    server.stop()


@pytest.fixture
def waits() -> list[float]:
    return []


def make_app(box: BoxStandIn, waits: list[float], **overrides: Any) -> BoxApp:
    settings = BoxSettings(**{
        "client_id": box.client_id, "client_secret": box.client_secret,
        "enterprise_id": box.enterprise_id, "api_url": box.api_url, "token_url": box.token_url,
        "max_members_per_request": 3, **overrides})
    client = loopback_client()
    sender = HttpSender(client, app="box", sleep=waits.append, describe=box_message)
    return BoxApp("box", settings, client, sender)


@pytest.fixture
def app(box: BoxStandIn, waits: list[float]) -> Iterator[BoxApp]:
    connector = make_app(box, waits)
    yield connector
    connector.close()


@pytest.fixture
def app_users(box: BoxStandIn) -> dict[str, str]:
    return {f"user{i}@acme.test": box.add_user(f"user{i}@acme.test") for i in range(7)}


@pytest.fixture
def description_of(box: BoxStandIn) -> Callable[[str], str | None]:
    return lambda group_id: box.groups[group_id]["description"]


class TestBoxContract(AppContract):
    pass


def test_the_registry_builds_it_as_an_app(box: BoxStandIn) -> None:
    app = build_app("boxapi", {"type": "box", "client_id": box.client_id,
                               "client_secret": box.client_secret,
                               "enterprise_id": box.enterprise_id, "api_url": box.api_url,
                               "token_url": box.token_url, "enhanced_group_push": True},
                    loopback_client())
    assert isinstance(app, BoxApp) and isinstance(app, App)
    assert app.capabilities.link_existing and not app.capabilities.additive_push_now
    assert app.health() == "ok"


def test_ccg_token_is_requested_for_the_enterprise_and_reused(app: BoxApp,
                                                              box: BoxStandIn) -> None:
    app.health()
    app.find_group("Sales")
    [request] = box.sent("POST", "/oauth2/token")
    assert request.body == {"grant_type": "client_credentials", "client_id": box.client_id,
                            "client_secret": "[secret]", "box_subject_type": "enterprise",
                            "box_subject_id": box.enterprise_id}
    assert all(r.headers["Authorization"] == "Bearer [secret]" for r in box.sent(path="/2.0/"))


def test_an_invalid_token_is_renewed_once(app: BoxApp, box: BoxStandIn) -> None:
    app.health()
    box.revoke_tokens()
    assert app.health() == "ok"
    assert len(box.sent("POST", "/oauth2/token")) == 2
    box.fail_next(401, times=2, when=lambda r: r.path.startswith("/2.0/"))
    with pytest.raises(AuthError) as info:
        app.health()
    assert info.value.app_message == "The access token provided is invalid."


def test_wrong_secret_is_an_auth_error_without_the_secret(box: BoxStandIn) -> None:
    app = build("box", {"type": "box", "client_id": box.client_id,
                        "client_secret": "not-the-secret-42", "enterprise_id": box.enterprise_id,
                        "api_url": box.api_url, "token_url": box.token_url}, loopback_client())
    with pytest.raises(AuthError) as info:
        app.health()
    assert "not-the-secret-42" not in info.value.describe()
    assert info.value.app_message == "The client credentials are invalid"


def test_wrong_enterprise_is_an_auth_error(box: BoxStandIn, waits: list[float]) -> None:
    app = make_app(box, waits, enterprise_id="12345")
    with pytest.raises(AuthError, match="refused the app's credentials") as info:
        app.health()
    assert info.value.app_message == "Grant credentials are invalid"


def test_existing_name_is_an_object_exists_error(app: BoxApp, box: BoxStandIn) -> None:
    box.add_group("Sales")
    with pytest.raises(ObjectExistsError, match="already has a group named 'Sales'") as info:
        app.create_group("Sales")
    assert info.value.status == 409


def test_create_group_sends_name_and_description(app: BoxApp, box: BoxStandIn) -> None:
    app.create_group("Sales", "the sales team")
    [request] = box.sent("POST", "/2.0/groups")
    assert request.body == {"name": "Sales", "description": "the sales team"}


def test_find_group_pages_through_filter_term_matches(app: BoxApp, box: BoxStandIn) -> None:
    for suffix in ("A", "B", "C", "D", "E"):
        box.add_group(f"Sales {suffix}")
    gid = box.add_group("Sales")
    box.requests.clear()
    found = app.find_group("Sales")
    assert found is not None and found.id == gid
    pages = box.sent("GET", "/2.0/groups")
    assert [(p.param("filter_term"), p.param("offset")) for p in pages] == [
        ("Sales", "0"), ("Sales", "4")]


def test_members_are_added_one_request_each_a_few_at_a_time(
        app: BoxApp, box: BoxStandIn, app_users: dict[str, str]) -> None:
    gid = box.add_group("Team")
    box.latency = 0.03
    app.add_members(gid, sorted(app_users.values()))
    posts = box.sent("POST", "/2.0/group_memberships")
    assert sorted(p.body["user"]["id"] for p in posts) == sorted(app_users.values())
    assert all(p.body["group"] == {"id": gid} for p in posts)
    assert box.member_ids(gid) == set(app_users.values())
    assert 2 <= box.peak_in_flight <= app.settings.concurrency == 4


def test_adding_a_member_already_there_is_fine(app: BoxApp, box: BoxStandIn,
                                               app_users: dict[str, str]) -> None:
    ids = sorted(app_users.values())
    gid = box.add_group("Team", ids[:2])
    app.add_members(gid, ids[:3])
    assert box.member_ids(gid) == set(ids[:3])


def test_removal_uses_the_membership_ids_from_the_listing(
        app: BoxApp, box: BoxStandIn, app_users: dict[str, str]) -> None:
    ids = sorted(app_users.values())
    gid = box.add_group("Team", ids)
    memberships = {m["user"]["id"]: m["id"] for m in box.memberships.values()}
    members = app.list_members(gid)
    assert members == {uid: login for login, uid in app_users.items()}
    assert len(box.sent("GET", f"/2.0/groups/{gid}/memberships")) == 2  # 7 members, 4 a page
    box.requests.clear()
    app.remove_members(gid, ids[:3])
    deletes = sorted(r.path for r in box.sent("DELETE"))
    assert deletes == sorted(f"/2.0/group_memberships/{memberships[u]}" for u in ids[:3])
    assert box.sent("GET") == []
    assert box.member_ids(gid) == set(ids[3:])


def test_removal_without_a_listing_reads_the_memberships_first(
        app: BoxApp, box: BoxStandIn, app_users: dict[str, str]) -> None:
    ids = sorted(app_users.values())
    gid = box.add_group("Team", ids[:2])
    app.remove_members(gid, ids[:3])  # ids[2] is not a member: nothing to delete for it
    assert len(box.sent("DELETE")) == 2
    assert box.member_ids(gid) == set()


def test_users_are_resolved_by_exact_login(app: BoxApp, box: BoxStandIn) -> None:
    ann = box.add_user("ann@acme.test")
    box.add_user("ann@acme.test.example")
    box.add_user("anna@acme.test")
    assert app.resolve_users(["ANN@acme.test", "bob@acme.test"]) == {"ANN@acme.test": ann}
    terms = sorted(r.param("filter_term") or "" for r in box.sent("GET", "/2.0/users"))
    assert terms == ["ANN@acme.test", "bob@acme.test"]


def test_429_waits_for_retry_after(app: BoxApp, box: BoxStandIn, waits: list[float]) -> None:
    box.fail_next(429, times=2, retry_after=7, when=lambda r: r.path == "/2.0/groups")
    assert app.health() == "ok"
    assert waits == [7.0, 7.0]
    [first, *_] = box.sent("GET", "/2.0/groups")
    assert first.param("limit") == "1"


def test_one_failed_membership_does_not_stop_the_others(
        app: BoxApp, box: BoxStandIn, app_users: dict[str, str]) -> None:
    gid = box.add_group("Team")
    ids = sorted(app_users.values())
    with pytest.raises(NotFoundError):
        app.add_members(gid, [*ids[:3], "999999"])
    assert box.member_ids(gid) == set(ids[:3])


def test_missing_group_is_not_found(app: BoxApp) -> None:
    assert app.get_group("424242") is None
    with pytest.raises(NotFoundError):
        app.list_members("424242")
    app.delete_group("424242")


def test_unknown_key_is_named(box: BoxStandIn) -> None:
    with pytest.raises(ConfigError) as info:
        build("box", {"type": "box", "client_id": "x", "client_secret": "y",
                      "enterprise": "1"}, loopback_client())
    assert info.value.key == "apps.box.enterprise"
    assert "enterprise_id" in info.value.reason
