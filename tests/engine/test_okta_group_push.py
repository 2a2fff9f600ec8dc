"""`type: okta_group_push`: grouppush drives Okta's own Push Groups of an app through the
Group Push Mappings API (the Okta stand-in serves it as Okta documents it); each test shows
the requests a command sends to Okta and what Okta then has."""

from __future__ import annotations

import re
from typing import Any

import pytest

from bot.views.home import row_text
from bot.views.information import information_modal
from engine.alerts import errors_to_tell, remember_error_alert
from engine.executor import execute
from engine.operations import Retry
from engine.outcomes import Retried
from engine.push import tab
from storage.pages import PushFilter
from tests.cli.test_commands import approval_id
from tests.standins import Recorded
from tests.standins.okta import OktaStandIn
from tests.workspace import Workspace

MAPPINGS = "/group-push/mappings"


class World:
    """An Okta org (the directory) with an Office 365 app whose groups Okta pushes."""

    def __init__(self, okta: OktaStandIn, ws: Workspace) -> None:
        self.okta, self.ws = okta, ws
        self.app_id = okta.add_app("Office 365")
        alice = okta.add_user("alice@acme.test")
        self.sales = okta.add_group("Sales", [alice])
        self.eng = okta.add_group("Engineering", [alice])
        self.config(enhanced=False)

    def config(self, enhanced: bool) -> None:
        self.ws.config["apps"]["o365"] = {"type": "okta_group_push", "app_id": self.app_id,
                                          "enhanced_group_push": enhanced}
        self.ws.write()

    def run(self, text: str, code: int = 0) -> tuple[str, list[Recorded]]:
        """`grouppush exec TEXT`: its output and the requests it sent to the app's mappings."""
        before = len(self.okta.requests)
        result = self.ws.exec(text)
        assert result.code == code, result.out + result.err
        return result.out, [r for r in self.okta.requests[before:] if "/api/v1/apps/" in r.path]

    def mapping(self, source: str) -> dict[str, Any]:
        [found] = [m for m in self.okta.mappings_of(self.app_id) if m["sourceGroupId"] == source]
        return found


def _details_pairs(info: tab.Information) -> list[tuple[str, str]]:
    """The Information modal's labelled fields, as (label, text)."""
    pairs = []
    for block in information_modal(info)["blocks"]:
        for field in block.get("fields") or ():
            label, _, value = field["text"].partition("\n")
            pairs.append((label.strip("*"), value))
    return pairs


def said(requests: list[Recorded]) -> list[str]:
    """Each request as `METHOD path-after-the-app ?query`."""
    out = []
    for r in requests:
        path = r.path.split(MAPPINGS, 1)[1] if MAPPINGS in r.path else r.path
        query = "&".join(f"{k}={v[0]}" for k, v in sorted(r.query.items()))
        out.append(f"{r.method} {path or '/'}" + (f"?{query}" if query else ""))
    return out


@pytest.fixture
def world(okta: OktaStandIn, okta_ws: Workspace) -> World:
    return World(okta, okta_ws)


def test_push_creates_a_mapping_in_okta(world: World) -> None:
    out, sent = world.run("push Sales to o365")
    assert said(sent) == [f"GET /?limit=1&sourceGroupId={world.sales}",
                          "POST /"]
    assert sent[1].body == {"sourceGroupId": world.sales, "status": "ACTIVE",
                            "targetGroupName": "Sales"}
    mapping = world.mapping(world.sales)
    assert mapping["status"] == "ACTIVE"
    assert world.okta.groups[mapping["targetGroupId"]]["profile"]["name"] == "Sales"
    assert out.startswith("Pushed Sales to o365: Okta's group push mapping is made (Okta "
                          "creates the app group); Okta pushes its members itself."), out
    listed, _ = world.run("list o365")
    assert "Sales" in listed and "active" in listed


def test_a_push_to_okta_s_active_directory_sends_where_and_what_kind(world: World) -> None:
    ad_id = world.okta.add_app("Active Directory", name="active_directory")
    world.ws.config["apps"]["ad"] = {"type": "okta_group_push", "app_id": ad_id,
                                     "groups_ou": "OU=Pushed,DC=acme,DC=test"}
    world.ws.write()
    world.run("push Sales to ad")
    [made] = world.okta.mappings_of(ad_id)
    assert made["appConfig"] == {"type": "ACTIVE_DIRECTORY",
                                 "distinguishedName": "CN=Sales,OU=Pushed,DC=acme,DC=test",
                                 "groupScope": "GLOBAL", "groupType": "SECURITY",
                                 "samAccountName": "Sales"}
    assert made["status"] == "ACTIVE" and made["sourceGroupId"] == world.sales


def test_members_are_told_as_okta_pushes_them_never_as_zero_pushed(world: World) -> None:
    bob = world.okta.add_user("bob@acme.test")
    world.okta.add_member(world.sales, bob)
    world.run("push Sales to o365")
    before = len(world.okta.requests)
    listed, _ = world.run("list o365")
    assert world.okta.requests[before:] == []  # the kept directory gives the count
    says = "Okta pushes its 2 active members (the app group's members are not readable"
    assert says in listed and "0 members" not in listed
    [row] = world.ws.exec("list o365", as_json=True).json["data"]["pushes"]
    assert (row["members"], row["okta_pushes"]) == (None, 2)
    info, _ = world.run("info Sales on o365")
    assert f"Members: {says}" in info
    service = world.ws.service()
    [shown] = tab.pushed_page(service, PushFilter(app="o365")).rows
    assert says in row_text(shown)
    assert ("Members", says + " through Okta's API)") in _details_pairs(
        tab.information(service, shown.mapping_id))
    why, sent = world.run("explain bob@acme.test in Sales on o365")
    assert sent == [] and "2. Active in the directory: yes" in why
    assert "Known to the app: unknown: Okta matches its users to o365's itself" in why
    assert "In the app group now: unknown: Okta's API does not list the members" in why
    assert "Next sync: none: Okta pushes bob@acme.test with Sales whenever it changes." in why


def test_a_name_the_app_has_is_refused_unless_enhanced_then_linked(world: World) -> None:
    existing = world.okta.add_app_group(world.app_id, "Engineering")  # imported, so also
    push = f"push id:{world.eng} to o365"  # one of the org's groups until it is linked
    out, sent = world.run(push, code=1)
    assert "already has a group named Engineering" in out
    assert all(r.method == "GET" for r in sent)
    assert world.okta.mappings_of(world.app_id) == []
    world.config(enhanced=True)
    out, sent = world.run(push)
    assert sent[-1].method == "POST"
    assert sent[-1].body == {"sourceGroupId": world.eng, "status": "ACTIVE",
                             "targetGroupId": existing}
    assert world.mapping(world.eng)["targetGroupId"] == existing
    info, _ = world.run("info Engineering on o365")
    assert "linked an existing app group" in info


def test_deactivate_and_activate_set_the_mapping_status(world: World) -> None:
    world.run("push Sales to o365")
    mid = world.mapping(world.sales)["id"]
    _, sent = world.run("deactivate Sales on o365")
    assert said(sent) == [f"PATCH /{mid}"] and sent[0].body == {"status": "INACTIVE"}
    assert world.mapping(world.sales)["status"] == "INACTIVE"
    listed, _ = world.run("list o365")
    assert "deactivated" in listed
    _, sent = world.run("activate Sales on o365")
    assert said(sent) == [f"PATCH /{mid}"] and sent[0].body == {"status": "ACTIVE"}
    assert world.mapping(world.sales)["status"] == "ACTIVE"


@pytest.mark.parametrize("flag, delete", [("--keep", "false"), ("--delete", "true")])
def test_unlink_deactivates_then_deletes_the_mapping(world: World, flag: str,
                                                     delete: str) -> None:
    world.run("push Sales to o365")
    mapping = world.mapping(world.sales)
    asked, sent = world.run(f"unlink Sales from o365 {flag}")
    assert sent == []  # nothing changes before approval
    if delete == "true":  # Okta deletes the group: how many members it has is not known
        assert (f"delete o365's group Sales (Okta's mapping {mapping['id']}) with its "
                "members; stop pushing") in asked and "pushed member" not in asked
        preview, _ = world.run("unlink Sales from o365 --delete --dry-run")
        assert "with its members; stop pushing" in preview and "0 pushed" not in preview
    before = len(world.okta.requests)
    assert world.ws.exec(f"approve {approval_id(asked)}", as_user="U0APPROVER").code == 0
    sent = [r for r in world.okta.requests[before:] if "/api/v1/apps/" in r.path]
    assert said(sent) == [f"PATCH /{mapping['id']}",
                          f"DELETE /{mapping['id']}?deleteTargetGroup={delete}"]
    assert world.okta.mappings_of(world.app_id) == []
    assert (mapping["targetGroupId"] in world.okta.groups) is (delete == "false")
    listed, _ = world.run("list o365")
    assert "Sales" not in listed


def test_mappings_made_in_okta_are_listed_managed_and_found_by_a_sync(world: World) -> None:
    world.okta.console_mapping(world.app_id, world.eng)
    out, _ = world.run("sync o365")
    assert "Engineering on o365: pushed in Okta's admin console" in out
    listed, _ = world.run("list o365")
    assert "Engineering" in listed and "Okta's admin console" in listed
    [row] = world.ws.exec("list o365", as_json=True).json["data"]["pushes"]
    assert row["origin"] == "okta" and row["status"] == "active"
    info, _ = world.run("info Engineering on o365")
    assert "outside grouppush" in info and "Okta status: ACTIVE" in info
    world.run("deactivate Engineering on o365")
    assert world.mapping(world.eng)["status"] == "INACTIVE"


def test_a_mapping_in_error_is_told_once_with_okta_summary_and_retried(world: World) -> None:
    world.run("push Sales to o365")
    summary = "User alice@acme.test is not assigned to the app"
    world.okta.fail_pushes(world.app_id, world.sales, summary)
    out, _ = world.run("sync o365", code=1)
    assert summary in out
    errors, _ = world.run("list o365 --errors")
    assert "Sales" in errors and summary in errors
    info, _ = world.run("info Sales on o365")
    assert f"Okta error summary: {summary}" in info and "Okta status: ERROR" in info
    assert "Retry All Groups" in info
    service = world.ws.service()
    [alert] = errors_to_tell(service)[0]
    remember_error_alert(service, alert.mapping_id, alert.message, "1.0")
    world.run("sync o365", code=1)  # retried by the sync, still failing: not told again
    assert errors_to_tell(world.ws.service())[0] == []
    world.okta.fix_pushes(world.app_id, world.sales)
    before = len(world.okta.requests)
    retried = execute(world.ws.service(), Retry(alert.mapping_id), "U0OPERATOR").outcome
    assert isinstance(retried, Retried) and retried.error is None  # the Retry button
    sent = [r for r in world.okta.requests[before:] if "/api/v1/apps/" in r.path]
    assert [r.method for r in sent] == ["PATCH"] and sent[0].body == {"status": "ACTIVE"}
    assert world.mapping(world.sales)["status"] == "ACTIVE"
    errors, _ = world.run("list o365 --errors")
    assert "Sales" not in errors


def test_what_okta_does_not_offer_is_refused_with_where_to_do_it(world: World) -> None:
    world.run("push Sales to o365")
    out, sent = world.run("now Sales on o365", code=1)
    assert "no push now" in out and "Push Groups" in out and sent == []
    world.okta.fail_pushes(world.app_id, world.sales, "The app refused the group name")
    world.okta.push_mappings[world.mapping(world.sales)["id"]]["status"] = "ERROR"
    out = world.ws.cli("check", "o365")
    assert out.code == 1 and "The app refused the group name" in out.out
    assert "grouppush checks no drift there" in out.out


def test_a_quiet_sync_of_200_mappings_costs_a_few_requests(world: World) -> None:
    for n in range(200):
        world.okta.console_mapping(world.app_id, world.okta.add_group(f"Team {n:03d}"))
    world.run("sync o365")
    listed, _ = world.run("list o365")
    assert listed.count("Team ") == 200
    before = len(world.okta.requests)
    world.run("sync o365")
    quiet = said(world.okta.requests[before:])
    assert len(quiet) <= 6, quiet
    mine = [q for q in quiet if "/api/v1/" not in q]  # the app's own: two listings
    assert len(mine) == 2 and re.fullmatch(r"GET /\?lastUpdated=\S+Z&limit=1000", mine[0])
    assert mine[1] == "GET /?limit=1000&status=ERROR"


def test_a_rule_pushes_by_mapping_and_a_dry_run_sends_nothing(world: World) -> None:
    out, sent = world.run("push Sales to o365 --dry-run")
    assert [r.method for r in sent] == [] and "Sales" in out
    assert world.okta.mappings_of(world.app_id) == []
    out, sent = world.run("rule add eng to o365 --starts-with Eng")
    assert [r.method for r in sent] == ["GET", "POST"]
    assert sent[1].body["targetGroupName"] == "Engineering"
    listed, _ = world.run("list o365 --rule eng")
    assert "Engineering" in listed


def test_bulk_deactivate_pauses_each_mapping_in_okta(world: World) -> None:
    world.run("push Sales to o365")
    world.run("push Engineering to o365")
    _, sent = world.run("bulk deactivate o365 --all")
    assert sorted(said(sent)) == sorted(f"PATCH /{world.mapping(g)['id']}"
                                        for g in (world.sales, world.eng))
    assert {m["status"] for m in world.okta.mappings_of(world.app_id)} == {"INACTIVE"}
    listed, _ = world.run("list o365 --status inactive")
    assert "Sales" in listed and "Engineering" in listed


def test_a_group_renamed_in_okta_is_followed_without_a_request(world: World) -> None:
    world.run("push Sales to o365")
    world.okta.update_group(world.sales, name="Sales EMEA")
    out, sent = world.run("sync o365")
    assert 'renamed from Sales' in out
    assert [r.method for r in sent] == ["GET", "GET"]  # the two listings only
    listed, _ = world.run("list o365")
    assert '"Sales EMEA"' in listed
