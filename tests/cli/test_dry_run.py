"""--dry-run through a counting proxy in front of a real scim2-server: the plan is exact, the
dry run sends no write, and the real run sends exactly the planned writes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.cli.test_commands import approval_id
from tests.proxy import WRITES, ScimProxy
from tests.workspace import Workspace


class CountingProxy(ScimProxy):
    """The test suite's proxy in front of the real scim2-server, counting writes."""

    def writes(self) -> list[tuple[str, str, Any]]:
        """(method, path, JSON body) of every write sent since the last reset."""
        return [(s.method, s.path.split("?")[0], json.loads(s.body) if s.body else None)
                for s in self.seen if s.method in WRITES]

    def reset(self) -> None:
        """Forget what was sent."""
        self.seen.clear()

    def members_written(self) -> tuple[int, int]:
        """(members added, members removed) by the PATCH requests sent."""
        added = removed = 0
        for method, _, body in self.writes():
            for op in (body or {}).get("Operations", []) if method == "PATCH" else []:
                path = str(op.get("path", ""))
                if op.get("op") == "add" and path == "members":
                    added += len(op.get("value") or [])
                elif op.get("op") == "remove" and path.startswith("members"):
                    removed += 1
        return added, removed


@pytest.fixture
def proxy(ws: Workspace) -> Iterator[CountingProxy]:
    counting = CountingProxy(ws.app.url)
    ws.config["apps"]["box"]["url"] = counting.url
    ws.write()
    yield counting
    counting.stop()


def plan_of(ws: Workspace, text: str) -> list[dict[str, Any]]:
    result = ws.exec(f"{text} --dry-run", as_json=True)
    assert result.code == 0, result.out
    data = result.json["data"]
    assert data["dry_run"] is True
    plan: list[dict[str, Any]] = data["plan"]
    return plan


def planned(plan: list[dict[str, Any]]) -> tuple[int, int, int]:
    """(groups created, members added, members removed) by a plan."""
    return (sum(1 for p in plan if p["app_group"] == "create"),
            sum(len(p["add"]) for p in plan if not p["held"]),
            sum(len(p["remove"]) for p in plan if not p["held"]))


def sent(proxy: CountingProxy) -> tuple[int, int, int]:
    """(groups created, members added, members removed) by what grouppush sent."""
    created = sum(1 for method, path, _ in proxy.writes()
                  if method == "POST" and path.endswith("/Groups"))
    return (created, *proxy.members_written())


def dry_then_real(ws: Workspace, proxy: CountingProxy, text: str) -> list[dict[str, Any]]:
    proxy.reset()
    plan = plan_of(ws, text)
    assert proxy.writes() == []
    result = ws.exec(text)
    assert result.code == 0, result.out
    assert sent(proxy) == planned(plan), (plan, proxy.writes())
    return plan


def test_push_plans_the_group_its_members_and_the_skipped(ws: Workspace,
                                                          proxy: CountingProxy) -> None:
    [plan] = dry_then_real(ws, proxy, "push Sales to box")
    assert plan["app_group"] == "create" and plan["app_group_name"] == "Sales"
    assert plan["add"] == ["alice@acme.test", "bob@acme.test", "erin@acme.test"]
    assert plan["skipped"] == ["dave@acme.test"]
    assert ws.app.member_logins("Sales") == set(plan["add"])


def test_plans_count_in_words(ws: Workspace) -> None:
    one = ws.exec("push Sales to box --dry-run").out
    assert "Plan (1 app group would change):" in one, one
    assert ws.exec("push Sales to box").code == 0
    nothing = ws.exec("now Sales on box --dry-run").out
    assert "Nothing would change in the app" in nothing and "0 app groups" not in nothing
    rule = ws.exec("rule add sales to box --starts-with Sales --dry-run").out
    assert "of the 1 group it matches now" in rule, rule
    assert "1 group on box would be deactivated" in \
        ws.exec("bulk deactivate box --all --dry-run").out
    assert "to 1 pushed group." in ws.exec("repush alice@acme.test --dry-run").out


def test_push_now_plans_what_it_overwrites(ws: Workspace, proxy: CountingProxy) -> None:
    assert ws.exec("push Sales to box").code == 0
    ws.app.create_users(["stranger@acme.test"])
    ws.app.patch_members("Sales", add=["stranger@acme.test"], remove=["bob@acme.test"])
    [plan] = dry_then_real(ws, proxy, "now Sales on box")
    assert plan["add"] == ["bob@acme.test"] and plan["remove"] == ["stranger@acme.test"]


def test_sync_plans_directory_changes_and_rule_matches(ws: Workspace,
                                                       proxy: CountingProxy) -> None:
    assert ws.exec("push Sales to box").code == 0
    assert ws.exec("push Engineering to box").code == 0
    ws.set_members("g-sales", ["bob", "carol", "dave", "erin"])  # alice goes
    ws.set_members("g-eng", ["bob", "alice"])  # alice comes
    ws.write()
    plans = dry_then_real(ws, proxy, "sync box")
    assert {(p["group"], tuple(p["add"]), tuple(p["remove"])) for p in plans} == {
        ("Sales", (), ("alice@acme.test",)), ("Engineering", ("alice@acme.test",), ())}
    assert plan_of(ws, "sync box") == []  # nothing left to do


def test_rule_add_plans_every_group_it_would_push_and_saves_nothing(
        ws: Workspace, proxy: CountingProxy) -> None:
    proxy.reset()
    plans = plan_of(ws, "rule add eng to box --starts-with Engineering")
    assert proxy.writes() == []
    assert "No push rules" in ws.exec("rule list").out
    assert sorted(p["group"] for p in plans) == ["Engineering", "Engineering Platform"]
    assert ws.exec("rule add eng to box --starts-with Engineering").code == 0
    assert sent(proxy) == planned(plans)


def test_repush_plans_one_user_everywhere(ws: Workspace, proxy: CountingProxy) -> None:
    assert ws.exec("push Sales to box").code == 0
    assert ws.exec('push "Engineering Platform" to box').code == 0
    ws.users[0]["status"] = "SUSPENDED"  # alice
    ws.write()
    plans = dry_then_real(ws, proxy, "repush alice@acme.test")
    assert sorted(p["group"] for p in plans if p["remove"]) == ["Engineering Platform", "Sales"]


def test_unlink_and_bulk_plan_without_writing(ws: Workspace, proxy: CountingProxy) -> None:
    assert ws.exec("push Sales to box").code == 0
    assert ws.exec("push Engineering to box").code == 0
    proxy.reset()
    for text, says in (("unlink Sales from box --delete", "delete box's group Sales"),
                       ("bulk delete box --all", "Engineering"),
                       ("bulk deactivate box --all", "2 groups on box would be deactivated"),
                       ("deactivate Sales on box", "would pause"),
                       ("activate Sales on box", "already active"),
                       ("rule remove nothing", "No rule named nothing")):
        result = ws.exec(f"{text} --dry-run")
        assert says in result.out, result.out
    assert proxy.writes() == []
    assert "deactivated" not in ws.exec("list").out
    assert "No approval request" in ws.exec("requests", as_user="U0APPROVER").out
    request = approval_id(ws.exec("unlink Sales from box --delete", as_user="U0ASKER").out)
    assert ws.exec(f"approve {request}", as_user="U0APPROVER").code == 0
    assert [(method, path.rsplit("/", 2)[-2]) for method, path, _ in proxy.writes()] == [
        ("DELETE", "Groups")]
