"""The Okta directory against an Okta API stand-in on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from connectors.base import Directory, read_whole
from connectors.errors import AuthError, ConfigError
from connectors.okta import OktaDirectory, OktaSettings, build
from connectors.registry import build_directory
from tests.connectors.directory_contract import (
    SEED_ASSIGNMENTS,
    SEED_GROUPS,
    SEED_USERS,
    AddMember,
    DirectoryContract,
    login,
)
from tests.standins import loopback_client
from tests.standins.okta import OktaStandIn

PAGE = 5


class FakeClock:
    """Epoch time that only moves when the directory sleeps."""

    def __init__(self) -> None:
        self.now = 1_700_000_030.0
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def okta(clock: FakeClock) -> Iterator[OktaStandIn]:
    server = OktaStandIn(clock=clock.time)
    yield server
    server.stop()


@pytest.fixture
def user_ids(okta: OktaStandIn) -> dict[str, str]:
    ids = {short: okta.add_user(login(short), status, first, last)
           for short, status, first, last in SEED_USERS}
    for name, description, members in SEED_GROUPS:
        okta.add_group(name, [ids[m] for m in members], description=description)
    return ids


def make_directory(okta: OktaStandIn, clock: FakeClock, **overrides: Any) -> OktaDirectory:
    settings = OktaSettings(**{"org_url": okta.org_url, "token": okta.token, "page_size": PAGE,
                               "members_page_size": PAGE, "groups_page_size": PAGE,
                               **overrides}).validate()
    return OktaDirectory(settings, loopback_client(), dict(SEED_ASSIGNMENTS),
                         sleep=clock.sleep, clock=clock.time)


@pytest.fixture
def seeded_directory(okta: OktaStandIn, clock: FakeClock,
                     user_ids: dict[str, str]) -> Iterator[OktaDirectory]:
    directory = make_directory(okta, clock)
    yield directory
    directory.close()


@pytest.fixture
def add_member(okta: OktaStandIn, user_ids: dict[str, str]) -> AddMember:
    def add(group_name: str, short: str) -> None:
        okta.add_member(okta.group_id(group_name), user_ids[short])

    return add


class TestOktaDirectoryContract(DirectoryContract):
    pass


def test_the_registry_builds_it_as_a_directory(okta: OktaStandIn, tmp_path: Path) -> None:
    directory = build_directory({"type": "okta", "org_url": okta.org_url, "token": okta.token},
                                tmp_path, loopback_client())
    assert isinstance(directory, OktaDirectory) and isinstance(directory, Directory)


def test_users_are_paged_by_the_link_header(seeded_directory: OktaDirectory,
                                            okta: OktaStandIn, user_ids: dict[str, str]) -> None:
    read_whole(seeded_directory)
    plain = [r for r in okta.sent("GET", "/api/v1/users") if not r.param("search")]
    assert [r.param("limit") for r in plain] == ["5", "5", "5"]  # 11 users not deprovisioned
    assert plain[0].param("after") is None
    assert plain[1].param("after") == user_ids[SEED_USERS[5][0]]
    assert all(r.headers["Authorization"] == "SSWS [secret]" for r in okta.requests)


def test_deprovisioned_users_are_read_with_a_status_search(
        seeded_directory: OktaDirectory, okta: OktaStandIn, user_ids: dict[str, str]) -> None:
    snapshot = read_whole(seeded_directory)
    [search] = [r for r in okta.sent("GET", "/api/v1/users") if r.param("search")]
    assert search.param("search") == 'status eq "DEPROVISIONED"'
    assert snapshot.users[user_ids["carol"]].status == "DEPROVISIONED"


def test_group_members_are_paged(seeded_directory: OktaDirectory, okta: OktaStandIn) -> None:
    staff = okta.group_id("All Staff")
    assert len(seeded_directory.read_members(staff)) == 11
    assert [r.param("limit") for r in okta.sent("GET", f"/api/v1/groups/{staff}/users")] == \
        ["5", "5", "5"]


def test_group_types_are_kept_and_everyones_members_not_read(
        seeded_directory: OktaDirectory, okta: OktaStandIn) -> None:
    okta.add_group("AD Admins", type="APP_GROUP")
    snapshot = read_whole(seeded_directory)
    everyone = snapshot.groups[okta.everyone]
    assert (everyone.name, everyone.type, everyone.members) == ("Everyone", "BUILT_IN", ())
    assert snapshot.group_named("AD Admins").type == "APP_GROUP"  # type: ignore[union-attr]
    assert okta.sent("GET", f"/api/v1/groups/{okta.everyone}/users") == []


def test_one_group_is_found_by_its_exact_name_in_one_request(
        seeded_directory: OktaDirectory, okta: OktaStandIn) -> None:
    found = seeded_directory.find_group("Sales")
    assert found is not None and (found.name, found.members) == ("Sales", ())
    [request] = okta.requests
    assert request.param("search") == 'profile.name eq "Sales"'
    assert seeded_directory.find_group("Sal") is None
    assert seeded_directory.find_group('Sales" or type eq "OKTA_GROUP') is None
    assert len(okta.requests) == 3


def test_a_group_or_user_okta_no_longer_has_is_none(seeded_directory: OktaDirectory,
                                                    okta: OktaStandIn) -> None:
    gid = okta.group_id("Support")
    assert seeded_directory.get_group(gid).name == "Support"  # type: ignore[union-attr]
    okta.delete_group(gid)
    assert seeded_directory.get_group(gid) is None
    assert seeded_directory.get_user("00unothere") is None


def test_a_delta_asks_three_questions_and_sees_what_changed(
        seeded_directory: OktaDirectory, okta: OktaStandIn, user_ids: dict[str, str],
        clock: FakeClock) -> None:
    clock.now += 600  # the seed is older than the overlap window
    cursor = seeded_directory.full_read().cursor
    quiet = seeded_directory.changes(cursor)
    assert (quiet.users, quiet.groups, quiet.deleted_groups) == ((), (), frozenset())
    assert [r.path for r in okta.requests] == ["/api/v1/users", "/api/v1/groups",
                                               "/api/v1/logs"]
    clock.now += 600
    sales, support = okta.group_id("Sales"), okta.group_id("Support")
    okta.add_member(support, user_ids["user01"])
    okta.set_status(user_ids["alice"], "DEPROVISIONED")
    okta.update_group(sales, name="Sales EMEA")
    okta.delete_group(okta.group_id("Team 02"))
    changed = seeded_directory.changes(quiet.cursor)
    assert [u.login for u in changed.users] == [login("alice")]
    assert changed.users[0].status == "DEPROVISIONED"
    assert {g.name for g in changed.groups} == {"Support", "Sales EMEA"}
    assert changed.membership_changed == {support}
    assert len(changed.deleted_groups) == 1 and changed.cursor > quiet.cursor
    [logs] = okta.sent("GET", "/api/v1/logs")[1:]
    assert 'eventType eq "group.lifecycle.delete"' in (logs.param("filter") or "")


def test_rate_limits_are_shared_per_endpoint_family(
        seeded_directory: OktaDirectory, okta: OktaStandIn, clock: FakeClock) -> None:
    okta.rate_limit = 4  # with max_rate_share 0.5: two requests a minute per family
    for _ in range(3):
        seeded_directory.find_group("Sales")
    assert okta.refused_over_limit == 0
    # The minute resets at ...040: the third search waits until then, plus 1 s.
    assert clock.sleeps == [1_700_000_040 - 1_700_000_030 + 1]
    seeded_directory.get_user("00unothere")  # another family: no wait
    assert len(clock.sleeps) == 1


def test_a_429_waits_until_the_reset_it_gives(seeded_directory: OktaDirectory,
                                              okta: OktaStandIn, clock: FakeClock) -> None:
    okta.fail_next(429, retry_after=7)
    assert [g.name for g in seeded_directory.search_groups("Eng")] == ["Engineering"]
    assert clock.sleeps == [8.0]
    assert len(okta.sent("GET", "/api/v1/groups")) == 2


def test_a_wrong_token_is_an_auth_error_without_the_token(okta: OktaStandIn,
                                                          clock: FakeClock) -> None:
    directory = make_directory(okta, clock, token="not-the-token-99")
    with pytest.raises(AuthError) as info:
        directory.find_group("Sales")
    assert "not-the-token-99" not in info.value.describe()
    assert info.value.app_message == "Invalid token provided"


def test_an_oauth_access_token_is_sent_as_bearer(okta: OktaStandIn, clock: FakeClock,
                                                 user_ids: dict[str, str]) -> None:
    directory = make_directory(okta, clock, token=None, access_token=okta.access_token)
    assert directory.search_groups("Sales", limit=1)[0].name == "Sales"
    assert okta.requests[-1].headers["Authorization"] == "Bearer [secret]"


@pytest.mark.parametrize(("options", "key", "reason"), [
    ({"client_id": "0oa1", "private_key": "key.pem"}, "client_id", "not supported yet"),
    ({"access_token": "x"}, "token", "not both"),
    ({"token": None}, "token", "either token"),
    ({"page_size": 500}, "page_size", "at most 200"),
    ({"org_url": "acme.okta.com"}, "org_url", "must be a URL"),
    ({"assignments": {"box": "Engineering"}}, "assignments.box", "must be a list"),
    ({"tokn": "x"}, "tokn", "did you mean token?"),
    ({"max_rate_share": 1.5}, "max_rate_share", "at most 1"),
    ({"event_hook_secret": "short"}, "event_hook_secret", "at least 16"),
])
def test_bad_settings_name_the_key(options: dict[str, Any], key: str, reason: str) -> None:
    section = {"type": "okta", "org_url": "https://acme.okta.com", "token": "t", **options}
    with pytest.raises(ConfigError) as info:
        build({k: v for k, v in section.items() if v is not None}, loopback_client())
    assert info.value.key == f"directory.{key}"
    assert reason in info.value.reason
