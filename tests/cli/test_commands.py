"""Every command of the contract through `grouppush exec`, against a real scim2-server."""

from __future__ import annotations

import re
from typing import Any

from engine.checks import check, read_drift
from storage import repo
from storage.models import PushMapping
from tests.standins.box import BoxStandIn
from tests.workspace import Workspace


def approval_id(text: str) -> str:
    match = re.search(r"`approve (\w+)`", text)
    assert match, text
    return match.group(1)


def test_push_creates_the_group_with_active_members_only(ws: Workspace) -> None:
    result = ws.exec("push Sales to box")
    assert result.code == 0, result.out
    assert "Pushed Sales to box" in result.out
    assert ws.app.member_logins("Sales") == {"alice@acme.test", "bob@acme.test",
                                             "erin@acme.test"}
    assert "dave@acme.test" in result.out  # skipped: not in the app


def test_push_with_no_memberships_pushes_members_at_the_next_sync(ws: Workspace) -> None:
    assert ws.exec("push Sales to box --no-memberships").code == 0
    assert ws.app.member_logins("Sales") == set()
    assert ws.exec("sync box").code == 0
    assert ws.app.member_logins("Sales") == {"alice@acme.test", "bob@acme.test",
                                             "erin@acme.test"}


def test_quoted_and_unquoted_names_with_spaces(ws: Workspace) -> None:
    assert ws.exec('push "Engineering Platform" to box').code == 0
    assert ws.exec("info Engineering Platform on box").code == 0
    assert ws.app.member_logins("Engineering Platform") == {"alice@acme.test",
                                                            "bob@acme.test"}


def test_collision_is_refused_and_nothing_changes(ws: Workspace) -> None:
    ws.app.create_group("Sales")
    result = ws.exec("push Sales to box")
    assert result.code == 1
    assert "already has a group named Sales" in result.out
    assert "enhanced_group_push" in result.out
    assert ws.app.group_count("Sales") == 1
    assert ws.app.member_logins("Sales") == set()
    assert "No groups are pushed" in ws.exec("list").out


def test_enhanced_group_push_links_and_takes_over_the_existing_group(ws: Workspace) -> None:
    stranger = ws.app.create_users(["stranger@acme.test"])["stranger@acme.test"]
    ws.app.create_group("Sales", [stranger])
    ws.config["apps"]["box"]["enhanced_group_push"] = True
    ws.write()
    result = ws.exec("push Sales to box")
    assert result.code == 0, result.out
    assert "linked" in result.out
    assert ws.app.group_count("Sales") == 1
    assert ws.app.member_logins("Sales") == {"alice@acme.test", "bob@acme.test",
                                             "erin@acme.test"}
    assert "linked an existing app group" in ws.exec("info Sales on box").out


def test_assignment_group_is_refused(ws: Workspace) -> None:
    result = ws.exec("push IT to box")
    assert result.code == 1
    assert "used for app assignments of box" in result.out
    assert "IT" not in ws.app.groups()


def test_unknown_group_and_app_get_the_closest_matches(ws: Workspace) -> None:
    result = ws.exec("push Salse to box")
    assert result.code == 1
    assert "No directory group named Salse" in result.out and "Sales" in result.out
    result = ws.exec("push Sales to bx")
    assert result.code == 1
    assert "No app named bx" in result.out and "Did you mean box?" in result.out
    assert ws.app.groups() == {}


def test_bad_usage_prints_usage_and_exits_2(ws: Workspace) -> None:
    result = ws.exec("push Sales")
    assert result.code == 2
    assert "Usage: push GROUP to APP" in result.out
    result = ws.exec("pusj Sales to box")
    assert result.code == 2
    assert "Did you mean `push Sales to box`?" in result.out
    result = ws.exec("unlink Sales from box")
    assert result.code == 2 and "--keep" in result.out
    result = ws.exec('push "Sales to box')
    assert result.code == 2 and "quote" in result.out
    assert ws.app.groups() == {}


def test_inactive_users_are_removed_and_added_back_on_reactivation(ws: Workspace) -> None:
    ws.exec("push Sales to box")
    ws.set_status("bob", "SUSPENDED")
    assert ws.exec("sync").code == 0
    assert "bob@acme.test" not in ws.app.member_logins("Sales")
    ws.set_status("bob", "ACTIVE")
    ws.set_status("carol", "RECOVERY")
    assert ws.exec("sync").code == 0
    assert ws.app.member_logins("Sales") == {"alice@acme.test", "bob@acme.test",
                                             "carol@acme.test", "erin@acme.test"}


def test_repush_user_adds_them_at_once(ws: Workspace) -> None:
    ws.exec("push Sales to box")
    ws.exec("push Engineering to box")
    ws.set_status("carol", "ACTIVE")
    ws.set_members("g-eng", ["bob", "carol"])
    result = ws.exec("repush carol@acme.test")
    assert result.code == 0, result.out
    assert "carol@acme.test" in ws.app.member_logins("Sales")
    assert "carol@acme.test" in ws.app.member_logins("Engineering")
    assert ws.exec("repush nobdy@acme.test").code == 1


def test_deactivate_pauses_and_activate_catches_up(ws: Workspace) -> None:
    ws.exec("push Sales to box")
    assert ws.exec("deactivate Sales on box").code == 0
    ws.set_members("g-sales", ["alice"])
    ws.exec("sync")
    assert ws.app.member_logins("Sales") == {"alice@acme.test", "bob@acme.test",
                                             "erin@acme.test"}
    assert "deactivated" in ws.exec("list box").out
    assert ws.exec("deactivate Sales on box").code == 1
    result = ws.exec("activate Sales on box")
    assert result.code == 0 and "2 removed" in result.out
    assert ws.app.member_logins("Sales") == {"alice@acme.test"}


def test_push_now_overwrites_changes_made_in_the_app(ws: Workspace) -> None:
    ws.exec("push Sales to box")
    ws.app.create_users(["stranger@acme.test"])
    ws.app.patch_members("Sales", add=["stranger@acme.test"], remove=["alice@acme.test"])
    result = ws.exec("now Sales on box")
    assert result.code == 0, result.out
    assert "1 added, 1 removed" in result.out
    assert ws.app.member_logins("Sales") == {"alice@acme.test", "bob@acme.test",
                                             "erin@acme.test"}


def test_push_now_recreates_a_group_deleted_in_the_app(ws: Workspace) -> None:
    ws.exec("push Sales to box")
    ws.app.delete_group("Sales")
    result = ws.exec("now Sales on box")
    assert result.code == 0 and "created again" in result.out
    assert ws.app.group_count("Sales") == 1
    assert ws.app.member_logins("Sales") == {"alice@acme.test", "bob@acme.test",
                                             "erin@acme.test"}


def rename_group(ws: Workspace, gid: str, name: str) -> None:
    for group in ws.groups:
        if group["id"] == gid:
            group["name"] = name
    ws.write()


def test_a_group_renamed_in_the_directory_is_renamed_in_the_app_at_the_next_sync(
        ws: Workspace) -> None:
    ws.exec("push Sales to box")
    group_id = ws.app.groups()["Sales"]
    rename_group(ws, "g-sales", "Sales EMEA")
    result = ws.exec("sync box")
    assert result.code == 0, result.out
    assert '"Sales EMEA" on box: +0 -0, renamed from Sales' in result.out
    groups = ws.app.groups()
    assert groups.get("Sales EMEA") == group_id and "Sales" not in groups
    assert ws.app.member_logins("Sales EMEA") == {"alice@acme.test", "bob@acme.test",
                                                  "erin@acme.test"}
    assert "Sales EMEA (id" in ws.exec("info Sales EMEA on box").out
    assert ws.exec("check box").code == 0
    assert "rename" in ws.exec("audit 5").out


def test_a_rename_to_a_name_taken_in_the_app_is_an_error_and_members_still_go(
        ws: Workspace) -> None:
    ws.exec("push Sales to box")
    ws.app.create_group("Sales EMEA")
    rename_group(ws, "g-sales", "Sales EMEA")
    ws.set_members("g-sales", ["alice"])
    result = ws.exec("sync box")
    assert result.code == 1
    assert "already has another group named 'Sales EMEA'" in result.out
    assert ws.app.member_logins("Sales") == {"alice@acme.test"}
    assert ws.app.member_logins("Sales EMEA") == set()
    info = ws.exec("info Sales EMEA on box").out
    assert "already has another group named" in info and "Rename or remove" in info
    assert "1 member," in ws.exec("list box").out  # the bookkeeping of the members ran

    forced = ws.exec("now Sales EMEA on box")
    assert forced.code == 0 and "did not take the directory group's new name" in forced.out
    assert ws.exec("check box").code == 0  # push now's members are what was last pushed
    ws.app.delete_group("Sales EMEA")
    result = ws.exec("sync box")
    assert result.code == 0 and "renamed from Sales" in result.out
    assert "Sales" not in ws.app.groups()
    assert "Error: none" in ws.exec("info Sales EMEA on box").out


def test_an_app_group_another_push_owns_is_never_linked_or_adopted(ws: Workspace) -> None:
    ws.config["apps"]["box"]["enhanced_group_push"] = True
    ws.exec("push Sales to box")
    rename_group(ws, "g-sales", "Sales EMEA")  # not synced yet: the app group is still Sales
    ws.add_group("g-sales-us", "Sales", ["alice"])
    ws.write()
    result = ws.exec("push Sales to box")
    assert result.code == 1
    assert "already pushed from the directory group Sales" in result.out
    assert ws.app.group_count("Sales") == 1
    assert ws.app.member_logins("Sales") == {"alice@acme.test", "bob@acme.test",
                                             "erin@acme.test"}


def test_unlink_delete_needs_an_approver_and_not_the_requester(ws: Workspace) -> None:
    ws.exec("push Sales to box")
    asked = ws.exec("unlink Sales from box --delete", as_user="U0ASKER")
    assert asked.code == 0
    request = approval_id(asked.out)
    assert "Sales" in ws.app.groups()  # nothing changes before approval

    refused = ws.exec(f"approve {request}", as_user="U0RANDOM")
    assert refused.code == 1 and "Only approvers" in refused.out
    assert "Sales" in ws.app.groups()

    ws.config["slack"]["approvers"] = ["U0APPROVER", "U0ASKER"]
    ws.write()
    self_approval = ws.exec(f"approve {request}", as_user="U0ASKER")
    assert self_approval.code == 1 and "yourself" in self_approval.out
    assert "Sales" in ws.app.groups()

    approved = ws.exec(f"approve {request}", as_user="U0APPROVER")
    assert approved.code == 0, approved.out
    assert "Sales" not in ws.app.groups()
    assert "No groups are pushed" in ws.exec("list").out

    again = ws.exec(f"approve {request}", as_user="U0APPROVER")
    assert again.code == 1 and "already approved" in again.out


def test_self_approval_when_allowed(ws: Workspace) -> None:
    ws.config["slack"].update(approvers=["U0ME"], allow_self_approval=True)
    ws.write()
    ws.exec("push Sales to box")
    request = approval_id(ws.exec("unlink Sales from box --keep", as_user="U0ME").out)
    assert ws.exec(f"approve {request}", as_user="U0ME").code == 0
    assert "Sales" in ws.app.groups()  # --keep leaves it in the app
    assert "No groups are pushed" in ws.exec("list").out


def test_deny_changes_nothing_and_cannot_be_approved_after(ws: Workspace) -> None:
    ws.exec("push Sales to box")
    request = approval_id(ws.exec("unlink Sales from box --delete").out)
    assert ws.exec(f"deny {request}", as_user="U0APPROVER").code == 0
    assert "Sales" in ws.app.groups()
    result = ws.exec(f"approve {request}", as_user="U0APPROVER")
    assert result.code == 1 and "denied" in result.out
    assert ws.exec("approve NOSUCH", as_user="U0APPROVER").code == 1


def test_expired_request_changes_nothing(ws: Workspace) -> None:
    ws.exec("push Sales to box")
    request = approval_id(ws.exec("unlink Sales from box --delete").out)
    service = ws.service()
    from datetime import timedelta

    from engine.approvals.handlers import decide
    from engine.outcomes import NotDecided

    later = service.clock() + timedelta(minutes=61)
    service.clock = lambda: later
    refused = decide(service, request, "U0APPROVER", approve=True)
    assert isinstance(refused, NotDecided) and refused.approval is not None
    assert refused.approval.status == "expired"
    assert "Sales" in ws.app.groups()


def test_operators_only_may_change(ws: Workspace) -> None:
    ws.config["slack"]["operators"] = ["U0OPS"]
    ws.write()
    result = ws.exec("push Sales to box", as_user="U0SOMEONE")
    assert result.code == 1 and "Only operators" in result.out
    assert ws.app.groups() == {}
    assert ws.exec("list", as_user="U0SOMEONE").code == 0
    assert ws.exec("push Sales to box", as_user="U0OPS").code == 0


def test_rules_push_matches_now_and_new_groups_at_sync(ws: Workspace) -> None:
    result = ws.exec("rule add eng to box --starts-with Engineering")
    assert result.code == 0, result.out
    assert set(ws.app.groups()) == {"Engineering", "Engineering Platform"}
    ws.add_group("g-eng-mobile", "Engineering Mobile", ["alice"])
    ws.write()
    ws.exec("sync")
    assert "Engineering Mobile" in ws.app.groups()
    assert ws.app.member_logins("Engineering Mobile") == {"alice@acme.test"}
    assert "by rule eng" in ws.exec("info \"Engineering Mobile\" on box").out
    assert "eng → box" in ws.exec("rule list").out
    assert ws.exec("rule add eng to box --contains x").code == 1  # name taken
    assert ws.exec("rule add bad to box --regex '('").code == 1
    assert ws.exec("rule remove eng").code == 0
    assert ws.exec("rule remove eng").code == 1


def test_contains_and_regex_rules(ws: Workspace) -> None:
    assert ws.exec("rule add s to box --contains ale").code == 0
    assert set(ws.app.groups()) == {"Sales"}
    assert ws.exec("rule add r to box --regex '^Eng.*form$'").code == 0
    assert set(ws.app.groups()) == {"Sales", "Engineering Platform"}


def test_rule_never_pushes_assignment_groups(ws: Workspace) -> None:
    result = ws.exec("rule add all to box --regex .")
    assert "IT" not in ws.app.groups()
    assert "assignments" in result.out


def test_bulk_deactivate_and_bulk_delete(ws: Workspace) -> None:
    ws.exec("push Sales to box")
    ws.exec("push Engineering to box")
    assert ws.exec("bulk deactivate box --all").code == 0
    assert ws.exec("list box").out.count("deactivated") == 2
    asked = ws.exec("bulk delete box Sales Engineering")
    request = approval_id(asked.out)
    assert set(ws.app.groups()) == {"Sales", "Engineering"}
    assert ws.exec(f"approve {request}", as_user="U0APPROVER").code == 0
    assert ws.app.groups() == {}
    assert ws.exec("bulk delete box Sales").code == 1


def test_check_finds_drift_and_exits_1(ws: Workspace) -> None:
    ws.exec("push Sales to box")
    assert ws.exec("check").code == 0
    ws.app.create_users(["stranger@acme.test"])
    ws.app.patch_members("Sales", add=["stranger@acme.test"], remove=["bob@acme.test"])
    result = ws.exec("check box")
    assert result.code == 1
    assert "missing (bob@acme.test)" in result.out
    assert "unexpected (stranger@acme.test)" in result.out
    assert "`now Sales on box` overwrites it." in result.out  # the real names, not GROUP on APP
    assert "GROUP on APP" not in result.out


def test_info_shows_errors_until_a_later_push_succeeds(ws: Workspace) -> None:
    ws.exec("push Sales to box")
    ws.config["apps"]["box"]["token"] = "wrong-token-value"
    ws.write()
    ws.set_members("g-sales", ["alice"])
    result = ws.exec("sync")
    assert result.code == 1
    info = ws.exec("info Sales on box").out
    assert "HTTP 401" in info and "Troubleshooting" in info and "sync" in info
    assert "wrong-token-value" not in info + result.out
    assert "error:" in ws.exec("list").out
    ws.config["apps"]["box"]["token"] = "${TEST_SCIM_TOKEN}"
    ws.write()
    assert ws.exec("sync").code == 0
    assert "Error: none" in ws.exec("info Sales on box").out


def test_apps_search_audit_help_and_json(ws: Workspace) -> None:
    assert "box (scim): ok" in ws.exec("apps").out
    assert "Engineering Platform" in ws.exec("search eng").out
    ws.exec("push Sales to box", as_user="U0ALICE")
    audit = ws.exec("audit 5")
    assert "U0ALICE: push Sales to box" in audit.out
    assert "push GROUP to APP" in ws.exec("help").out
    result = ws.exec("list", as_json=True)
    assert result.json["ok"] is True
    assert result.json["data"]["pushes"][0]["group"] == "Sales"


def test_bad_config_fails_with_key_and_reason(ws: Workspace) -> None:
    ws.config["apps"]["box"]["urll"] = "x"
    ws.write()
    result = ws.exec("list")
    assert result.code == 2
    assert "apps.box.urll" in result.err and "did you mean url" in result.err


def test_a_sync_removing_most_of_a_big_group_holds_for_approval(ws: Workspace) -> None:
    people = [f"p{i:02d}" for i in range(25)]
    for uid in people:
        ws.add_user(uid)
    ws.add_group("g-big", "Big", people)
    ws.write()
    assert ws.exec("push Big to box").code == 0
    ws.set_members("g-big", people[:5])  # 20 of 25 would go
    held = ws.exec("sync box")
    assert held.code == 0, held.out
    assert "held" in held.out and "remove 20 of 25" in held.out
    assert len(ws.app.member_logins("Big")) == 25  # nothing removed yet
    again = ws.exec("sync box")
    assert approval_id(again.out) == approval_id(held.out)  # one request, not one per sync
    assert ws.exec(f"approve {approval_id(held.out)}", as_user="U0APPROVER").code == 0
    assert ws.app.member_logins("Big") == {f"{p}@acme.test" for p in people[:5]}


def test_small_removals_are_not_held(ws: Workspace) -> None:
    ws.exec("push Sales to box")
    ws.set_members("g-sales", ["alice"])
    result = ws.exec("sync")
    assert "held" not in result.out
    assert ws.app.member_logins("Sales") == {"alice@acme.test"}


def test_the_same_push_twice_at_once_makes_one_group(ws: Workspace) -> None:
    import threading

    from engine.executor import run_line

    service = ws.service()
    barrier = threading.Barrier(3)
    replies = []

    def push() -> None:
        barrier.wait()
        replies.append(run_line(service, "push Sales to box", "console"))

    threads = [threading.Thread(target=push) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.ok for r in replies) == [False, False, True]
    assert all("already pushed" in r.text for r in replies if not r.ok)
    assert ws.app.group_count("Sales") == 1


def test_check_reports_a_group_deleted_or_renamed_in_the_app(ws: Workspace) -> None:
    import httpx

    ws.exec("push Sales to box")
    ws.exec("push Engineering to box")
    ws.app.delete_group("Sales")
    group_id = ws.app.groups()["Engineering"]
    httpx.patch(f"{ws.app.url}/Groups/{group_id}", headers={
        "Authorization": f"Bearer {ws.app.token}", "Content-Type": "application/scim+json"},
        json={"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
              "Operations": [{"op": "replace", "path": "displayName",
                              "value": "Engineering (old)"}]}).raise_for_status()
    result = ws.exec("check box")
    assert result.code == 1
    assert "Sales on box: the group was deleted in the app." in result.out
    assert 'renamed in the app to "Engineering (old)"' in result.out


def test_a_group_gone_from_the_directory_is_an_error_not_a_deletion(ws: Workspace) -> None:
    ws.exec("push Engineering to box")
    ws.groups = [g for g in ws.groups if g["id"] != "g-eng"]
    ws.write()
    result = ws.exec("sync")
    assert result.code == 1 and "no longer in the directory" in result.out
    assert "Engineering" in ws.app.groups()  # never deleted without an approved unlink
    assert "no longer in the directory" in ws.exec("list").out
    asked = ws.exec("unlink Engineering from box --delete", as_user="U0ASKER")
    assert asked.code == 0, asked.out  # reached by the name it was pushed under
    assert "delete box's group Engineering" in asked.out
    assert "with its 1 pushed member; stop pushing" in asked.out  # one, not "1 ... members"
    assert ws.exec(f"approve {approval_id(asked.out)}", as_user="U0APPROVER").code == 0
    assert "Engineering" not in ws.app.groups()
    assert "Engineering" not in ws.exec("list").out


def test_an_app_group_has_the_directory_group_description_and_follows_it(
        ws: Workspace) -> None:
    box = BoxStandIn()
    try:
        for user in ws.users:
            box.add_user(user["login"])
        ws.config["apps"]["boxapi"] = {
            "type": "box", "client_id": box.client_id, "client_secret": box.client_secret,
            "enterprise_id": box.enterprise_id, "api_url": box.api_url,
            "token_url": box.token_url}
        ws.write()
        assert ws.exec("push Sales to boxapi").code == 0
        [group] = box.groups.values()
        assert (group["name"], group["description"]) == ("Sales", "Sales team")
        assert box.sent("PUT") == []  # created with it: nothing to update

        for entry in ws.groups:
            if entry["id"] == "g-sales":
                entry["description"] = "Sales, EMEA and US"
        ws.write()
        result = ws.exec("sync boxapi")
        assert result.code == 0 and "description updated" in result.out
        assert group["description"] == "Sales, EMEA and US"
        assert ws.exec("sync boxapi").code == 0
        assert len(box.sent("PUT")) == 1  # a sync with nothing changed sends nothing
        assert "describe" in ws.exec("audit 5").out
    finally:
        box.stop()


def test_a_check_that_began_before_a_rename_was_followed_reports_no_drift(
        ws: Workspace) -> None:
    ws.exec("push Sales to box")
    service = ws.service()
    with service.db.session() as session:
        [stale] = repo.list_mappings(session, "box")  # as a long check read it when it began
    rename_group(ws, "g-sales", "Sales EMEA")
    assert ws.exec("sync box").code == 0  # meanwhile a sync follows the rename
    report = read_drift(service, service.find_app("box"), stale)
    assert report.renamed_to is None and not report.drifted


def test_a_push_removed_while_its_check_ran_has_no_finding(ws: Workspace) -> None:
    ws.exec("push Sales to box")
    ws.exec("push Engineering to box")
    ws.app.patch_members("Sales", remove=["bob@acme.test"])
    service = ws.service()
    app = service.find_app("box")
    read_group = app.read_group
    with service.db.session() as session:
        pushed = {m.group_name: m for m in repo.list_mappings(session, "box")}

    def read_and_remove_engineering(group_id: str) -> Any:
        found = read_group(group_id)
        if group_id == pushed["Sales"].app_group_id:  # another command removes it meanwhile
            with service.db.session() as session:
                row = session.get(PushMapping, pushed["Engineering"].id)
                assert row is not None
                repo.forget_mapping(session, row)
        return found

    app.read_group = read_and_remove_engineering  # type: ignore[method-assign]
    outcome, findings = check(service, "box", "console")
    assert [(f.report.group, f.state) for f in findings] == [("Sales", "new")]
    assert not outcome.ok
    assert "missing (bob@acme.test)" in ws.exec("info Sales on box").out
