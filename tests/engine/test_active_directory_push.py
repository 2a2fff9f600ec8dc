"""Group push into a real Samba AD DC through `grouppush exec`: push, additive push now,
unlink --delete."""

from __future__ import annotations

import contextlib
import os
import uuid
from pathlib import Path

import ldap3
import pytest

from tests import samba
from tests.cli.test_commands import approval_id
from tests.servers import ScimTenant
from tests.workspace import Workspace, make_workspace

pytestmark = pytest.mark.slow

OU = f"OU=Pushed Story,{samba.BASE_DN}"
PEOPLE = f"OU=Story People,{samba.BASE_DN}"


@pytest.fixture
def ad_ws(tmp_path: Path, scim_tenant: ScimTenant, admin: ldap3.Connection) -> Workspace:
    for ou in (OU, PEOPLE):
        with contextlib.suppress(ldap3.core.exceptions.LDAPEntryAlreadyExistsResult):
            admin.add(ou, ["top", "organizationalUnit"])
    suffix = uuid.uuid4().hex[:6]
    names = [f"ann{suffix}", f"ben{suffix}", f"cat{suffix}", f"dan{suffix}"]
    samba.add_users(admin, names, PEOPLE)
    ws = make_workspace(tmp_path, scim_tenant)
    ws.config["apps"]["ad"] = {
        "type": "active_directory", "url": samba.LDAPS_URL, "user": samba.ADMIN,
        "password": "${TEST_AD_PASSWORD}", "groups_ou": OU,
        "user_attribute": "userPrincipalName", "verify_tls": False,
    }
    os.environ["TEST_AD_PASSWORD"] = samba.ADMIN_PASSWORD
    for name in names:
        ws.users.append({"id": name[:3], "login": f"{name}@example.test", "status": "ACTIVE"})
    ws.users.append({"id": "eve", "login": f"eve{suffix}@example.test", "status": "SUSPENDED"})
    ws.add_group("g-team", f"Team {suffix}", ["ann", "ben", "cat", "eve"])
    ws.write()
    ws.suffix = suffix  # type: ignore[attr-defined]
    return ws


def ad_members(admin: ldap3.Connection, name: str) -> set[str]:
    admin.search(OU, f"(cn={name})", attributes=["member"])
    assert len(admin.entries) == 1, f"expected one group {name}"
    return {dn.split(",")[0][3:].lower() for dn in admin.entries[0].member.values}


def test_push_push_now_additive_and_unlink_delete_on_samba(ad_ws: Workspace,
                                                           admin: ldap3.Connection) -> None:
    suffix = ad_ws.suffix  # type: ignore[attr-defined]
    group = f"Team {suffix}"
    result = ad_ws.exec(f'push "{group}" to ad')
    assert result.code == 0, result.out
    assert ad_members(admin, group) == {f"ann{suffix}", f"ben{suffix}", f"cat{suffix}"}

    # changed in AD itself: a stranger added, a member removed
    admin.search(OU, f"(cn={group})", attributes=["distinguishedName"])
    group_dn = admin.entries[0].entry_dn
    admin.modify(group_dn, {"member": [(ldap3.MODIFY_ADD, [f"CN=dan{suffix},{PEOPLE}"]),
                                       (ldap3.MODIFY_DELETE, [f"CN=ben{suffix},{PEOPLE}"])]})
    drift = ad_ws.exec("check ad")
    assert drift.code == 1 and f"ben{suffix}@example.test" in drift.out

    now = ad_ws.exec(f'now "{group}" on ad')
    assert now.code == 0, now.out
    assert "additive" in now.out
    assert ad_members(admin, group) == {f"ann{suffix}", f"ben{suffix}", f"cat{suffix}",
                                        f"dan{suffix}"}  # the stranger stays

    request = approval_id(ad_ws.exec(f'unlink "{group}" from ad --delete').out)
    assert ad_members(admin, group)  # nothing happens before approval
    assert ad_ws.exec(f"approve {request}", as_user="U0APPROVER").code == 0
    admin.search(OU, f"(cn={group})", attributes=["cn"])
    assert admin.entries == []


def test_rules_push_to_active_directory(ad_ws: Workspace, admin: ldap3.Connection) -> None:
    suffix = ad_ws.suffix  # type: ignore[attr-defined]
    result = ad_ws.exec(f"rule add team{suffix} to ad --contains {suffix}")
    assert result.code == 0, result.out
    assert ad_members(admin, f"Team {suffix}") == {f"ann{suffix}", f"ben{suffix}",
                                                    f"cat{suffix}"}


def test_ad_protects_its_built_in_groups_and_any_group_with_admin_count(
        ad_ws: Workspace, admin: ldap3.Connection) -> None:
    suffix = ad_ws.suffix  # type: ignore[attr-defined]
    privileged = f"Priv {suffix}"
    dn = f"CN={privileged},{OU}"
    assert admin.add(dn, ["top", "group"], {"sAMAccountName": f"priv{suffix}"}), admin.result
    assert admin.modify(dn, {"adminCount": [(ldap3.MODIFY_REPLACE, ["1"])]}), admin.result
    ad_ws.config["apps"]["ad"]["enhanced_group_push"] = True  # it would link the AD group
    ad_ws.add_group("g-priv", privileged, ["ann", "ben"])
    ad_ws.add_group("g-da", "domain admins", ["ann"])  # any case
    ad_ws.write()

    linked = ad_ws.exec(f'push "{privileged}" to ad')
    assert linked.code == 1 and "adminCount=1" in linked.out, linked.out
    built_in = ad_ws.exec('push "domain admins" to ad')
    assert built_in.code == 1 and "an Active Directory built-in group" in built_in.out, \
        built_in.out
    admin.search(OU, f"(cn={privileged})", attributes=["member"])
    assert admin.entries[0].member.values == []  # nobody added to the privileged group
    assert ad_ws.exec(f'push "Team {suffix}" to ad').code == 0  # the others as ever
