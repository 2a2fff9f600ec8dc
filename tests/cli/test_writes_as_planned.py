"""The preview is the run, write by write: through a counting proxy in front of the real
scim2-server, the real run of push, now, sync, unlink and bulk delete sends exactly the writes
its --dry-run listed (each group made, renamed or deleted, each member added or removed), and
nothing else."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.cli.test_commands import approval_id
from tests.cli.test_dry_run import CountingProxy, plan_of
from tests.workspace import Workspace

Write = tuple[str, ...]


@pytest.fixture
def counting(ws: Workspace) -> Iterator[CountingProxy]:
    """The counting proxy in front of box's scim2-server tenant."""
    proxy = CountingProxy(ws.app.url)
    ws.config["apps"]["box"]["url"] = proxy.url
    ws.write()
    yield proxy
    proxy.stop()


def planned_writes(plans: list[dict[str, Any]]) -> list[Write]:
    """The writes a --dry-run's plan lists, one per group change and per member."""
    writes: list[Write] = []
    for p in plans:
        name = p["app_group_name"]
        if p["app_group"] in ("create", "recreate", "delete", "rename"):
            verb = "create" if p["app_group"] == "recreate" else p["app_group"]
            writes.append((verb, name))
        if not p["held"]:
            writes += [("add", name, login) for login in p["add"]]
            if not p.get("removals_held"):
                writes += [("remove", name, login) for login in p["remove"]]
    return sorted(writes)


def sent_writes(ws: Workspace, proxy: CountingProxy, before: dict[str, str]) -> list[Write]:
    """The writes grouppush sent, named as a plan names them (groups by their name now, or
    before the run for a group the run deleted)."""
    names = {gid: name for name, gid in {**before, **ws.app.groups()}.items()}
    users = ws.app.users()
    writes: list[Write] = []
    for method, path, body in proxy.writes():
        gid = path.rstrip("/").rsplit("/", 1)[-1]
        if method == "POST" and path.endswith("/Groups"):
            writes.append(("create", body["displayName"]))
            writes += [("add", body["displayName"], users[m["value"]])
                       for m in body.get("members") or []]
        elif method == "DELETE":
            writes.append(("delete", names[gid]))
        elif method == "PATCH":
            for op in body["Operations"]:
                target = str(op.get("path", ""))
                if op["op"] == "add" and target == "members":
                    writes += [("add", names[gid], users[m["value"]]) for m in op["value"]]
                elif op["op"] == "remove" and target.startswith("members"):
                    uid = target.split('"')[1]
                    writes.append(("remove", names[gid], users[uid]))
                elif target == "displayName":
                    writes.append(("rename", op["value"]))
                else:
                    writes.append(("other", method, path, str(op)))
        else:
            writes.append(("other", method, path))
    return sorted(writes)


def as_planned(ws: Workspace, proxy: CountingProxy, text: str,
               run: Callable[[], None] | None = None) -> list[Write]:
    """Preview `text`, then run it (or `run`): the writes sent, asserted equal to the plan."""
    proxy.reset()
    plans = plan_of(ws, text)
    assert proxy.writes() == []
    before = ws.app.groups()
    if run is None:
        result = ws.exec(text)
        assert result.code == 0, result.out
    else:
        run()
    sent = sent_writes(ws, proxy, before)
    assert sent == planned_writes(plans), (plans, proxy.writes())
    return sent


def test_push_sends_what_it_planned(ws: Workspace, counting: CountingProxy) -> None:
    sent = as_planned(ws, counting, "push Sales to box")
    assert ("create", "Sales") in sent and len(sent) == 4


def test_now_sends_what_it_planned_even_recreating_the_group(ws: Workspace,
                                                             counting: CountingProxy) -> None:
    assert ws.exec("push Sales to box").code == 0
    ws.app.create_users(["stranger@acme.test"])
    ws.app.patch_members("Sales", add=["stranger@acme.test"], remove=["bob@acme.test"])
    assert as_planned(ws, counting, "now Sales on box") == [
        ("add", "Sales", "bob@acme.test"), ("remove", "Sales", "stranger@acme.test")]
    ws.app.delete_group("Sales")
    assert ("create", "Sales") in as_planned(ws, counting, "now Sales on box")


def test_sync_of_five_groups_sends_what_it_planned(ws: Workspace, counting: CountingProxy) -> None:
    for login in ("frank", "grace", "heidi"):
        ws.add_user(login)
    ws.add_group("g-ops", "Ops", ["frank", "grace"])
    ws.add_group("g-support", "Support", ["grace", "heidi", "alice"])
    ws.write()
    for name in ("Sales", "Engineering", '"Engineering Platform"', "Ops", "Support"):
        assert ws.exec(f"push {name} to box").code == 0
    ws.set_members("g-ops", ["frank", "heidi"])  # grace goes, heidi comes
    ws.set_members("g-eng", ["bob", "frank"])  # frank comes
    for group in ws.groups:
        if group["id"] == "g-eng-platform":
            group["name"] = "Platform"  # renamed in the directory
    ws.set_status("alice", "SUSPENDED")  # an inactive member: out of Sales, Platform, Support
    sent = as_planned(ws, counting, "sync box")
    assert ("rename", "Platform") in sent
    assert {w for w in sent if w[0] == "remove"} == {
        ("remove", "Ops", "grace@acme.test"), ("remove", "Sales", "alice@acme.test"),
        ("remove", "Platform", "alice@acme.test"), ("remove", "Support", "alice@acme.test")}
    assert plan_of(ws, "sync box") == []  # nothing left to do


def test_unlink_and_bulk_delete_send_what_they_planned(ws: Workspace,
                                                       counting: CountingProxy) -> None:
    for name in ("Sales", "Engineering", "IT"):
        ws.exec(f"push {name} to box")

    def approved(text: str) -> Callable[[], None]:
        def run() -> None:
            request = approval_id(ws.exec(text, as_user="U0ASKER").out)
            assert ws.exec(f"approve {request}", as_user="U0APPROVER").code == 0
        return run

    text = "unlink Sales from box --delete"
    assert as_planned(ws, counting, text, approved(text)) == [("delete", "Sales")]
    text = "bulk delete box --all"
    assert len(as_planned(ws, counting, text, approved(text))) >= 1
    assert {"Sales", "Engineering"} & set(ws.app.groups()) == set()
