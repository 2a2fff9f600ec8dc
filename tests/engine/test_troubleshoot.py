"""Troubleshooting as Okta's page describes it: `retry GROUP on APP`, `retry APP --all` (Retry
All Groups) and `explain LOGIN in GROUP on APP`, against a real scim2-server (behind a proxy
that answers 503 while the app is "down")."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.views.words import render
from connectors.scim import ScimApp
from engine.core import Reply
from engine.executor import run_line
from engine.outcomes import Explained, RetriedAll
from engine.schema import DATA
from engine.service import GroupPushService
from tests.proxy import Breaker, breaking
from tests.workspace import Workspace

GROUPS = ("Sales", "Engineering", "Engineering Platform")


@pytest.fixture
def down(ws: Workspace) -> Iterator[tuple[GroupPushService, Breaker]]:
    """The service, and a breaker in front of its app (503, retried quickly)."""
    service = ws.service()
    app = service.apps["box"]
    assert isinstance(app, ScimApp)
    with breaking(app) as breaker:
        breaker.status = 503
        app.http.backoff = 0.01
        yield service, breaker


def say(service: GroupPushService, line: str, actor: str = "console") -> Reply:
    return run_line(service, line, actor)


def three_failed(ws: Workspace, service: GroupPushService, breaker: Breaker) -> None:
    """Three pushed groups whose sync failed while the app answered 503."""
    for group in GROUPS:
        assert say(service, f'push "{group}" to box').ok
    ws.add_user("frank")
    for gid in ("g-sales", "g-eng", "g-eng-platform"):
        ws.set_members(gid, ["alice", "bob", "frank"])
    breaker.failing.append(("PATCH", "/Groups/"))
    assert not say(service, "sync box").ok
    listed = render(say(service, "list box --errors"))
    assert all(g in listed for g in GROUPS), listed


def test_retry_all_fixes_every_failed_push_once_the_app_is_fixed(
        ws: Workspace, down: tuple[GroupPushService, Breaker]) -> None:
    service, breaker = down
    three_failed(ws, service, breaker)

    still_down = say(service, "retry box --all")
    assert still_down.status == "failed"
    words = render(still_down)
    assert words.startswith("Retried 3 failed pushes of box: 0 fixed, 3 still failing.")
    assert words.count("`retry ") == 3 and "app status 503" in words
    assert isinstance(still_down.outcome, RetriedAll)
    assert [e["status"] for e in still_down.outcome.to_json()["errors"]] == [503] * 3

    preview = say(service, "retry box --all --dry-run")
    assert preview.ok and sorted(p["group"] for p in preview.outcome.to_json()["plan"]) == \
        sorted(GROUPS)

    breaker.failing.clear()  # the app is fixed
    fixed = say(service, "retry box --all")
    assert fixed.ok, render(fixed)
    assert render(fixed) == ("Retried 3 failed pushes of box: 3 fixed (Engineering, "
                             "\"Engineering Platform\", Sales).")
    for group in GROUPS:
        assert "frank@acme.test" in ws.app.member_logins(group)
    assert say(service, "list box --errors").outcome.to_json()["pushes"] == []
    assert [e.action for e in _audit(service)].count("retry") == 3
    again = say(service, "retry box --all")
    assert again.ok and render(again) == ("No active push of box has an error; nothing to "
                                          "retry.")


def test_retry_one_group_fixes_that_one_only(
        ws: Workspace, down: tuple[GroupPushService, Breaker]) -> None:
    service, breaker = down
    three_failed(ws, service, breaker)
    breaker.failing.clear()

    done = say(service, "retry Sales on box")
    assert done.ok and render(done) == "Retried Sales on box: it works again (1 added, 1 removed)."
    assert "frank@acme.test" in ws.app.member_logins("Sales")
    assert "frank@acme.test" not in ws.app.member_logins("Engineering")
    listed = render(say(service, "list box --errors"))
    assert "Sales" not in listed.replace("Engineering", "") and "Engineering" in listed

    nothing = say(service, "retry Sales on box")
    assert nothing.status == "refused" and render(nothing) == (
        "Sales on box has no error to retry. `now Sales on box` pushes it again.")


def test_retry_that_fails_again_shows_the_information_and_who_may(
        ws: Workspace, down: tuple[GroupPushService, Breaker]) -> None:
    service, breaker = down
    three_failed(ws, service, breaker)
    again = say(service, "retry Engineering on box")
    assert again.status == "failed"
    words = render(again)
    assert words.startswith("Retry of Engineering on box failed again:")
    assert "Information: Engineering on box, operation sync" in words
    assert "`retry Engineering on box` pushes it again." in words
    assert isinstance(again.data.get("retry"), int)  # Slack shows its Retry button
    ws.config["slack"]["operators"] = ["U0OPERATOR"]
    ws.write()
    refused = say(ws.service(), "retry box --all", "U0READER")
    assert refused.status == "refused" and "Only operators" in render(refused)


def test_retry_usage_names_both_forms() -> None:
    from engine.grammar import UsageError
    from engine.registry import parse

    assert parse("retry Sales Team on box").line() == 'retry "Sales Team" on box'
    assert parse("retry box --all").line() == "retry box --all"
    for wrong in ("retry", "retry Sales", "retry box Sales --all"):
        with pytest.raises(UsageError) as error:
            parse(wrong)
        assert "retry GROUP on APP | APP --all" in str(error.value)


def facts(service: GroupPushService, login: str, group: str = "Sales") -> Explained:
    reply = say(service, f"explain {login} in {group} on box", "U0ANYONE")
    assert reply.ok, render(reply)
    assert isinstance(reply.outcome, Explained)
    return reply.outcome


def test_explain_gives_the_facts_of_each_kind_of_person(ws: Workspace) -> None:
    ws.config["slack"]["operators"] = ["U0OPERATOR"]  # explain is a read: anyone may
    ws.write()
    service = ws.service()
    assert say(service, "push Sales to box", "U0OPERATOR").ok

    alice = facts(service, "alice@acme.test")
    assert (alice.in_directory_group, alice.active, alice.pushed, alice.in_app_group,
            alice.next_sync) == (True, True, True, True, "none")
    assert alice.app_user and alice.reason("next_sync") == "nothing differs from what was pushed"
    assert set(alice.to_json()) >= {"user", "group", "app", "in_directory_group", "active",
                                   "status", "app_user", "pushed", "in_app_group",
                                   "next_sync"}
    words = render(Reply.of(alice)).splitlines()
    assert words[0] == "Why alice@acme.test is or is not in Sales on box:"
    assert words[2] == "2. Active in the directory: yes: status ACTIVE."

    carol = facts(service, "carol@acme.test")  # suspended member
    assert (carol.in_directory_group, carol.active, carol.to_json()["status"], carol.pushed,
            carol.next_sync) == (True, False, "SUSPENDED", False, "none")
    assert carol.reason("active").startswith("SUSPENDED in the directory")
    assert carol.reason("pushed") == "the user is not active"

    eng = facts(service, "alice@acme.test", "Engineering")  # a non-member, group not pushed
    assert (eng.in_directory_group, eng.push, eng.pushed, eng.in_app_group,
            eng.next_sync) == (False, "none", False, None, "none")
    assert "`push Engineering to box`" in eng.reason("pushed")
    assert "not a member of Engineering" in eng.reason("in_directory_group")

    dave = facts(service, "dave@acme.test")  # a member the app does not know: skipped
    assert (dave.in_directory_group, dave.active, dave.app_user, dave.pushed) == (
        True, True, None, False)
    assert "not provisioned in box" in dave.reason("app_user")
    assert "skipped as \"not in the app\" at the last push" in dave.reason("app_user")
    assert dave.next_sync == "none" and "`repush dave@acme.test`" in dave.reason("next_sync")
    info = say(service, "info Sales on box").outcome
    assert dict(info.details)["Skipped (not in the app)"] == (  # type: ignore[union-attr]
        "dave@acme.test; `explain dave@acme.test in Sales on box` says why")

    ws.add_user("gus")
    ws.write()
    ws.app.patch_members("Sales", add=["gus@acme.test"])  # added in the app by hand
    gus = facts(service, "gus@acme.test")
    assert (gus.in_directory_group, gus.pushed, gus.in_app_group, gus.next_sync) == (
        False, False, True, "none")
    assert "added in the app: drift" in gus.reason("next_sync")
    assert "`now Sales on box` removes it" in gus.reason("next_sync")
    document = run_line(service, "explain gus@acme.test in Sales on box", "U0ANYONE")
    assert set(DATA["explain"]["required"]) <= set(document.outcome.to_json())


def test_explain_refuses_what_does_not_exist_with_the_closest(ws: Workspace) -> None:
    service = ws.service()
    assert say(service, "push Sales to box").ok
    nobody = say(service, "explain alicia@acme.test in Sales on box")
    assert nobody.status == "refused" and "Closest: alice@acme.test" in render(nobody)
    no_app = say(service, "explain alice@acme.test in Sales on bx")
    assert no_app.status == "refused" and "Did you mean box?" in render(no_app)
    usage = say(service, "explain alice@acme.test Sales on box")
    assert usage.status == "usage" and "explain LOGIN in GROUP on APP" in render(usage)


def _audit(service: GroupPushService) -> list:  # type: ignore[type-arg]
    from sqlmodel import select

    from storage.models import AuditEvent

    with service.db.session() as session:
        return list(session.exec(select(AuditEvent)))


def test_help_command_shows_usage_flags_and_examples_that_parse(ws: Workspace) -> None:
    from bot.views.words.reports import FLAGS
    from engine.help import EXAMPLES
    from engine.registry import OPERATIONS, parse

    for verb, cls in OPERATIONS.items():
        assert set(cls.spec.flags) <= set(FLAGS), verb
        if cls.spec.typed:
            assert EXAMPLES.get(verb), f"`help {verb}` needs an example"
            for example in EXAMPLES[verb]:
                assert type(parse(example)) is cls, example
    service = ws.service()
    words = render(say(service, "help push"))
    assert words.splitlines()[:2] == ["Usage: push GROUP to APP [--no-memberships]",
                                      "  push by name (a change: operators only)."]
    assert "  --dry-run         print the exact plan; change nothing in any app" in words
    assert "Examples:\n  push Sales to box" in words
    assert render(say(service, "help push Sales to box")) == words
    assert render(say(service, "help rule")).count("Usage: rule ") == 3
    wrong = say(service, "help psh")
    assert wrong.status == "usage" and "Did you mean `help push`?" in render(wrong)
