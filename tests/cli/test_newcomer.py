"""What a newcomer meets (issue 13): sentences instead of tracebacks, state that stays true."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import yaml

from tests.cli.test_commands import approval_id
from tests.cli.test_entry_points import grouppush
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


def _run(ws: Workspace, port: int, **env: str) -> subprocess.Popen[str]:
    """`grouppush run` on the workspace, as an operator starts it."""
    full = {**os.environ, "GROUPPUSH_CONFIG": str(ws.config_path), "DATABASE_URL": ws.db_url,
            "SLACK_BOT_TOKEN": "xoxb-newcomer", "SLACK_SIGNING_SECRET": "s3cret", **env}
    full.pop("SLACK_APP_TOKEN", None)
    return subprocess.Popen([sys.executable, "-m", "bot.cli", "run", "--host", "127.0.0.1",
                             "--port", str(port)], env=full, stderr=subprocess.PIPE, text=True)


def _lines_until(proc: subprocess.Popen[str], wanted: str) -> list[str]:
    assert proc.stderr is not None
    lines: list[str] = []
    while not lines or wanted not in lines[-1]:
        line = proc.stderr.readline()
        assert line, f"grouppush run ended before {wanted!r}: {lines}"
        lines.append(line)
    return lines


@pytest.mark.slow
def test_run_serves_health_while_slack_cannot_be_reached(ws: Workspace) -> None:
    port = free_port()
    proc = _run(ws, port, SLACK_API_URL=f"http://127.0.0.1:{free_port()}/api/")
    try:
        lines = _lines_until(proc, "cannot reach")
        lines += _lines_until(proc, "cannot reach")  # a second try
        http = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10)
        assert http.get("/healthz").status_code == 200
        ready = http.get("/readyz")
        assert ready.status_code == 503 and "slack" in ready.json()["failing"]
        assert ready.json()["parts"]["slack"]["detail"].startswith(
            "Slack not reached yet: cannot reach Slack's Web API")
        assert ready.json()["parts"]["worker"]["detail"] == \
            "the worker process starts once Slack answers"  # not "being restarted"
        assert http.get("/metrics").status_code == 200
        said = "".join(lines)
        assert "Traceback" not in said and "ERROR" not in said, said  # not the SDK's lines
        assert said.count("proxy (HTTPS_PROXY) and SLACK_API_URL") == 1, said
    finally:
        proc.terminate()
        assert proc.wait(15) == 0


@pytest.mark.slow
def test_run_on_a_port_in_use_is_a_sentence_and_starts_no_worker(ws: Workspace) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = _run(ws, port, SLACK_API_URL=f"http://127.0.0.1:{free_port()}/api/")
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1 and "Traceback" not in err, err
    assert f"cannot listen on 127.0.0.1:{port}: Address already in use" in err
    assert "Choose another port with --port" in err and "worker process" not in err


def test_exec_unquoted_takes_the_commands_own_flags(ws: Workspace) -> None:
    planned = ws.cli("exec", "push", "Sales", "to", "box", "--dry-run")
    assert planned.code == 0 and "unrecognized arguments" not in planned.err, planned.err
    assert "Sales" in planned.out and "Sales" not in ws.app.groups()
    listed = ws.cli("exec", "list", "--errors", "--json")
    assert listed.code == 0 and listed.json["ok"] is True, listed.out + listed.err
    assert ws.cli("exec", "push", "Sales", "--as", "U0OPS", "to", "box").code == 0
    assert "Sales" in ws.app.groups()


def test_backslashes_after_regex_are_kept(ws: Workspace) -> None:
    ws.add_group("g-sales-ops", "Sales Ops", ["alice"])
    ws.write()
    saved = ws.exec(r"rule add r1 to box --regex ^Sales\s")
    assert saved.code == 0, saved.out
    assert "Sales Ops" in ws.app.groups() and "Sales" not in ws.app.groups()
    assert r"^Sales\s" in ws.exec("rule list").out
    unquoted = ws.cli("exec", "rule", "add", "r2", "to", "box", "--regex", r"(a)\1")
    assert unquoted.code == 1 and r"invalid escape sequence: \1" in unquoted.out, unquoted.out
    assert "no backreferences" in unquoted.out
    assert "r2" not in ws.exec("rule list").out


def _demo(*args: str, cwd: Path) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("GROUPPUSH_CONFIG", "DATABASE_URL", "GROUPPUSH_DEMO_TOKEN")}
    return subprocess.Popen([*grouppush(), "demo", *args], cwd=cwd, env=env, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)


def _read_until(proc: subprocess.Popen[str], wanted: str) -> str:
    assert proc.stdout is not None
    seen = ""
    while wanted not in seen:
        line = proc.stdout.readline()
        assert line, f"{wanted!r} never came: {seen}"
        seen += line
    return seen


@pytest.mark.slow
def test_demo_dir_keeps_a_world_that_exec_and_check_use_from_another_process(
        tmp_path: Path) -> None:
    world, elsewhere = tmp_path / "world", tmp_path / "elsewhere"
    elsewhere.mkdir()
    demo = _demo("--dir", str(world), cwd=tmp_path)
    try:
        banner = _read_until(demo, "Ctrl-D")
        assert f"GROUPPUSH_CONFIG={world / 'grouppush.yml'} grouppush exec list" in banner
        env = {k: v for k, v in os.environ.items()
               if k not in ("DATABASE_URL", "GROUPPUSH_DEMO_TOKEN")}
        env["GROUPPUSH_CONFIG"] = str(world / "grouppush.yml")

        def other(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run([*grouppush(), *args], cwd=elsewhere, env=env,
                                  capture_output=True, text=True, timeout=120)

        pushed = other("exec", "push", "Sales", "to", "demo-scim")
        assert pushed.returncode == 0 and "Pushed Sales to demo-scim" in pushed.stdout, \
            pushed.stdout + pushed.stderr
        checked = other("check")
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert demo.stdin is not None
        demo.stdin.write("list\n")
        demo.stdin.flush()
        assert "Sales" in _read_until(demo, "demo-scim")  # the demo sees the same world
    finally:
        if demo.stdin is not None:
            demo.stdin.close()
        demo.wait(60)
    assert demo.returncode == 0
    assert {p.name for p in world.iterdir()} >= {"grouppush.yml", "directory.yml",
                                                 "grouppush.db"}
    assert not list(elsewhere.iterdir())  # no database of its own next to the other terminal


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_demo_ended_by_a_signal_removes_its_temporary_world(tmp_path: Path,
                                                               signum: int) -> None:
    demo = _demo(cwd=tmp_path)
    banner = _read_until(demo, "Ctrl-D")
    folder = Path(banner.split(" groups in ")[1].split("/directory.yml")[0])
    assert folder.is_dir()
    demo.send_signal(signum)
    demo.communicate(timeout=60)
    assert not folder.exists()


@pytest.mark.slow
def test_demo_as_someone_else_says_who_approves_and_demo_refuses_a_config(
        tmp_path: Path) -> None:
    demo = _demo("--as", "bob", cwd=tmp_path)
    out, _ = demo.communicate("exit\n", timeout=120)
    assert "You act as bob, who is not an approver here" in out
    assert "the console user is an approver" not in out
    refused = subprocess.run([*grouppush(), "--config", "mine.yml", "demo"], cwd=tmp_path,
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2 and "does not read --config mine.yml" in refused.stderr


@pytest.mark.slow
def test_ctrl_c_at_the_demo_prompt_clears_the_line_and_ctrl_d_ends(tmp_path: Path) -> None:
    import pexpect

    demo = pexpect.spawn(grouppush()[0], ["demo"], cwd=str(tmp_path), encoding="utf-8",
                         timeout=60, env={**os.environ, "HOME": str(tmp_path),
                                          "TERM": "xterm"},
                         # as at a terminal, even when the tests run in the background
                         # (where a shell starts them with Ctrl-C ignored)
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        demo.expect_exact("grouppush> ")
        demo.send("push Sal")
        demo.expect_exact("push Sal")  # readline has the line: Ctrl-C comes while it edits
        demo.sendintr()
        demo.expect_exact("grouppush> ")
        demo.send("list\r")
        demo.expect_exact("No groups are pushed yet")
        demo.expect_exact("grouppush> ")
        demo.sendeof()
        demo.expect(pexpect.EOF)
    finally:
        demo.close(force=True)
    assert demo.exitstatus == 0


def test_no_config_file_says_how_to_name_one_or_try_the_demo(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli import main

    with pytest.raises(SystemExit) as stopped:
        main(["--config", str(tmp_path / "nowhere.yml"), "exec", "list"])
    err = capsys.readouterr().err
    assert stopped.value.code == 2 and "there is no such file" in err
    assert "--config FILE or GROUPPUSH_CONFIG" in err and "examples/" in err
    assert "`grouppush demo`" in err


def test_info_names_the_configs_own_directory_file(ws: Workspace) -> None:
    (ws.folder / "directory.yml").rename(ws.folder / "dir2.yml")
    ws.config["directory"]["path"] = "dir2.yml"
    ws.config_path.write_text(yaml.safe_dump(ws.config))
    assert ws.exec("push Sales to box").code == 0
    assert ws.exec("info Sales on box").field_value("Group type") == \
        "directory file group (dir2.yml)"


@pytest.mark.parametrize(("typed", "said"), [
    ("push Sales on box", "`push` takes `to` before the app, not `on`: `push Sales to box`"),
    ("info Sales to box", "`info` takes `on` before the app, not `to`: `info Sales on box`"),
    ("unlink Sales on box --delete", "`unlink Sales from box --delete`"),
    ("deactivate Sales from box", "`deactivate Sales on box`"),
    ("bulk deactivate box", "`bulk deactivate box` needs the groups after the app"),
])
def test_a_wrong_word_says_which_word_is_expected(ws: Workspace, typed: str,
                                                  said: str) -> None:
    result = ws.exec(typed)
    assert result.code == 2 and said in result.out, result.out
    assert "Sales" not in ws.app.groups()


def test_a_pending_request_offers_each_person_only_what_they_may_do(ws: Workspace) -> None:
    assert ws.exec("push Sales to box").code == 0
    assert ws.exec("unlink Sales from box --keep", as_user="U0ASKER").code == 0
    stranger = ws.exec("unlink Sales from box --delete", as_user="U0OTHER").out
    assert "`approve" not in stranger and "`withdraw" not in stranger
    assert "An approver (U0APPROVER) may approve or deny it, and U0ASKER may withdraw it" \
        in stranger
    asker = ws.exec("unlink Sales from box --delete", as_user="U0ASKER").out
    assert "`withdraw " in asker and "`approve " not in asker and "`deny " in asker
    approver = ws.exec("unlink Sales from box --delete", as_user="U0APPROVER").out
    assert "`approve " in approver and "`deny " in approver and "`withdraw " not in approver


def test_an_operator_refusal_at_the_console_mentions_as(ws: Workspace) -> None:
    ws.config["slack"]["operators"] = ["U0OPS"]
    ws.write()
    refused = ws.exec("push Sales to box")
    assert refused.code == 1 and "`grouppush console --as U0OPS`" in refused.out
    assert "--as" not in ws.exec("push Sales to box", as_user="U0READER").out  # Slack people


def test_no_approvers_is_a_warning_and_the_request_says_nobody_can_approve(
        ws: Workspace) -> None:
    ws.config["slack"]["approvers"] = []
    ws.write()
    checked = ws.cli("config", "check")
    assert checked.code == 0 and "! config `slack.approvers` is empty" in checked.out
    assert "directory file are valid" in checked.out
    assert ws.exec("push Sales to box").code == 0
    asked = ws.exec("unlink Sales from box --keep")
    assert "nobody can approve it until it lists someone" in asked.out


def test_a_partial_login_and_an_app_in_capitals_get_the_closest_names(ws: Workspace) -> None:
    partial = ws.exec("repush ali")
    assert partial.code == 1 and "Closest: alice@acme.test" in partial.out, partial.out
    shouted = ws.exec("PUSH Sales to BOX")
    assert shouted.code == 1 and "Did you mean box?" in shouted.out, shouted.out
    assert "Sales" not in ws.app.groups()


def test_a_gone_group_with_a_pending_unlink_points_at_the_request(ws: Workspace) -> None:
    ws.add_group("g-apollo", "Project Apollo", ["alice"])
    ws.write()
    assert ws.exec("push Project Apollo to box").code == 0
    ws.groups = [g for g in ws.groups if g["id"] != "g-apollo"]
    ws.write()
    asked = ws.exec("unlink Project Apollo from box --delete")
    request = approval_id(asked.out)
    synced = ws.exec("sync box").out
    assert f"Request {request} to unlink it from box is already pending" in synced
    assert "unlink \"Project Apollo\" from box --delete" not in synced
    info = ws.exec('info "Project Apollo" on box')
    assert info.out.count("is no longer in the directory") == 2  # Members, Error: once each
    assert "the place named" not in info.out
    assert "the file named by directory.path" in info.field_value("Troubleshooting")


def test_cosmetic_words_read_right(ws: Workspace) -> None:
    assert ws.exec("push Sales to box").code == 0
    nothing = ws.exec("now Sales on box --dry-run").out
    assert "Nothing would change in the app" in nothing and "Plan (0" not in nothing, nothing
    assert "--dry-run`" not in ws.exec("deactivate Sales on box --dry-run").out
    assert "1 pushed group matches what was pushed" in ws.exec("check").out
    assert "No pushed group matches the filter (with drift)." in ws.exec("list --drift").out
    assert "`id:` needs a group id after it" in ws.exec("push id: to box").out
    assert "Usage:" not in ws.exec(" ").out
    rule = ws.exec("rule add my rule to box --starts-with Eng --dry-run").out
    assert 'rule "my rule" would be saved' in rule, rule
    asked = ws.exec("unlink Sales from box --keep")
    denied = ws.exec(f"deny {approval_id(asked.out)}", as_user="U0APPROVER").out
    assert "will not happen" not in denied and "nothing was changed (it asked to" in denied
    again = ws.exec("unlink Sales from box --keep")
    approved = ws.exec(f"approve {approval_id(again.out)}", as_user="U0APPROVER").out
    assert "Sales unlinked from box; the app group stays there." in approved, approved


def test_every_option_of_every_command_says_what_it_does() -> None:
    import argparse

    from bot.cli import build_parser

    parser = build_parser()
    [commands] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    silent = [f"{name} {'/'.join(action.option_strings)}"
              for name, sub in commands.choices.items() for action in sub._actions
              if action.option_strings and not action.help]
    assert silent == []
    assert all(name in (parser.description or "") for name in commands.choices)
