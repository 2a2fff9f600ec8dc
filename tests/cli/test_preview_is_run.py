"""The preview is the run (issue 18): an approval is bound to its whole plan, members
included, and `approve|deny|withdraw ID --dry-run` answers what deciding would do, deciding
nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.proxy import Behaviour, Breaker, ScimProxy
from tests.servers import free_port
from tests.workspace import Workspace

ASKER, APPROVER = "U0ASKER", "U0APPROVER"


@pytest.fixture
def marketing(ws: Workspace) -> Workspace:
    """Marketing, 30 members, pushed to box; a 31st person in the app, not in the group."""
    people = [ws.add_user(f"m{n:02}") for n in range(1, 32)]
    ws.add_group("g-mkt", "Marketing", [login.split("@")[0] for login in people[:30]])
    ws.write()
    assert ws.exec("push Marketing to box").code == 0
    return ws


def ask_delete(ws: Workspace) -> str:
    result = ws.exec("unlink Marketing from box --delete", as_user=ASKER, as_json=True)
    assert result.code == 0, result.out
    return str(result.json["data"]["approval"]["id"])


def data(ws: Workspace, text: str, as_user: str = APPROVER) -> tuple[int, dict[str, Any]]:
    result = ws.exec(text, as_user=as_user, as_json=True)
    return result.code, result.json["data"]


def status_of(ws: Workspace, request_id: str) -> str:
    _, listed = data(ws, "requests")
    return next((r["status"] for r in listed["requests"] if r["id"] == request_id), "gone")


def test_approve_dry_run_shows_the_plan_and_decides_nothing(marketing: Workspace) -> None:
    ws = marketing
    request_id = ask_delete(ws)
    code, preview = data(ws, f"approve {request_id} --dry-run")
    assert code == 0 and preview["dry_run"] and preview["matches"]
    assert [(p["app_group"], p["app_group_name"], p["members"]) for p in preview["plan"]] == [
        ("delete", "Marketing", 30)]
    assert status_of(ws, request_id) == "pending"
    assert "Marketing" in ws.app.groups()
    code, _ = data(ws, f"approve {request_id}")
    assert code == 0 and "Marketing" not in ws.app.groups()


def test_a_delete_of_30_members_is_refused_once_the_group_has_31(marketing: Workspace) -> None:
    ws = marketing
    request_id = ask_delete(ws)
    ws.set_members("g-mkt", [f"m{n:02}" for n in range(1, 32)])  # the 31st joins
    assert ws.exec("sync box").code == 0
    assert len(ws.app.member_logins("Marketing")) == 31

    code, preview = data(ws, f"approve {request_id} --dry-run")
    assert code == 0 and preview["matches"] is False
    assert [p["members"] for p in preview["plan"]] == [31]
    assert status_of(ws, request_id) == "pending"

    result = ws.exec(f"approve {request_id}", as_user=APPROVER, as_json=True)
    assert result.code == 1 and result.json["status"] == "refused"
    assert "with its 31 pushed members" in result.json["text"]  # the new plan is shown
    assert [(p["app_group"], p["members"]) for p in result.json["data"]["plan"]] == [
        ("delete", 31)]  # and carried as data
    assert result.json["data"]["approval"]["status"] == "changed"
    assert len(ws.app.member_logins("Marketing")) == 31  # nothing deleted


def test_deny_and_withdraw_dry_run_decide_nothing(marketing: Workspace) -> None:
    ws = marketing
    request_id = ask_delete(ws)
    code, preview = data(ws, f"deny {request_id} --dry-run")
    assert code == 0 and (preview["decision"], preview["plan"]) == ("denied", [])
    code, preview = data(ws, f"withdraw {request_id} --dry-run", as_user=ASKER)
    assert code == 0 and preview["decision"] == "withdrawn"
    assert status_of(ws, request_id) == "pending"
    # refused exactly as the decision would be
    code, _ = data(ws, f"withdraw {request_id} --dry-run", as_user=APPROVER)
    assert code == 1
    code, _ = data(ws, f"approve {request_id} --dry-run", as_user=ASKER)
    assert code == 1
    assert status_of(ws, request_id) == "pending"


def test_now_dry_run_answers_the_recreation_the_real_now_does(ws: Workspace) -> None:
    assert ws.exec("push Sales to box").code == 0
    ws.app.delete_group("Sales")  # deleted in the app
    code, preview = data(ws, "now Sales on box --dry-run")
    assert code == 0
    [plan] = preview["plan"]
    assert (plan["app_group"], plan["app_group_name"]) == ("recreate", "Sales")
    assert "Sales" not in ws.app.groups()  # the preview created nothing
    result = ws.exec("now Sales on box", as_json=True)
    assert result.code == 0 and result.json["data"]["added"] == len(plan["add"]) == 3
    assert ws.app.member_logins("Sales") == set(plan["add"])


def test_ignore_dry_run_agrees_with_ignore(ws: Workspace) -> None:
    assert ws.exec("push Sales to box").code == 0
    preview, real = ws.exec("ignore Sales on box --dry-run"), ws.exec("ignore Sales on box")
    assert (preview.code, real.code) == (1, 1)  # no drift now: both refuse, alike
    assert preview.out == real.out
    ws.app.patch_members("Sales", remove=["bob@acme.test"])
    assert ws.cli("check", "box").code == 1  # the drift, found
    preview, real = ws.exec("ignore Sales on box --dry-run"), ws.exec("ignore Sales on box")
    assert (preview.code, real.code) == (0, 0)


def test_a_push_that_never_reached_the_app_is_never_no_drift(ws: Workspace) -> None:
    ws.config["apps"]["box"]["url"] = f"http://127.0.0.1:{free_port()}/scim/v2"  # the app is down
    ws.write()
    assert ws.exec("push Sales to box").code == 1  # failed: no app group exists
    result = ws.cli("check", "box", "--json")
    assert result.code == 1, result.out
    [error] = json.loads(result.out)["data"]["errors"]
    assert (error["group"], error["app"], error["operation"]) == ("Sales", "box", "push")


def test_a_sync_dry_run_read_that_fails_is_recorded_like_a_failed_write(ws: Workspace) -> None:
    breaker = Breaker(status=503)
    proxy = ScimProxy(ws.app.url, behaviour=Behaviour(respond=breaker))
    ws.config["apps"]["box"]["url"] = proxy.url
    ws.write()
    try:
        assert ws.exec("push Sales to box").code == 0
        ws.add_user("frank")
        ws.set_members("g-sales", ["alice", "bob", "frank"])  # frank is looked up in the app
        breaker.failing.append(("GET", "/Users"))
        result = ws.exec("sync box --dry-run", as_json=True)
        assert result.json["data"]["plan"] == []
        info = ws.exec("info Sales on box", as_json=True).json["data"]["info"]
        assert (info["Operation"], info["App status"]) == ("sync --dry-run", "503"), info
    finally:
        proxy.stop()


def test_check_dry_run_tells_the_drift_and_remembers_none(ws: Workspace) -> None:
    assert ws.exec("push Sales to box").code == 0
    ws.app.patch_members("Sales", remove=["bob@acme.test"])

    def states(text: str) -> list[tuple[str, str]]:
        result = ws.exec(text, as_json=True)
        assert result.code == 1, result.out  # drift found
        return [(d["group"], d["state"]) for d in result.json["data"]["drift"]]

    assert states("check box --dry-run") == [("Sales", "new")]
    assert states("check box") == [("Sales", "new")]  # the dry run remembered nothing
    assert states("check box --dry-run") == [("Sales", "unchanged")]


def test_previews_are_refused_exactly_as_their_runs(ws: Workspace) -> None:
    assert ws.exec("push Sales to box").code == 0
    for text, then in (("activate Sales on box", "deactivate Sales on box"),
                       ("now Sales on box", ""),
                       ("deactivate Sales on box", "")):
        preview, real = ws.exec(f"{text} --dry-run"), ws.exec(text)
        assert (preview.code, preview.out) == (real.code, real.out) == (1, real.out), text
        if then:
            assert ws.exec(then).code == 0
