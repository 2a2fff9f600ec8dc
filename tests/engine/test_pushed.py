"""The Push Groups tab's outcomes from a real push: a page under a filter, and Information with
the group type an Okta directory gives (its stand-in) and the origin of the push."""

from __future__ import annotations

import pytest

from engine.push import tab
from engine.service import GroupPushService
from storage.pages import PushFilter
from tests.servers import ScimTenant
from tests.standins.okta import OktaStandIn
from tests.workspace import Workspace


@pytest.fixture
def service(okta: OktaStandIn, okta_ws: Workspace, scim_tenant: ScimTenant) -> GroupPushService:
    alice = okta.add_user("alice@acme.test")
    bob = okta.add_user("bob@acme.test")
    sam = okta.add_user("sam@acme.test", status="SUSPENDED")
    okta.add_group("AD Admins", [alice, bob, sam], type="APP_GROUP")
    okta.add_group("Sales", [alice])
    scim_tenant.create_users(["alice@acme.test"])
    okta_ws.write()
    return okta_ws.service()


def test_information_gives_oktas_group_type_origin_and_skipped(
        service: GroupPushService) -> None:
    assert service.push("AD Admins", "box", "U0OPS").ok
    assert service.push("Sales", "box", "U0OPS", via="rule:sales").ok
    [admins] = tab.selection(service, PushFilter(app="box", name="admins"))
    info = tab.information(service, admins[0])
    assert info.group_type == "APP_GROUP (imported into Okta from an app or directory)"
    assert (info.created_by, info.rule, info.members_pushed, info.active_members) == (
        "U0OPS", None, 1, 2)
    assert info.skipped == ("bob@acme.test",) and "no user in box" in info.skipped_reason
    page = tab.pushed_page(service, PushFilter(app="box", rule="sales"))
    assert [(r.name, r.rule, r.active_members) for r in page.rows] == [("Sales", "sales", 1)]
    assert (page.total, page.app_total, page.rules, page.by_name) == (1, 2, (), 1)
    assert page.removed_rules == (("sales", 1),)  # no rule `sales` is saved
    sales = tab.information(service, page.rows[0].mapping_id)
    assert sales.group_type == "OKTA_GROUP (an Okta group)" and sales.rule == "sales"
