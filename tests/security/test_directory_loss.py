"""The directory-loss guard: a directory read that lost much of what the last trusted read had
holds every removal as one approval request; additions go ahead; approving trusts the read and
the next whole read releases it by itself."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest
import yaml

from engine.service import GroupPushService
from engine.sync import run_sync
from storage import kept as store
from tests.servers import ScimTenant
from tests.workspace import Workspace, make_workspace

APPROVER = "U0APPROVER"
TEAMS = [f"Team{i}" for i in range(10)]


def world(tmp_path: Path, tenant: ScimTenant, size: int = 700) -> Workspace:
    """`size` users (700: the attack pass's); Big (6/7 of them) first, then Team0-Team9
    (60 of each 70 people), all pushed to box."""
    people = [f"u{i:03d}" for i in range(size)]
    ws = make_workspace(tmp_path, tenant)
    ws.users = [{"id": p, "login": f"{p}@acme.test", "status": "ACTIVE"} for p in people]
    tenant.create_users([f"{p}@acme.test" for p in people])
    ws.add_group("g-big", "Big", people[:size * 6 // 7])
    team = size // 10
    for i, name in enumerate(TEAMS):
        ws.add_group(f"g-team{i}", name, people[i * team:i * team + team * 6 // 7])
    ws.write()
    for name in ["Big", *TEAMS]:
        assert ws.exec(f"push {name} to box").code == 0
    return ws


def cut_inside_big(ws: Workspace, at: str = "u450") -> None:
    """directory.yml as a writer that died left it: cut inside Big's member list (valid YAML,
    Big keeps the members before `at`), past the settle time."""
    path = ws.folder / "directory.yml"
    text = path.read_text()
    path.write_text(text[:text.index(f"  - {at}\n")])
    assert len(yaml.safe_load(path.read_text())["groups"]) == 1


def members(ws: Workspace) -> dict[str, int]:
    return {name: len(ws.app.member_logins(name)) for name in ["Big", *TEAMS]}


def request_id(text: str) -> str:
    match = re.search(r"`approve (\w+)`", text)
    assert match, text
    return match.group(1)


def pending(ws: Workspace) -> list[dict[str, object]]:
    listed = ws.exec("requests", as_user=APPROVER, as_json=True).json["data"]["requests"]
    return list(listed)


@pytest.mark.slow
def test_a_cut_off_directory_file_holds_the_sync_and_removes_nothing(
        tmp_path: Path, scim_tenant: ScimTenant) -> None:
    ws = world(tmp_path, scim_tenant)
    before = members(ws)
    cut_inside_big(ws)

    held = ws.exec("sync box")
    assert held.code == 0, held.out
    assert "the directory read is not trusted" in held.out, held.out
    assert "it lost 10 of 11 pushed groups" in held.out
    assert "750 of 1200 active memberships" in held.out  # Big's 150 and the teams' 600
    assert members(ws) == before  # nothing removed anywhere
    [request] = pending(ws)
    assert request["id"] == request_id(held.out)
    assert request["action"] == "directory_loss"
    assert "safety.max_directory_loss" in str(request["summary"])
    assert "Big" in str(request["plan"]) and "600 → 450" in str(request["plan"])

    again = ws.exec("sync")
    assert request_id(again.out) == request["id"]
    assert len(pending(ws)) == 1  # one request, not one per sync
    assert members(ws) == before

    ws.write()  # the whole file again: the next read releases the hold by itself
    whole = ws.exec("sync box")
    assert whole.code == 0, whole.out
    assert "not trusted" not in whole.out
    assert pending(ws) == []
    assert members(ws) == before


def test_approving_trusts_the_read_and_the_next_sync_pushes_it(
        tmp_path: Path, scim_tenant: ScimTenant) -> None:
    ws = world(tmp_path, scim_tenant, size=70)  # Big 60, Team0-Team9 6 each
    cut_inside_big(ws, at="u045")
    held = ws.exec("sync box")
    assert "it lost 10 of 11 pushed groups" in held.out, held.out
    assert "75 of 120 active memberships" in held.out
    assert members(ws)["Big"] == 60

    now = ws.exec("now Big on box")  # a Push now would remove what the sync holds back
    assert now.code == 1 and "not trusted" in now.out, now.out
    assert members(ws)["Big"] == 60

    approved = ws.exec(f"approve {request_id(held.out)}", as_user=APPROVER)
    assert approved.code == 0, approved.out
    assert "trusted" in approved.out
    assert members(ws)["Big"] == 60  # approving removes nothing by itself

    synced = ws.exec("sync box")
    assert "not trusted" not in synced.out, synced.out
    assert members(ws)["Big"] == 45  # the removal guards still apply: 25% is under them
    assert members(ws)["Team0"] == 6  # a group gone from the directory is never emptied
    assert "not trusted" not in ws.exec("sync box").out


def test_a_small_loss_is_left_to_the_removal_guards(ws: Workspace) -> None:
    assert ws.exec("push Sales to box").code == 0
    assert ws.exec("push Engineering to box").code == 0
    ws.set_members("g-sales", ["alice"])
    synced = ws.exec("sync box")
    assert "not trusted" not in synced.out, synced.out
    assert ws.app.member_logins("Sales") == {"alice@acme.test"}


def test_max_directory_loss_is_checked_with_the_key_and_a_valid_example(ws: Workspace) -> None:
    ws.config["safety"] = {"max_directory_loss": 1.5}
    ws.write()
    result = ws.cli("config", "check")
    assert result.code != 0
    assert "safety.max_directory_loss" in result.out + result.err
    assert "such as 0.1" in result.out + result.err


def halve_users(ws: Workspace) -> None:
    """directory.yml rewritten with its second half of users gone (and their memberships)."""
    kept = {u["id"] for u in ws.users[:len(ws.users) // 2]}
    whole = (list(ws.users), [dict(g) for g in ws.groups])
    ws.users = [u for u in ws.users if u["id"] in kept]
    for group in ws.groups:
        group["members"] = [m for m in group["members"] if m in kept]
    ws.write()
    ws.users, ws.groups = whole


@pytest.mark.parametrize(("damage", "lost"), [
    (partial(cut_inside_big, at="u045"), "it lost 10 of 11 pushed groups (Team0, Team1, "
     "Team2, Team3, Team4 and 5 more) and 75 of 120 active memberships"),
    (halve_users, "it lost 55 of 120 active memberships"),
])
def test_a_damaged_file_told_as_a_delta_is_held_as_a_whole_read_is(
        tmp_path: Path, scim_tenant: ScimTenant, damage: Callable[[Workspace], None],
        lost: str) -> None:
    ws = world(tmp_path, scim_tenant, size=70)  # Big 60, Team0-Team9 6 each
    before = members(ws)
    service = ws.service()  # one process: it holds the file it read last
    run_sync(service, "box", "scheduler")
    generation = kept_generation(service)

    damage(ws)
    held = run_sync(service, "box", "scheduler")
    assert kept_generation(service) == generation  # a delta, not a whole read
    [step] = [s for s in held.steps if s.kind == "untrusted read"]
    assert step.message.startswith(lost), step.message
    assert members(ws) == before  # nothing removed anywhere
    assert [r["id"] for r in pending(ws)] == [step.request_id]

    ws.write()  # the whole file again: the next read releases the hold by itself
    whole = run_sync(service, "box", "scheduler")
    assert kept_generation(service) == generation
    assert not [s for s in whole.steps if s.kind == "untrusted read"]
    assert pending(ws) == []
    assert members(ws) == before


def kept_generation(service: GroupPushService) -> int:
    with service.db.session() as session:
        return store.state(session).generation
