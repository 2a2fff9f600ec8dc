"""What a newcomer meets (issue 13): sentences instead of tracebacks, state that stays true."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.test_commands import approval_id
from tests.servers import free_port
from tests.workspace import Workspace


def test_check_of_an_unknown_app_is_a_sentence(ws: Workspace) -> None:
    result = ws.cli("check", "nosuch")
    assert result.code == 1
    assert "No app named nosuch" in result.out and "Configured apps: box" in result.out
    assert "Traceback" not in result.out + result.err


def test_repush_keeps_info_true_and_a_second_repush_changes_nothing(ws: Workspace) -> None:
    assert ws.exec("push Sales to box").code == 0
    assert "3 pushed of 4 active" in ws.exec("info Sales on box").out
    ws.set_status("carol", "ACTIVE")
    first = ws.exec("repush carol@acme.test")
    assert first.code == 0 and "Sales on box: added" in first.out
    assert "4 pushed of 5 active" in ws.exec("info Sales on box").out
    second = ws.exec("repush carol@acme.test")
    assert "already a member, nothing to do" in second.out
    assert ws.app.member_logins("Sales") == {"alice@acme.test", "bob@acme.test",
                                             "carol@acme.test", "erin@acme.test"}


def _app_down(ws: Workspace) -> None:
    ws.config["apps"]["box"]["url"] = f"http://127.0.0.1:{free_port()}/v2"
    ws.write()


def test_check_with_the_app_down_says_it_could_not_complete(ws: Workspace) -> None:
    assert ws.exec("push Sales to box").code == 0
    assert ws.exec("push Engineering to box").code == 0
    _app_down(ws)
    result = ws.exec("check")
    assert result.code == 1
    head = result.out.splitlines()[0]
    assert head.startswith("The drift check of all apps could not complete: 2 of 2 pushed "
                           "groups could not be read"), head
    assert "No drift" not in result.out


def test_sync_counts_rule_pushes_and_refusals_and_keeps_last_push(ws: Workspace) -> None:
    assert ws.exec("push Sales to box").code == 0
    before = ws.exec("info Sales on box").field_value("Last push")
    assert ws.exec("rule add eng to box --starts-with Engineering").code == 0
    ws.add_group("g-eng-mobile", "Engineering Mobile", ["alice"])
    ws.write()
    result = ws.exec("sync")
    assert result.code == 0, result.out
    assert "1 changed (1 added, 0 removed), 0 errors" in result.out
    assert "rule eng pushed \"Engineering Mobile\": 1 member" in result.out
    assert ws.exec("rule add it to box --starts-with IT").code == 0
    result = ws.exec("sync")
    assert result.code == 1 and "0 changed (0 added, 0 removed), 1 error." in result.out
    assert "used for app assignments" in result.out
    _app_down(ws)
    ws.exec("sync")
    assert ws.exec("info Sales on box").field_value("Last push") == before


def test_a_group_gone_from_the_directory_is_reached_by_its_pushed_name_and_id(
        ws: Workspace) -> None:
    ws.add_group("g-apollo", "Project Apollo 2", ["alice"])
    ws.write()
    assert ws.exec("push Project Apollo 2 to box").code == 0
    ws.groups = [g for g in ws.groups if g["id"] != "g-apollo"]
    ws.write()
    synced = ws.exec("sync box")
    assert '`unlink "Project Apollo 2" from box --delete`' in synced.out
    assert "is no longer in the directory" in ws.exec('info "Project Apollo 2" on box').out
    assert "is no longer in the directory" in ws.exec("now Project Apollo 2 on box").out
    assert ws.exec("deactivate id:g-apollo on box").code == 0
    request = ws.exec('unlink "Project Apollo 2" from box --delete')
    assert request.code == 0, request.out
    answer = ws.exec(f"approve {approval_id(request.out)}", as_user="U0APPROVER")
    assert answer.code == 0, answer.out
    assert "Project Apollo 2" not in ws.app.groups()


def test_two_groups_of_one_name_are_told_apart_by_id(ws: Workspace) -> None:
    ws.add_group("g-mkt-1", "Marketing", ["alice"])
    ws.add_group("g-mkt-2", "Marketing", ["alice", "bob"])
    ws.write()
    refused = ws.exec("push Marketing to box")
    assert refused.code == 1
    assert "2 directory groups are named Marketing" in refused.out
    assert "`id:g-mkt-1` (1 active member)" in refused.out
    assert "`id:g-mkt-2` (2 active members)" in refused.out
    assert "Marketing" not in ws.app.groups()
    assert "id:g-mkt-2" in ws.exec("search Marketing").out
    assert ws.exec("push id:g-mkt-2 to box").code == 0
    assert ws.app.member_logins("Marketing") == {"alice@acme.test", "bob@acme.test"}


def test_search_says_how_many_more(ws: Workspace) -> None:
    for n in range(30):
        ws.add_group(f"g-team-{n}", f"Team {n:02d}", [])
    ws.write()
    result = ws.exec("search team")
    assert result.out.count("\n• ") == 25
    assert "… and 5 more groups: search a longer text" in result.out


def test_copied_text_is_read_as_typed_on_every_surface(ws: Workspace) -> None:
    assert ws.exec('push "Engineering Platform" to box').code == 0
    for typed in ("\u200binfo\u200b Engineering Platform on box",
                  "info\u00a0“Engineering Platform”\u00a0on box",
                  "info ‘Engineering Platform’ on\u202fbox"):
        result = ws.exec(typed)
        assert result.code == 0, (typed, result.out)
        assert "Information: \"Engineering Platform\" on box" in result.out


def test_slack_keeps_its_own_commands_as_code_and_escapes_only_the_users_text() -> None:
    from bot.views.replies import answer
    from engine.core import Reply

    reply = Reply.refused("No directory group named *Sales*. `push \"Sales & Co\" to box` "
                          "pushes it; ask U0APPROVER1.")
    text = answer(reply)["blocks"][0]["text"]["text"]
    assert '`push "Sales &amp; Co" to box`' in text
    assert "\u200b*\u200bSales\u200b*\u200b" in text  # the user's text: no bold
    assert "<@U0APPROVER1>" in text
    assert "\u200b`" not in text and "`\u200b" not in text


def test_the_default_database_is_made_in_the_working_directory_named_after_the_config(
        ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli import main

    examples = tmp_path / "examples"
    examples.mkdir()
    config = examples / "grouppush.scim.yml"
    config.write_text(ws.config_path.read_text())
    (examples / "directory.yml").write_text((ws.folder / "directory.yml").read_text())
    here = tmp_path / "work"
    here.mkdir()
    monkeypatch.chdir(here)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert main(["exec", "push Sales to box", "--config", str(config)]) == 0
    first = capsys.readouterr()
    assert "grouppush keeps its data in grouppush.scim.db, a new SQLite file" in first.err
    assert (here / "grouppush.scim.db").exists()
    assert sorted(p.name for p in examples.iterdir()) == ["directory.yml", "grouppush.scim.yml"]
    assert main(["exec", "info Sales on box", "--config", str(config)]) == 0
    again = capsys.readouterr()
    assert "3 pushed" in again.out and again.err == ""


def test_an_unquoted_regex_is_read_whole(ws: Workspace) -> None:
    ws.add_group("g-apollo", "Project Apollo", ["alice"])
    ws.add_group("g-gemini", "Project Gemini", ["bob"])
    ws.add_group("g-mercury", "Project Mercury", ["bob"])
    ws.write()
    result = ws.exec("rule add proj to box --regex ^Project (Apollo|Gemini)$")
    assert result.code == 0, result.out
    assert "It matches 2 groups" in result.out
    assert {"Project Apollo", "Project Gemini"} <= set(ws.app.groups())
    assert "Project Mercury" not in ws.app.groups()


def test_pushing_again_after_unlink_keep_says_grouppush_made_it(ws: Workspace) -> None:
    assert ws.exec("push Sales to box").code == 0
    request = ws.exec("unlink Sales from box --keep")
    assert ws.exec(f"approve {approval_id(request.out)}", as_user="U0APPROVER").code == 0
    again = ws.exec("push Sales to box")
    assert again.code == 1
    assert "grouppush pushed it before and unlink with --keep left it there" in again.out
    assert "does not take over groups it did not create" not in again.out
    ws.app.create_group("Engineering")
    other = ws.exec("push Engineering to box")
    assert "does not take over groups it did not create" in other.out


def test_info_of_an_assignment_group_does_not_suggest_pushing_it(ws: Workspace) -> None:
    result = ws.exec("info IT on box")
    assert result.code == 1
    assert "used for app assignments of box" in result.out
    assert "push IT to box" not in result.out


def test_a_delete_request_says_which_rules_would_push_the_groups_again(ws: Workspace) -> None:
    assert ws.exec("rule add eng to box --starts-with Engineering").code == 0
    assert ws.exec("push Sales to box").code == 0
    request = ws.exec("bulk delete box --all")
    assert ("note: rule eng matches Engineering, \"Engineering Platform\" and would push them "
            "again at the next sync (`rule remove eng` first stops that)") in request.out
    assert "Sales" not in request.out.split("note:")[1].split("\n")[0]
    assert ws.exec("rule remove eng").code == 0  # the hint, as written
    assert ws.exec(f"approve {approval_id(request.out)}", as_user="U0APPROVER").code == 0
    assert ws.exec("sync").code == 0
    assert not {"Engineering", "Engineering Platform", "Sales"} & set(ws.app.groups())


def test_names_with_quotes_are_shown_in_a_form_that_types_back(ws: Workspace) -> None:
    from engine.registry import parse

    for gid, name in (("g-q1", 'The "A" Team'), ("g-q2", "O'Brien's")):
        ws.add_group(gid, name, ["alice"])
    ws.write()
    for name, text in (('The "A" Team', "Team"), ("O'Brien's", "Brien")):
        shown = ws.exec(f"search {text}").out
        typed = next(line[2:].split(" (")[0] for line in shown.splitlines()
                     if line.startswith("• ") and name[:3] in line)
        assert parse(f"push {typed} to box").group == name  # type: ignore[attr-defined]
        pushed = ws.exec(f"push {typed} to box")
        assert pushed.code == 0, pushed.out
        assert name in ws.app.groups()


def test_hints_name_the_group_and_app_they_are_about() -> None:
    import json

    from bot.views.alerts import error_alert
    from connectors.errors import HINTS
    from engine.alerts import ErrorAlert

    alert = error_alert(ErrorAlert(mapping_id=1, group="Sales Team", app="box",
                                   operation="sync", message="box refused it (HTTP 404)",
                                   status=404, hint=HINTS["not_found"], at="now"))
    shown = json.dumps(alert, ensure_ascii=False)
    assert '`now \\"Sales Team\\" on box`' in shown and "GROUP on APP" not in shown
