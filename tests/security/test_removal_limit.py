"""The organisation-wide guard: a sync removing more than safety.max_removals_per_sync
memberships in total waits for one approval request; its additions go ahead."""

from __future__ import annotations

import re

from storage import repo
from tests.servers import ScimServerProcess
from tests.workspace import Workspace

APPROVER = "U0APPROVER"
GROUPS = {"g-red": "Red", "g-green": "Green", "g-blue": "Blue"}


def three_groups(ws: Workspace, limit: int = 5) -> dict[str, list[str]]:
    """Red, Green and Blue, six members each, pushed to box; the per-group share guard is on
    for every size (min_group_size 1), so only the total can hold a sync of a third (the
    directory-loss guard, which a third of every group would trip, is off)."""
    people = [f"m{i:02d}" for i in range(20)]
    for person in people:
        ws.add_user(person)
    members = {gid: people[i * 6:(i + 1) * 6] for i, gid in enumerate(GROUPS)}
    for gid, name in GROUPS.items():
        ws.add_group(gid, name, members[gid])
    ws.config["safety"] = {"max_removals_per_sync": limit, "min_group_size": 1,
                           "max_directory_loss": 1}
    ws.write()
    for name in GROUPS.values():
        assert ws.exec(f"push {name} to box").code == 0
    return members


def in_app(ws: Workspace) -> dict[str, set[str]]:
    return {name: ws.app.member_logins(name) for name in GROUPS.values()}


def logins(uids: list[str]) -> set[str]:
    return {f"{uid}@acme.test" for uid in uids}


def request_id(text: str) -> str:
    match = re.search(r"`approve (\w+)`", text)
    assert match, text
    return match.group(1)


def drop_two_each(ws: Workspace, members: dict[str, list[str]]) -> None:
    """Two of six leave each group (6 in total, a third of each); m18 joins Red."""
    for gid, uids in members.items():
        ws.set_members(gid, uids[2:] + (["m18"] if gid == "g-red" else []))


def test_removals_over_the_limit_in_total_wait_as_one_request(ws: Workspace) -> None:
    members = three_groups(ws)
    before = in_app(ws)
    drop_two_each(ws, members)

    held = ws.exec("sync box")
    assert held.code == 0, held.out
    assert ("the sync would remove 6 memberships in 3 groups on box, more than "
            "safety.max_removals_per_sync (5)") in held.out
    assert ws.app.member_logins("Red") == before["Red"] | {"m18@acme.test"}  # added
    assert {k: v for k, v in in_app(ws).items() if k != "Red"} == \
        {k: v for k, v in before.items() if k != "Red"}  # nothing removed anywhere
    asked = request_id(held.out)

    listed = ws.exec("requests", as_user=APPROVER, as_json=True).json["data"]["requests"]
    assert [r["id"] for r in listed] == [asked]
    assert listed[0]["summary"] == ("let the sync remove 6 memberships in 3 groups on box "
                                    "(more than safety.max_removals_per_sync, 5)")
    assert "m00@acme.test, m01@acme.test" in listed[0]["plan"]  # first names, per group
    assert all(f"{name} on box: remove 2" in listed[0]["plan"] for name in GROUPS.values())

    again = ws.exec("sync")
    assert request_id(again.out) == asked and "held for approval" in again.out
    assert len(ws.exec("requests", as_user=APPROVER, as_json=True)
               .json["data"]["requests"]) == 1  # one request, not one per sync
    assert ws.app.member_logins("Blue") == before["Blue"]

    approved = ws.exec(f"approve {asked}", as_user=APPROVER)
    assert approved.code == 0, approved.out
    assert "removed 6 memberships in 3 groups" in approved.out
    assert in_app(ws) == {"Red": logins(members["g-red"][2:] + ["m18"]),
                          "Green": logins(members["g-green"][2:]),
                          "Blue": logins(members["g-blue"][2:])}
    with ws.service().db.session() as session:
        events = [e for e in repo.recent_audit(session, 50) if e.action == "sync removals"]
    assert len(events) == 1 and asked in events[0].detail and events[0].actor == APPROVER


def test_a_directory_changed_again_before_approval_changes_nothing(ws: Workspace) -> None:
    members = three_groups(ws)
    drop_two_each(ws, members)
    asked = request_id(ws.exec("sync box").out)
    before = in_app(ws)
    ws.set_members("g-blue", members["g-blue"][3:])  # a third leaves Blue meanwhile

    answer = ws.exec(f"approve {asked}", as_user=APPROVER)
    assert answer.code == 1
    assert "changed since it was asked" in answer.out
    assert "the sync would remove 7 memberships in 3 groups" in answer.out
    assert "Blue on box: remove 3: m12@acme.test, m13@acme.test, m14@acme.test" in answer.out
    assert in_app(ws) == before  # nothing removed
    listed = ws.exec("requests", as_user=APPROVER, as_json=True).json["data"]["requests"]
    assert listed == []  # the stale request is closed; the next sync asks again
    assert request_id(ws.exec("sync box").out) != asked


def test_removals_within_the_limit_go_as_usual(ws: Workspace) -> None:
    members = three_groups(ws)
    for gid, uids in members.items():
        ws.set_members(gid, uids[1:])  # 3 in total, the limit is 5
    result = ws.exec("sync box")
    assert result.code == 0 and "held" not in result.out, result.out
    assert in_app(ws) == {name: logins(members[gid][1:]) for gid, name in GROUPS.items()}


def test_the_limit_counts_across_apps_in_one_sync(ws: Workspace,
                                                  scim_server: ScimServerProcess) -> None:
    wiki = scim_server.tenant()
    wiki.create_users([f"m{i:02d}@acme.test" for i in range(20)])
    ws.config["apps"]["wiki"] = {"type": "scim", "url": wiki.url, "token": wiki.token}
    members = three_groups(ws, limit=3)
    assert ws.exec("push Red to wiki").code == 0
    for gid, uids in members.items():
        ws.set_members(gid, uids[1:])  # 3 on box, 1 on wiki: 4 in total
    result = ws.exec("sync")
    assert "4 memberships in 4 groups on box, wiki" in result.out, result.out
    assert all(len(m) == 6 for m in in_app(ws).values())
    assert len(wiki.member_logins("Red")) == 6


def test_a_dry_run_says_the_sync_would_be_held_and_why(ws: Workspace) -> None:
    members = three_groups(ws)
    drop_two_each(ws, members)
    before = in_app(ws)
    result = ws.exec("sync --dry-run", as_json=True)
    assert result.json["ok"] is True
    text = result.json["text"]
    assert ("The sync would be held: the sync would remove 6 memberships in 3 groups on box, "
            "more than safety.max_removals_per_sync (5)") in text
    plans = {p["group"]: p for p in result.json["data"]["plan"]}
    assert all(plans[name]["removals_held"] for name in GROUPS.values())
    assert "(1 app group would change)" in text  # Red's addition
    assert in_app(ws) == before
    assert ws.exec("requests", as_user=APPROVER, as_json=True).json["data"]["requests"] == []


def test_a_bad_limit_is_named_at_start(ws: Workspace) -> None:
    for bad, reason in ((0, "must be a positive number, not 0"), ("lots", "must be int")):
        ws.config["safety"] = {"max_removals_per_sync": bad}
        ws.write()
        result = ws.cli("config", "check")
        assert result.code == 2
        assert f"`safety.max_removals_per_sync`: {reason}" in result.err, result.err
        assert ws.exec("list").code == 2
