"""Protected groups (safety.protected_groups): never linked, overwritten, emptied or deleted,
even with approval; a sync and a rule leave them alone with a note."""

from __future__ import annotations

import re

from bot.views.home import row_text
from engine.executor import execute
from engine.operations import Retry
from engine.push.tab import pushed_page
from engine.service import GroupPushService
from storage import repo
from storage.models import PushMapping
from storage.pages import PushFilter
from tests.cli.test_commands import approval_id
from tests.workspace import Workspace

APPROVER = "U0APPROVER"


def protect(ws: Workspace, *patterns: str) -> None:
    ws.config["safety"] = {"protected_groups": list(patterns)}
    ws.write()


def test_a_push_that_would_link_a_protected_group_is_refused(ws: Workspace) -> None:
    ws.config["apps"]["box"]["enhanced_group_push"] = True
    protect(ws, "SAL?S")  # any case, ? is one character
    bob = next(i for i, login in ws.app.users().items() if login == "bob@acme.test")
    ws.app.create_group("Sales", [bob])  # the app's own, privileged group
    refused = ws.exec("push Sales to box")
    assert refused.code == 1, refused.out
    assert "is protected (safety.protected_groups pattern 'SAL?S')" in refused.out
    assert "even with approval" in refused.out
    assert ws.app.member_logins("Sales") == {"bob@acme.test"}
    assert ws.exec("list", as_json=True).json["data"]["pushes"] == []
    assert ws.exec("push Engineering to box").code == 0  # other groups as ever


def test_push_now_sync_and_delete_leave_a_protected_group_alone_even_with_approval(
        ws: Workspace) -> None:
    assert ws.exec("push Sales to box").code == 0
    before = ws.app.member_logins("Sales")
    asked = approval_id(ws.exec("unlink Sales from box --delete", as_user="U0ASKER").out)
    protect(ws, "sa*")  # protected after it was pushed, and after the delete was asked
    ws.set_members("g-sales", ["alice"])

    now = ws.exec("now Sales on box")
    assert now.code == 1 and "grouppush never overwrites it" in now.out, now.out
    synced = ws.exec("sync box")
    assert "Sales on box: protected (safety.protected_groups pattern 'sa*')" in synced.out, \
        synced.out
    assert ws.app.member_logins("Sales") == before  # nobody removed

    approved = ws.exec(f"approve {asked}", as_user=APPROVER)
    assert "nothing was deleted" in approved.out and "is protected" in approved.out, \
        approved.out
    assert ws.app.member_logins("Sales") == before  # not deleted, with approval
    for ask in ("unlink Sales from box --delete", "bulk delete box Sales"):
        refused = ws.exec(ask, as_user="U0ASKER")
        assert refused.code == 1 and "grouppush never deletes it" in refused.out, refused.out
    assert ws.exec("unlink Sales from box --keep", as_user="U0ASKER").code == 0  # kept as is


def test_a_rule_skips_a_protected_match_with_a_note(ws: Workspace) -> None:
    protect(ws, "engineering")
    assert ws.exec("rule add eng to box --starts-with Engineering").code == 0
    synced = ws.exec("sync box")
    assert "rule eng skipped Engineering on box: protected" in synced.out, synced.out
    assert "Engineering" not in ws.app.groups()
    assert "Engineering Platform" in ws.app.groups()
    assert synced.code == 0


def test_list_shows_a_protected_push_as_such(ws: Workspace) -> None:
    assert ws.exec("push Sales to box").code == 0
    assert ws.exec("push Engineering to box").code == 0
    protect(ws, "sales")
    assert "Sales → box: active" in ws.exec("list").out
    assert "🔒 protected (safety.protected_groups pattern 'sales')" in ws.exec("list").out
    rows = {r["group"]: r["protected"] for r in
            ws.exec("list", as_json=True).json["data"]["pushes"]}
    assert rows == {"Sales": "safety.protected_groups pattern 'sales'", "Engineering": ""}


def test_the_home_tab_shows_a_protected_push_as_such(ws: Workspace) -> None:
    assert ws.exec("push Sales to box").code == 0
    assert ws.exec("push Engineering to box").code == 0
    protect(ws, "Sal*")
    shown = pushed_page(ws.service(), PushFilter(app="box"))
    lines = {r.name: row_text(r) for r in shown.rows}
    assert ":lock: protected (safety.protected_groups pattern 'Sal" in lines["Sales"]
    assert "grouppush leaves it alone" in lines["Sales"]
    assert ":lock:" not in lines["Engineering"]


def test_the_retry_button_of_a_protected_push_is_refused(ws: Workspace) -> None:
    assert ws.exec("push Sales to box").code == 0
    before = ws.app.member_logins("Sales")
    protect(ws, "sales")
    ws.set_members("g-sales", ["alice"])
    service = ws.service()
    [mapping_id] = [int(p.id or 0) for p in service_mappings(service)]
    refused = execute(service, Retry(mapping_id), "console")
    assert refused.status == "refused" and "is protected" in refused.text
    assert ws.app.member_logins("Sales") == before


def service_mappings(service: GroupPushService) -> list[PushMapping]:
    with service.db.session() as session:
        return repo.list_mappings(session)


def test_a_held_removal_approved_after_the_group_was_protected_removes_nothing(
        ws: Workspace) -> None:
    ws.config["safety"] = {"min_group_size": 1, "max_directory_loss": 1}
    ws.write()
    assert ws.exec("push Sales to box").code == 0
    before = ws.app.member_logins("Sales")
    ws.set_members("g-sales", ["alice"])
    held = ws.exec("sync box")
    asked = re.search(r"`approve (\w+)`", held.out)
    assert asked, held.out
    ws.config["safety"]["protected_groups"] = ["Sales"]
    ws.write()
    approved = ws.exec(f"approve {asked.group(1)}", as_user=APPROVER)
    assert "nothing was removed" in approved.out and "is protected" in approved.out, \
        approved.out
    assert ws.app.member_logins("Sales") == before
