"""The SCIM connector against a real scim2-server on loopback."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from connectors.errors import AuthError, BadRequestError, NotFoundError
from connectors.http import HttpSender
from connectors.scim import ScimApp, ScimSettings, filter_string
from tests.connectors.contract import AppContract
from tests.servers import ScimTenant


class CountingTransport(httpx.HTTPTransport):
    """A real transport that also records what was sent."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        return super().handle_request(request)


@pytest.fixture
def transport() -> CountingTransport:
    return CountingTransport()


@pytest.fixture
def app(scim_tenant: ScimTenant, transport: CountingTransport) -> Iterator[ScimApp]:
    client = httpx.Client(transport=transport, timeout=30)
    connector = ScimApp("box", ScimSettings(url=scim_tenant.url, token=scim_tenant.token,
                                            max_members_per_request=3), client)
    yield connector
    connector.close()


@pytest.fixture
def app_users(scim_tenant: ScimTenant) -> dict[str, str]:
    return scim_tenant.create_users(f"user{i}@acme.test" for i in range(7))


class TestScimContract(AppContract):
    pass


def test_filter_strings_escape_quotes_and_backslashes() -> None:
    assert filter_string('a"b\\c') == '"a\\"b\\\\c"'


def test_member_changes_go_in_batches(app: ScimApp, app_users: dict[str, str],
                                      transport: CountingTransport) -> None:
    group = app.create_group("Batched")
    transport.sent.clear()
    app.add_members(group.id, sorted(app_users.values()))
    patches = [r for r in transport.sent if r.method == "PATCH"]
    assert len(patches) == 3  # 7 members, 3 per request
    body = json.loads(patches[0].read())
    assert body["Operations"] == [{"op": "add", "path": "members",
                                   "value": [{"value": v} for v in sorted(app_users.values())[:3]]}]
    transport.sent.clear()
    app.remove_members(group.id, sorted(app_users.values())[:4])
    assert len([r for r in transport.sent if r.method == "PATCH"]) == 2


def test_users_are_resolved_many_per_request(app: ScimApp, app_users: dict[str, str],
                                             transport: CountingTransport) -> None:
    assert app.support.filter  # /ServiceProviderConfig, read once per app, before counting
    transport.sent.clear()
    assert app.resolve_users(app_users) == app_users
    assert len(transport.sent) == 1


def test_wrong_token_is_an_auth_error_without_the_token(scim_tenant: ScimTenant) -> None:
    app = ScimApp("box", ScimSettings(url=scim_tenant.url, token="wrong-secret-value"))
    with pytest.raises(AuthError) as info:
        app.health()
    assert info.value.status == 401
    assert "wrong-secret-value" not in info.value.describe()
    assert "Authorization failure" in info.value.app_message


def test_missing_group_is_not_found(app: ScimApp) -> None:
    assert app.get_group("no-such-id") is None
    with pytest.raises(NotFoundError):
        app.list_members("no-such-id")


def test_retries_429_with_retry_after_then_succeeds(scim_tenant: ScimTenant) -> None:
    answers = [429, 503]
    waits: list[float] = []

    def flaky(request: httpx.Request) -> httpx.Response | None:
        if answers:
            status = answers.pop(0)
            return httpx.Response(status, headers={"Retry-After": "2"},
                                  json={"detail": "slow down"})
        return None

    real = httpx.HTTPTransport()

    class Flaky(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            return flaky(request) or real.handle_request(request)

    client = httpx.Client(transport=Flaky())
    sender = HttpSender(client, app="box", sleep=waits.append)
    app = ScimApp("box", ScimSettings(url=scim_tenant.url, token=scim_tenant.token), client,
                  sender)
    assert app.health() == "ok"
    assert waits == [2.0, 2.0]


def test_4xx_keeps_the_apps_message(app: ScimApp) -> None:
    with pytest.raises(BadRequestError) as info:
        app.http.request("POST", f"{app.base}/Groups", json={"schemas": ["bogus"]})
    assert info.value.status == 400
    assert info.value.app_message
