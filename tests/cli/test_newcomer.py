"""What a newcomer meets (issue 13): sentences instead of tracebacks, state that stays true."""

from __future__ import annotations

from tests.workspace import Workspace


def test_check_of_an_unknown_app_is_a_sentence(ws: Workspace) -> None:
    args = ["--config", str(ws.config_path), "check", "nosuch"]
    result = ws.run_cli(args)
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
