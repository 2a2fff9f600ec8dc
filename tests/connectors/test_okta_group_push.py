"""The okta_group_push connector against the Okta stand-in: Okta's paging, errors and rate
limits on the Group Push Mappings API, and the config it refuses."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors.errors import BadRequestError, ConfigError
from connectors.okta import OktaSettings
from connectors.okta_group_push import OktaGroupPushApp, build
from connectors.okta_push_settings import OktaGroupPushSettings
from engine.config import read_config
from tests.standins import loopback_client
from tests.standins.okta import OktaStandIn

BUCKET = "/api/v1/apps/{id}/group-push/mappings"


class Clock:
    """A clock that sleeping moves on."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def okta(clock: Clock) -> Iterator[OktaStandIn]:
    server = OktaStandIn(clock=lambda: clock.now)
    yield server
    server.stop()


def app_of(okta: OktaStandIn, app_id: str, clock: Clock, **ad: str) -> OktaGroupPushApp:
    settings = OktaSettings(org_url=okta.org_url, token=okta.token, max_rate_share=0.5)
    return OktaGroupPushApp("o365", OktaGroupPushSettings(app_id=app_id, **ad), settings,
                            loopback_client(), sleep=clock.sleep, clock=lambda: clock.now)


def test_every_mapping_is_listed_page_by_page_with_after(okta: OktaStandIn,
                                                          clock: Clock) -> None:
    app_id = okta.add_app("Office 365")
    for n in range(1001):
        okta.console_mapping(app_id, okta.add_group(f"Team {n:04d}"))
    app = app_of(okta, app_id, clock)
    listed = list(app.mappings())
    assert len({m.id for m in listed}) == 1001
    pages = okta.sent("GET", f"/api/v1/apps/{app_id}/group-push/mappings")
    assert [p.param("after") for p in pages] == [None, listed[999].id]
    assert [p.param("limit") for p in pages] == ["1000", "1000"]


def test_a_share_of_the_rate_limit_then_a_429_are_waited_out(okta: OktaStandIn,
                                                             clock: Clock) -> None:
    app_id = okta.add_app("Office 365")
    okta.limits[BUCKET] = 4  # max_rate_share 0.5: two a minute are grouppush's
    app = app_of(okta, app_id, clock)
    for _ in range(3):
        assert list(app.mappings()) == []
    assert okta.refused_over_limit == 0 and len(clock.slept) == 1  # waited for the reset
    okta.fail_next(429, retry_after=10)
    assert list(app.mappings(status="ERROR")) == []
    assert clock.slept[-1] == pytest.approx(11, abs=1)  # X-Rate-Limit-Reset, plus a second


def test_okta_refusals_carry_okta_summary_and_a_hint(okta: OktaStandIn, clock: Clock) -> None:
    app_id = okta.add_app("Legacy app", linking=False)
    group = okta.add_group("Sales")
    target = okta.add_app_group(app_id, "Sales")
    app = app_of(okta, app_id, clock)
    with pytest.raises(BadRequestError) as refused:
        app.map_group(group, "Sales", app.find_group("Sales"))
    assert "does not support linking" in refused.value.describe()
    assert "Group Linking" in refused.value.hint
    assert okta.mappings_of(app_id) == [] and target in okta.groups
    mapping = app.map_group(group, "Sales Team", None)
    with pytest.raises(BadRequestError) as active:  # Okta deletes only inactive mappings
        app._send("DELETE", app._one(mapping.id), "deleting",
                  params={"deleteTargetGroup": "false"}, ok=(204,))
    assert "INACTIVE" in active.value.describe()


def test_an_okta_group_push_app_needs_an_okta_directory_and_an_app_id(tmp_path: Path) -> None:
    apps = {"o365": {"type": "okta_group_push", "app_id": "0oa1b2c3d4"}}
    _, problems = read_config({"directory": {"type": "file", "path": "directory.yml"},
                               "apps": apps}, tmp_path / "grouppush.yml")
    assert any(p.key == "apps.o365.type" and "directory.type: okta" in p.reason
               for p in problems)
    okta = {"type": "okta", "org_url": "https://acme.okta.com", "token": "t"}
    with pytest.raises(ConfigError) as bad:
        build("o365", {"type": "okta_group_push", "app_id": "0oa1/../x"}, None, okta)
    assert bad.value.key == "apps.o365.app_id"
    with pytest.raises(ConfigError) as unknown:
        build("o365", {"type": "okta_group_push", "app_id": "0oa1", "enhanced": True}, None,
              okta)
    assert "enhanced_group_push" in str(unknown.value)


def test_a_mapping_to_active_directory_carries_okta_s_app_config(okta: OktaStandIn,
                                                                  clock: Clock) -> None:
    app_id = okta.add_app("Active Directory", name="active_directory")
    group = okta.add_group("Sales, EMEA")
    bare = app_of(okta, app_id, clock)
    with pytest.raises(BadRequestError) as refused:  # Okta needs appConfig for AD
        bare.map_group(group, "Sales, EMEA", None)
    assert "appConfig" in refused.value.describe() and "groups_ou" in refused.value.hint
    assert okta.mappings_of(app_id) == []
    ad = app_of(okta, app_id, clock, groups_ou="OU=Pushed,DC=acme,DC=test",
                group_scope="universal", group_type="distribution")
    mapping = ad.map_group(group, "Sales, EMEA", None)
    [sent] = okta.sent("POST", f"/api/v1/apps/{app_id}/group-push/mappings")[-1:]
    dn = r"CN=Sales\, EMEA,OU=Pushed,DC=acme,DC=test"  # the comma escaped (RFC 4514)
    assert sent.body == {"sourceGroupId": group, "status": "ACTIVE",
                         "targetGroupName": "Sales, EMEA",
                         "appConfig": {"type": "ACTIVE_DIRECTORY", "distinguishedName": dn,
                                       "groupScope": "UNIVERSAL", "groupType": "DISTRIBUTION",
                                       "samAccountName": "Sales_ EMEA"}}
    assert mapping.status == "ACTIVE"
    assert okta.mappings_of(app_id)[0]["appConfig"] == sent.body["appConfig"]


def test_an_app_config_is_never_sent_to_another_app(okta: OktaStandIn, clock: Clock) -> None:
    app_id = okta.add_app("Office 365")
    app_of(okta, app_id, clock).map_group(okta.add_group("Sales"), "Sales", None)
    [sent] = okta.sent("POST", f"/api/v1/apps/{app_id}/group-push/mappings")
    assert "appConfig" not in sent.body


@pytest.mark.parametrize("options, key, words", [
    ({"group_scope": "universal"}, "group_scope", "set apps.ad.groups_ou too"),
    ({"groups_ou": "OU=Pushed"}, "groups_ou", "must be a DN ending in DC="),
    ({"groups_ou": "OU=Pushed,DC=acme,DC=test", "group_type": "mail"}, "group_type",
     "must be one of security, distribution"),
])
def test_active_directory_settings_are_refused_unless_whole(options: dict[str, str], key: str,
                                                             words: str) -> None:
    okta = {"type": "okta", "org_url": "https://acme.okta.com", "token": "t"}
    with pytest.raises(ConfigError) as bad:
        build("ad", {"type": "okta_group_push", "app_id": "0oa1", **options}, None, okta)
    assert bad.value.key == f"apps.ad.{key}" and words in bad.value.reason
