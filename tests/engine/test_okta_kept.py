"""grouppush against an Okta org (the stand-in, over HTTP) and a real SCIM app: commands read
only the group they name, syncs ask for the delta, event hooks bring changes at once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from wsgiref.simple_server import WSGIServer, make_server

import pytest

from bot.okta_hook import PATH, OktaEventHook
from bot.web import Router
from engine.hooks import HookSync
from engine.outcomes import Information
from tests.cli.test_commands import approval_id
from tests.servers import ScimTenant
from tests.standins.okta import OktaStandIn
from tests.workspace import Workspace

SECRET = "hook-secret-0123456789abcdef"
MEMBERS = 100
"""Members of the group the commands name: one page of Okta's group members."""


class Org:
    """The stand-in's org with a workspace whose directory it is."""

    def __init__(self, okta: OktaStandIn, ws: Workspace) -> None:
        self.okta, self.ws = okta, ws
        self.ids: dict[str, str] = {}

    def user(self, short: str, status: str = "ACTIVE", in_app: bool = True) -> str:
        login = f"{short}@acme.test"
        self.ids[short] = self.okta.add_user(login, status, short.title(), "Test")
        if in_app:
            self.ws.app.create_users([login])
        return self.ids[short]

    def okta_requests(self) -> list[str]:
        return [f"{r.method} {r.path}" for r in self.okta.requests]

    def count_during(self, text: str) -> tuple[int, str]:
        """Okta requests sent while `grouppush exec TEXT` runs, and its output."""
        before = len(self.okta.requests)
        result = self.ws.exec(text)
        assert result.code == 0, result.out
        return len(self.okta.requests) - before, result.out


@pytest.fixture
def org(okta_ws: Workspace, scim_tenant: ScimTenant, okta: OktaStandIn) -> Org:
    ws = okta_ws
    ws.config["directory"].update(event_hook_secret=SECRET, max_rate_share=0.5)
    ws.write()
    org = Org(okta, ws)
    for short in ("alice", "bob", "carol"):
        org.user(short)
    org.user("dave", in_app=False)
    logins = [f"member{n:03d}@acme.test" for n in range(MEMBERS - 2)]
    big = [org.okta.add_user(login) for login in logins]
    scim_tenant.bulk_create_users(logins)
    okta.add_group("Sales", [org.ids["alice"], org.ids["bob"]])
    okta.add_group("Engineering", [org.ids["bob"], org.ids["carol"]])
    okta.add_group("Big", [org.ids["alice"], org.ids["bob"], *big])
    for n in range(30):
        okta.add_group(f"Team {n:02d}", [org.ids["carol"]])
    return org


@pytest.fixture
def hook(org: Org) -> Iterator[HookSync]:
    """/okta/events served on loopback, its events synced in this process, no pause."""
    hooks = HookSync(org.ws.service(), delay=0.0)
    router = Router({PATH: OktaEventHook(SECRET, lambda p: hooks.receive(p["events"]))})
    server: WSGIServer = make_server("127.0.0.1", 0, router)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    org.okta.register_hook(f"http://127.0.0.1:{server.server_port}{PATH}", SECRET)
    yield hooks
    org.okta.hook_url = ""
    server.shutdown()
    server.server_close()
    hooks.stop()


def settle(hooks: HookSync) -> None:
    """Run the pending (debounced) sync now, as its timer would."""
    hooks.flush()


def test_a_command_reads_only_the_group_it_names(org: Org) -> None:
    sent, out = org.count_during("push Big to box")
    assert "pushed 100 members" in out
    assert sent <= 3 + 1  # the search by name, one page of members
    assert org.ws.app.member_logins("Big") >= {"alice@acme.test", "member000@acme.test"}
    for command in ("info Big on box", "now Big on box"):
        sent, _ = org.count_during(command)
        assert sent <= 3 + 1, command
    for command in ("list", "apps", "audit", "help", "rule list"):
        sent, _ = org.count_during(command)
        assert sent == 0, command
    assert not any(r.endswith("/api/v1/groups") and not q for r, q in
                   [(f"{r.method} {r.path}", r.param("q") or r.param("search"))
                    for r in org.okta.requests])  # never a listing of all groups


def test_an_unknown_group_is_refused_with_names_close_to_it(org: Org) -> None:
    result = org.ws.exec("push Salse to box")
    assert result.code == 1
    assert "No directory group named Salse" in result.out and "Sales" in result.out
    assert org.ws.app.groups() == {}


def test_a_sync_with_nothing_changed_asks_okta_three_questions(org: Org) -> None:
    org.ws.exec("push Sales to box")
    org.ws.exec("sync")  # the first sync reads the whole org
    sent, out = org.count_during("sync")
    assert sent <= 3 and "0 changed" in out
    org.ws.service()  # a restart: a new service on the same database
    sent, _ = org.count_during("sync")
    assert sent <= 3  # no full read again until full_read_seconds


def test_a_deactivated_user_leaves_every_pushed_group_at_the_next_sync_and_comes_back(
        org: Org) -> None:
    org.ws.exec("push Sales to box")
    org.ws.exec("push Engineering to box")
    org.ws.exec("sync")
    org.okta.set_status(org.ids["bob"], "DEPROVISIONED")
    sent, out = org.count_during("sync")
    assert "bob@acme.test" not in org.ws.app.member_logins("Sales")
    assert "bob@acme.test" not in org.ws.app.member_logins("Engineering")
    assert sent <= 3 + 2 * 0 + 1, out  # no group changed: the users' page only
    org.okta.set_status(org.ids["bob"], "ACTIVE")
    org.ws.exec("sync")
    assert "bob@acme.test" in org.ws.app.member_logins("Sales")
    assert "bob@acme.test" in org.ws.app.member_logins("Engineering")


def test_a_membership_added_in_okta_reaches_the_app_by_hook(org: Org, hook: HookSync) -> None:
    org.ws.exec("push Sales to box")
    sales = org.okta.group_id("Sales")
    before = len(org.okta.requests)
    org.okta.add_member(sales, org.ids["carol"])
    settle(hook)
    assert org.ws.app.member_logins("Sales") == {"alice@acme.test", "bob@acme.test",
                                                 "carol@acme.test"}
    reads = org.okta_requests()[before:]
    assert reads == [f"GET /api/v1/groups/{sales}", f"GET /api/v1/groups/{sales}/users"]
    assert all(r.status_code == 200 for r in org.okta.hook_deliveries)


def test_a_user_deactivated_in_okta_leaves_by_hook(org: Org, hook: HookSync) -> None:
    org.ws.exec("push Sales to box")
    org.ws.exec("push Engineering to box")
    org.okta.set_status(org.ids["bob"], "SUSPENDED")
    settle(hook)
    assert org.ws.app.member_logins("Sales") == {"alice@acme.test"}
    assert org.ws.app.member_logins("Engineering") == {"carol@acme.test"}


def test_a_delivery_twice_is_synced_once(org: Org, hook: HookSync) -> None:
    org.ws.exec("push Sales to box")
    event = org.okta.add_member(org.okta.group_id("Sales"), org.ids["carol"])
    settle(hook)
    assert org.okta.post_events([event]).status_code == 200
    assert hook.receive([event]) == 0
    settle(hook)
    assert hook.syncs == 1


def test_a_missed_delivery_is_caught_by_the_delta_sync(org: Org, hook: HookSync) -> None:
    org.ws.exec("push Sales to box")
    org.ws.exec("sync")
    org.okta.deliver = False
    org.okta.add_member(org.okta.group_id("Sales"), org.ids["carol"])
    settle(hook)
    assert "carol@acme.test" not in org.ws.app.member_logins("Sales")
    sent, _ = org.count_during("sync")
    assert "carol@acme.test" in org.ws.app.member_logins("Sales")
    assert sent <= 3 + 2  # the delta, then the changed group's members (one page)


@pytest.mark.parametrize("authorization", ["", "hook-secret-0123456789abcdeX", "Bearer x"])
def test_a_forged_or_unsigned_delivery_is_refused_and_changes_nothing(
        org: Org, hook: HookSync, authorization: str) -> None:
    org.ws.exec("push Sales to box")
    org.okta.deliver = False
    event = org.okta.add_member(org.okta.group_id("Sales"), org.ids["carol"])
    before = len(org.okta.requests)
    response = org.okta.post_events([event], authorization=authorization)
    settle(hook)
    assert response.status_code == 401
    assert len(org.okta.requests) == before and hook.syncs == 0
    assert org.ws.app.member_logins("Sales") == {"alice@acme.test", "bob@acme.test"}


def test_a_group_renamed_in_okta_is_renamed_in_the_app(org: Org, hook: HookSync) -> None:
    org.ws.exec("push Sales to box")
    org.okta.update_group(org.okta.group_id("Sales"), name="Sales EMEA")
    settle(hook)
    assert "Sales EMEA" in org.ws.app.groups() and "Sales" not in org.ws.app.groups()
    assert "Sales EMEA" in org.ws.exec("list").out


def test_a_group_deleted_in_okta_is_an_error_of_its_push_as_before(org: Org) -> None:
    org.ws.exec("push Sales to box")
    org.ws.exec("sync")
    org.okta.delete_group(org.okta.group_id("Sales"))
    result = org.ws.exec("sync")
    assert "Sales is no longer in the directory" in result.out
    assert "unlink Sales from box" in result.out
    assert org.ws.app.member_logins("Sales") == {"alice@acme.test", "bob@acme.test"}


@pytest.mark.parametrize("synced", [True, False], ids=["after-a-sync", "before-any-sync"])
def test_a_group_deleted_in_okta_is_unlinked_by_the_name_it_was_pushed_under(
        org: Org, synced: bool) -> None:
    org.ws.exec("push Sales to box")
    org.okta.delete_group(org.okta.group_id("Sales"))
    if synced:
        org.ws.exec("sync")
    asked = org.ws.exec("unlink Sales from box --delete", as_user="U0ASKER")
    assert asked.code == 0, asked.out
    assert "Sales" in org.ws.app.groups()  # nothing happens before an approver answers
    done = org.ws.exec(f"approve {approval_id(asked.out)}", as_user="U0APPROVER")
    assert done.code == 0, done.out
    assert "Sales" not in org.ws.app.groups()
    assert "Sales" not in org.ws.exec("list box").out


def test_a_rule_pushes_a_group_created_in_okta_at_the_next_sync(org: Org) -> None:
    assert org.ws.exec("rule add teams to box --starts-with Team").code == 0
    assert "Team 05" in org.ws.app.groups()
    org.okta.add_group("Team 99", [org.ids["alice"]])
    org.ws.exec("sync")
    assert org.ws.app.member_logins("Team 99") == {"alice@acme.test"}


def test_the_hook_answers_okta_s_verification(org: Org, hook: HookSync) -> None:
    assert org.okta.hook_url.endswith("/okta/events")  # register_hook checked the answer


def test_a_group_named_by_its_okta_id_is_read_by_id(org: Org) -> None:
    org.ws.exec("push Sales to box")
    sales = org.okta.group_id("Sales")
    before = len(org.okta.requests)
    info = org.ws.run(f"info id:{sales} on box")
    assert isinstance(info, Information) and (info.group, info.app) == ("Sales", "box")
    assert org.okta_requests()[before:] == [f"GET /api/v1/groups/{sales}",
                                            f"GET /api/v1/groups/{sales}/users"]


def test_an_event_hook_sync_over_the_removal_limit_holds_its_removals(org: Org,
                                                                      hook: HookSync) -> None:
    for name in ("Sales", "Engineering", "Big"):
        assert org.ws.exec(f"push {name} to box").code == 0
    config = hook.service.config
    hook.service.config = replace(config, safety=replace(config.safety, max_removals_per_sync=2))
    org.okta.set_status(org.ids["bob"], "SUSPENDED")  # bob leaves 3 groups: over 2 in total
    settle(hook)  # after the delivery's own sync, if its timer ran first
    assert hook.syncs == 1
    for name in ("Sales", "Engineering", "Big"):
        assert "bob@acme.test" in org.ws.app.member_logins(name), name
    [request] = org.ws.exec("requests", as_user="U0APPROVER", as_json=True).json["data"][
        "requests"]
    assert "remove 3 memberships in 3 groups on box" in request["summary"]
    assert "approve" in org.ws.exec("sync box").out  # the delta sync keeps them back too
    assert "bob@acme.test" in org.ws.app.member_logins("Sales")


def test_an_okta_read_that_suddenly_returns_far_fewer_members_holds_the_sync(
        org: Org) -> None:
    ws = org.ws
    assert ws.exec("push Big to box").code == 0
    assert ws.exec("push Sales to box").code == 0
    before = ws.app.member_logins("Big")
    big = org.okta.group_id("Big")
    for uid in list(org.okta.members[big])[:60]:  # 60 of Big's 100 gone from Okta's answers
        org.okta.remove_member(big, uid)
    held = ws.exec("sync box")
    assert "the directory read is not trusted" in held.out, held.out
    assert ws.app.member_logins("Big") == before  # nothing removed
    full = ws.exec("sync box --full")
    assert "the directory read is not trusted" in full.out  # a full read: the same loss
    assert ws.app.member_logins("Big") == before
