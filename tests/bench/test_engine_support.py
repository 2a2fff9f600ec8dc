"""What the benchmarks led to in the engine: ScimApp.read_group (one GET for a drift check) and
push now looking up logins only for members it did not push."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import httpx
import pytest
from sqlmodel import Session

from connectors.scim import ScimApp, ScimSettings
from storage import repo
from tests.servers import ScimTenant
from tests.workspace import Workspace


@pytest.fixture
def app(scim_tenant: ScimTenant) -> Iterator[tuple[ScimApp, list[httpx.Request]]]:
    sent: list[httpx.Request] = []
    client = httpx.Client(timeout=30, event_hooks={"request": [sent.append]})
    connector = ScimApp("box", ScimSettings(url=scim_tenant.url, token=scim_tenant.token), client)
    yield connector, sent
    connector.close()


def test_read_group_is_get_group_and_list_members_in_one_request(
        app: tuple[ScimApp, list[httpx.Request]], scim_tenant: ScimTenant) -> None:
    connector, sent = app
    ids = scim_tenant.create_users(["ann@acme.test", "ben@acme.test"])
    group_id = scim_tenant.create_group("Readers", ids.values())
    sent.clear()
    found = connector.read_group(group_id)
    assert len(sent) == 1 and sent[0].method == "GET"
    assert sent[0].url.params["attributes"] == "displayName,members"
    assert found is not None
    group, members = found
    assert group == connector.get_group(group_id)
    assert members == connector.list_members(group_id)
    assert set(members) == set(ids.values())
    scim_tenant.delete_group("Readers")
    assert connector.read_group(group_id) is None


def test_push_now_asks_the_database_only_about_members_it_did_not_push(
        ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    assert ws.exec("push Sales to box").code == 0
    extra = ws.app.create_users(["zed@acme.test"])
    ws.app.patch_members("Sales", add=["zed@acme.test"])
    asked: list[list[str]] = []
    real = repo.logins_by_app_id

    def spy(session: Session, app_name: str, ids: Iterable[str]) -> dict[str, str]:
        wanted = list(ids)
        asked.append(wanted)
        return real(session, app_name, wanted)

    monkeypatch.setattr(repo, "logins_by_app_id", spy)
    result = ws.exec("now Sales on box")
    assert result.code == 0, result.out
    assert "1 removed" in result.out
    assert asked == [[extra["zed@acme.test"]]]
    assert "zed@acme.test" not in ws.app.member_logins("Sales")
