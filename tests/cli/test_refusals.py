"""Refused attempts are audited (who, what, why); pending ids are told only to those who may
act on them; `info` tells a push cut short; the audit names the OS user behind `exec --as`."""

from __future__ import annotations

import getpass

from tests.cli.test_commands import approval_id
from tests.proxy import Behaviour, ScimProxy, Seen
from tests.workspace import Workspace

APPROVER, ASKER = "U0APPROVER", "U0ASKER"


def test_refused_attempts_are_audited_with_who_what_and_why(ws: Workspace) -> None:
    ws.config["slack"].update(operators=[ASKER, APPROVER], approvers=[APPROVER, ASKER])
    ws.write()
    assert ws.exec("push Sales to box", as_user="U0STRANGER").code == 1
    assert ws.exec("push Sales to box", as_user=ASKER).code == 0
    request = approval_id(ws.exec("unlink Sales from box --keep", as_user=ASKER).out)
    assert ws.exec(f"approve {request}", as_user=ASKER).code == 1  # self-approval
    assert ws.exec(f"approve {request}", as_user="U0STRANGER").code == 1  # not an approver
    assert ws.exec(f"approve {request}", as_user=APPROVER).code == 0
    assert ws.exec(f"approve {request}", as_user=APPROVER).code == 1  # repeated
    audit = ws.exec("audit 20").out
    refused = [line for line in audit.splitlines() if ": refused " in line]
    assert any("U0STRANGER: refused push Sales to box: Only operators" in r for r in refused)
    assert any(f"{ASKER}: refused approve {request}: You asked" in r for r in refused)
    assert any(f"U0STRANGER: refused approve {request}: Only approvers" in r for r in refused)
    assert any(f"{APPROVER}: refused approve {request}: Request {request} was already "
               "approved" in r for r in refused)
    assert len(refused) == 4  # each attempt once



def test_a_refused_preview_is_audited_only_when_the_person_may_not_change(
        ws: Workspace) -> None:
    ws.config["slack"].update(operators=[ASKER])
    ws.write()
    assert ws.exec("push Sales to box", as_user=ASKER).code == 0
    again = ws.exec("push Sales to box --dry-run", as_user=ASKER)  # the dialog's preview
    assert again.code == 1 and "already" in again.out
    assert ws.exec("push Sales to box --dry-run", as_user="U0STRANGER").code == 1
    refused = [line for line in ws.exec("audit 20").out.splitlines() if ": refused " in line]
    assert len(refused) == 1 and "U0STRANGER: refused push Sales to box --dry-run" in refused[0]

def test_an_unknown_id_lists_pending_requests_only_to_who_may_act_on_them(
        ws: Workspace) -> None:
    assert ws.exec("push Sales to box").code == 0
    request = approval_id(ws.exec("unlink Sales from box --keep", as_user=ASKER).out)
    for user, shown in ((APPROVER, True), (ASKER, True), ("U0STRANGER", False)):
        answer = ws.exec("approve ZZZZZZ", as_user=user)
        assert answer.code == 1 and "No approval request ZZZZZZ" in answer.out
        assert (request in answer.out) is shown, (user, answer.out)


def test_info_tells_a_push_cut_short(ws: Workspace) -> None:
    patches = []

    def fail_second_patch(seen: Seen) -> tuple[int, dict[str, str], bytes] | None:
        if seen.method == "PATCH":
            patches.append(seen)
            if len(patches) == 2:
                return 400, {"Content-Type": "application/scim+json"}, \
                    b'{"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], ' \
                    b'"status": "400", "detail": "refused for the test"}'
        return None

    proxy = ScimProxy(ws.app.url, behaviour=Behaviour(respond=fail_second_patch))
    try:
        ws.config["apps"]["box"].update(url=proxy.url, max_members_per_request=1)
        ws.write()
        assert ws.exec("push Sales to box").code == 1
        info = ws.exec("info Sales on box").out
        assert "cut short at" in info and "1 of 4 pushed; the next sync completes it" in info
        proxy.behaviour.respond = None
        assert ws.exec("sync box").code == 0
        info = ws.exec("info Sales on box").out
        assert "cut short" not in info and "3 pushed of 4" in info
    finally:
        proxy.stop()


def test_the_audit_names_the_os_user_behind_exec_as(ws: Workspace) -> None:
    assert ws.exec("push Sales to box", as_user="U0SOMEONE").code == 0
    [line] = [x for x in ws.exec("audit 5").out.splitlines() if "U0SOMEONE: push" in x]
    assert f"[exec by OS user {getpass.getuser()}]" in line
