"""The Active Directory connector against a real Samba AD DC on loopback."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import ldap3
import pytest

from connectors.active_directory import (
    ActiveDirectoryApp,
    ActiveDirectorySettings,
    build,
    group_type,
    sam_account_name,
)
from connectors.errors import (
    AuthError,
    BadRequestError,
    ConfigError,
    NotFoundError,
    ObjectExistsError,
    UnreachableError,
)
from connectors.registry import build_app
from tests import samba
from tests.connectors.contract import AppContract, unique

pytestmark = pytest.mark.slow

OU = f"OU=Pushed,{samba.BASE_DN}"
PEOPLE = f"OU=People,{samba.BASE_DN}"
FORBIDDEN = set('"/\\[]:;|=,+*?<>@')


@pytest.fixture(scope="session")
def directory_users(admin: ldap3.Connection) -> dict[str, str]:
    """The OU for pushed groups and seven users: UPN -> DN."""
    admin.add(OU, ["top", "organizationalUnit"])
    admin.add(PEOPLE, ["top", "organizationalUnit"])
    return samba.add_users(admin, [f"user{i}" for i in range(7)], PEOPLE)


def settings(**options: Any) -> ActiveDirectorySettings:
    values: dict[str, Any] = {"url": samba.LDAPS_URL, "user": samba.ADMIN,
                              "password": samba.ADMIN_PASSWORD, "groups_ou": OU,
                              "verify_tls": False, "max_members_per_request": 3}
    return ActiveDirectorySettings(**{**values, **options})


@pytest.fixture
def app(directory_users: dict[str, str]) -> Iterator[ActiveDirectoryApp]:
    connector = ActiveDirectoryApp("ad", settings())
    yield connector
    connector.close()


@pytest.fixture
def app_users(directory_users: dict[str, str]) -> dict[str, str]:
    return dict(directory_users)


def read(admin: ldap3.Connection, group_id: str, attribute: str) -> list[Any]:
    admin.search(f"<GUID={group_id}>", "(objectClass=*)", ldap3.BASE, attributes=[attribute])
    return list(admin.response[0]["attributes"].get(attribute) or [])


@pytest.fixture
def description_of(admin: ldap3.Connection) -> Callable[[str], str | None]:
    return lambda group_id: next(iter(read(admin, group_id, "description")), None)


class TestActiveDirectoryContract(AppContract):
    pass


def test_sam_account_names_are_sanitised_and_limited() -> None:
    assert sam_account_name('R&D "core" team') == "R&D _core_ team"
    assert (sam_account_name(' .a/b\\c[d]:e;f|g=h,i+j*k?l<m>n@o. ')
            == "a_b_c_d__e_f_g_h_i_j_k_l_m_n_o")
    assert sam_account_name("...") == "group"
    long = sam_account_name("x" * 100)
    assert long == "x" * 64
    suffixed = sam_account_name("y" * 100, "-abc123")
    assert len(suffixed) == 64 and suffixed.endswith("-abc123")


def test_a_name_with_forbidden_characters_gets_a_clean_unique_sam_name(
        app: ActiveDirectoryApp, admin: ldap3.Connection) -> None:
    tag = uuid.uuid4().hex[:8]
    first = app.create_group(f"Ops/Dev: [EU] {tag}", "operations")
    second = app.create_group(f"Ops+Dev; [EU] {tag}")  # sanitises to the same name
    names = [read(admin, g.id, "sAMAccountName")[0] for g in (first, second)]
    assert names[0] == f"Ops_Dev_ _EU_ {tag}"
    assert names[1] != names[0] and names[1].startswith(names[0])
    assert all(len(n) <= 64 and not FORBIDDEN & set(n) for n in names)
    assert read(admin, first.id, "description") == ["operations"]
    assert app.find_group(f"Ops/Dev: [EU] {tag}") == first
    assert app.get_group(second.id) == second
    accented = app.create_group(f"Équipe Ventes (Zürich) {tag}")
    assert app.find_group(accented.name) == accented
    assert read(admin, accented.id, "sAMAccountName") == [accented.name]


def test_names_longer_than_ad_allows_are_refused_clearly(app: ActiveDirectoryApp) -> None:
    with pytest.raises(BadRequestError, match="limited to 64 characters"):
        app.create_group("n" * 65)


def test_groups_are_global_security_groups_by_default(app: ActiveDirectoryApp,
                                                      admin: ldap3.Connection) -> None:
    group = app.create_group(unique("Security"))
    assert int(read(admin, group.id, "groupType")[0]) == -2147483646 == group_type(
        "security", "global")
    distribution = ActiveDirectoryApp("ad", settings(group_type="distribution"))
    other = distribution.create_group(unique("Newsletter"))
    assert int(read(admin, other.id, "groupType")[0]) == 2
    distribution.close()


def test_wrong_password_is_an_auth_error_without_the_password(
        directory_users: dict[str, str]) -> None:
    app = ActiveDirectoryApp("ad", settings(password="Wrong-Secret-Value-9"))
    with pytest.raises(AuthError) as info:
        app.health()
    assert "Wrong-Secret-Value-9" not in info.value.describe()
    assert info.value.status == 49
    assert "refused the bind as Administrator@example.test: invalidCredentials" in str(info.value)


def test_capabilities_say_push_now_is_additive() -> None:
    app = ActiveDirectoryApp("ad", settings(enhanced_group_push=True))
    assert app.capabilities.additive_push_now is True
    assert app.capabilities.link_existing is True
    assert app.capabilities.max_members_per_request == 3
    assert ActiveDirectoryApp("ad", settings()).capabilities.link_existing is False


def test_members_already_there_or_already_gone_do_not_fail(
        app: ActiveDirectoryApp, app_users: dict[str, str]) -> None:
    group = app.create_group(unique("Overlap"))
    dns = sorted(app_users.values())
    app.add_members(group.id, dns[:2])
    app.add_members(group.id, dns[:5])  # the first batch holds two members already there
    assert set(app.list_members(group.id)) == set(dns[:5])
    app.remove_members(group.id, dns[3:7])  # two of them were never members
    assert set(app.list_members(group.id)) == set(dns[:3])


def test_creating_an_existing_name_is_object_exists(app: ActiveDirectoryApp) -> None:
    name = unique("Twice")
    app.create_group(name)
    with pytest.raises(ObjectExistsError):
        app.create_group(name)


def test_members_are_listed_with_their_login(app: ActiveDirectoryApp,
                                             app_users: dict[str, str]) -> None:
    group = app.create_group(unique("Logins"))
    app.add_members(group.id, list(app_users.values()))
    assert app.list_members(group.id) == {dn: login for login, dn in app_users.items()}


def test_users_resolve_by_sam_account_name_ignoring_case(app_users: dict[str, str]) -> None:
    app = ActiveDirectoryApp("ad", settings(user_attribute="sAMAccountName"))
    assert app.resolve_users(["USER1", "user2", "user1@example.test"]) == {
        "USER1": app_users["user1@example.test"], "user2": app_users["user2@example.test"]}
    app.close()


def test_missing_group_is_none_or_not_found(app: ActiveDirectoryApp, admin: ldap3.Connection,
                                            app_users: dict[str, str]) -> None:
    assert app.get_group(str(uuid.uuid4())) is None
    assert app.get_group("not-a-guid") is None
    admin.search(app_users["user0@example.test"], "(objectClass=*)", ldap3.BASE,
                 attributes=["objectGUID"])
    user_guid = str(uuid.UUID(bytes_le=admin.response[0]["raw_attributes"]["objectGUID"][0]))
    assert app.get_group(user_guid) is None  # a user is not a group
    with pytest.raises(NotFoundError):
        app.list_members(str(uuid.uuid4()))
    app.delete_group(str(uuid.uuid4()))  # already gone is fine


def test_a_dropped_connection_binds_again(app: ActiveDirectoryApp) -> None:
    assert app.health() == "ok"
    app._conn.socket.close()  # as when the DC closes an idle connection
    assert app.health() == "ok"


def test_start_tls_over_ldap(directory_users: dict[str, str]) -> None:
    app = ActiveDirectoryApp("ad", settings(url=samba.LDAP_URL, start_tls=True))
    assert app.health() == "ok"
    app.close()


def test_nobody_listening_is_unreachable() -> None:
    app = ActiveDirectoryApp("ad", settings(url="ldaps://127.0.0.1:1", timeout=3.0))
    with pytest.raises(UnreachableError):
        app.health()


def test_config_is_checked_at_build() -> None:
    base = {"type": "active_directory", "url": samba.LDAPS_URL, "user": "svc@acme.test",
            "password": "Pa55-in-config", "groups_ou": "OU=Pushed,DC=acme,DC=test"}
    app = build_app("ad", base)
    assert isinstance(app, ActiveDirectoryApp) and app.users_base == "DC=acme,DC=test"
    assert "Pa55-in-config" not in repr(app.settings)
    bad: list[tuple[dict[str, Any], str]] = [
        ({"user_attribute": "mail"}, "user_attribute"), ({"url": "https://dc"}, "url"),
        ({"group_type": "mail"}, "group_type"), ({"groups_ou": "OU=Pushed"}, "groups_ou"),
        ({"start_tls": True}, "start_tls"), ({"verify_tsl": False}, "verify_tsl")]
    for change, key in bad:
        with pytest.raises(ConfigError) as info:
            build("ad", {**base, **change})
        assert info.value.key == f"apps.ad.{key}"


def test_groups_over_1500_members_list_fully(samba_dc: samba.SambaDC,
                                             admin: ldap3.Connection) -> None:
    tag = uuid.uuid4().hex[:6]
    many = samba.add_users(admin, [f"bulk{tag}-{i}" for i in range(1600)], PEOPLE)
    big = ActiveDirectoryApp("ad", settings(max_members_per_request=500))
    group = big.create_group(unique("Everyone"))
    big.add_members(group.id, list(many.values()))
    assert big.list_members(group.id) == {dn: login for login, dn in many.items()}
    assert big.resolve_users(many) == many
    big.close()
    # the DC really answers in ranges, as AD does past 1500 values
    raw = samba_dc.connection(auto_range=False, return_empty_attributes=False)
    raw.search(f"<GUID={group.id}>", "(objectClass=*)", ldap3.BASE,
               attributes=["member;range=0-1499"])
    assert list(raw.response[0]["raw_attributes"]) == ["member;range=0-1499"]
    raw.unbind()


def test_an_untrusted_certificate_is_refused_with_the_fix(directory_users: dict[str, str]) -> None:
    app = ActiveDirectoryApp("ad", settings(verify_tls=True))
    with pytest.raises(BadRequestError, match="not trusted") as info:
        app.health()
    assert "ca_file" in info.value.describe() and not info.value.transient


def test_one_app_is_safe_to_share_between_threads(app: ActiveDirectoryApp,
                                                  app_users: dict[str, str]) -> None:
    group = app.create_group(unique("Threads"))
    dns = sorted(app_users.values())
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda dn: app.add_members(group.id, [dn]), dns))
        listings = list(pool.map(lambda _: app.list_members(group.id), range(16)))
    assert set(app.list_members(group.id)) == set(dns)
    assert all(set(listing) <= set(dns) for listing in listings)
