# ruff: noqa: F811 (the fixtures imported are the arguments of the tests)
"""The full read of an Okta org (the first sync, `sync --full`, every full_read_seconds) reads
the pages of groups and the members of the groups grouppush wants, nothing else."""

from __future__ import annotations

import math

from tests.engine.test_okta_kept import MEMBERS, Org, org  # noqa: F401

PAGE = 10
"""groups_page_size in these tests, so that the org's groups take several pages."""


def paged(org: Org) -> None:
    org.ws.config["directory"]["groups_page_size"] = PAGE
    org.ws.write()


def sent_during(org: Org, text: str) -> list[str]:
    """The Okta requests (method, path and query) sent while `grouppush exec TEXT` runs."""
    before = len(org.okta.requests)
    result = org.ws.exec(text)
    assert result.code == 0, result.out
    return [f"{r.method} {r.path}" for r in org.okta.requests[before:]]


def member_reads(requests: list[str]) -> set[str]:
    """Ids of the groups whose members the requests read."""
    return {r.split("/")[4] for r in requests if r.endswith("/users") and "/groups/" in r}


def test_a_full_read_costs_the_group_pages_and_the_pushed_groups(org: Org) -> None:
    paged(org)
    for name in ("Sales", "Engineering"):
        assert org.ws.exec(f"push {name} to box").code == 0
    pages = math.ceil(len(org.okta.groups) / PAGE)  # 34 groups, Everyone included: 4 pages
    sent = sent_during(org, "sync --full")
    assert sent.count("GET /api/v1/groups") == pages
    assert member_reads(sent) == {org.okta.group_id("Sales"), org.okta.group_id("Engineering")}
    assert "GET /api/v1/users" not in sent  # no listing of every user
    assert len(sent) <= pages + 2 + 3, sent
    assert org.ws.app.member_logins("Sales") == {"alice@acme.test", "bob@acme.test"}


def test_the_first_sync_after_pushes_reads_what_is_pushed(org: Org) -> None:
    paged(org)
    assert org.ws.exec("push Big to box").code == 0
    sent = sent_during(org, "sync")  # never read whole before: the first full read
    assert member_reads(sent) == {org.okta.group_id("Big")}
    assert len(sent) <= math.ceil(len(org.okta.groups) / PAGE) + 1 + 3, sent
    assert len(org.ws.app.member_logins("Big")) == MEMBERS


def test_a_rule_added_after_the_full_read_reads_just_the_groups_it_matches(org: Org) -> None:
    paged(org)
    assert org.ws.exec("push Sales to box").code == 0
    org.ws.exec("sync --full")
    teams = {org.okta.group_id(f"Team {n:02d}") for n in range(30)}
    sent = sent_during(org, "rule add teams to box --starts-with Team")
    assert member_reads(sent) == teams
    assert {r.split("/")[4] for r in sent if "/groups/" in r} == teams  # no other group
    assert "GET /api/v1/users" not in sent
    assert org.ws.app.member_logins("Team 07") == {"carol@acme.test"}
    sent = sent_during(org, "sync --full")  # the rule's groups are wanted from now on
    assert member_reads(sent) == teams | {org.okta.group_id("Sales")}


def test_a_dropped_delivery_the_delta_missed_is_repaired_by_the_full_read(org: Org) -> None:
    assert org.ws.exec("push Sales to box").code == 0
    org.ws.exec("sync")
    sales = org.okta.group_id("Sales")
    org.okta.deliver = False  # the event hook's delivery is dropped
    stamp = org.okta.groups[sales]["lastMembershipUpdated"]
    org.okta.add_member(sales, org.ids["carol"])
    org.okta.groups[sales]["lastMembershipUpdated"] = stamp  # a late write the delta cannot see
    org.ws.exec("sync")
    assert "carol@acme.test" not in org.ws.app.member_logins("Sales")
    org.ws.exec("sync --full")
    assert org.ws.app.member_logins("Sales") == {"alice@acme.test", "bob@acme.test",
                                                 "carol@acme.test"}


def test_repush_of_a_user_in_no_pushed_group_looks_that_user_up(org: Org) -> None:
    assert org.ws.exec("push Sales to box").code == 0
    org.ws.exec("sync --full")  # dave is in no group: not kept
    sent = sent_during(org, "repush dave@acme.test")
    assert any(r == "GET /api/v1/users" for r in sent)  # the one search by login
    assert "GET /api/v1/groups" not in sent
