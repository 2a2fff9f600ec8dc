"""The console at a terminal: line editing, history and tab completion (readline)."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import time

import pytest

from bot.completion import complete
from engine.operations import Info  # noqa: F401  (registers the operations)
from engine.registry import OPERATIONS
from tests.cli.test_entry_points import grouppush
from tests.workspace import Workspace

VERBS = [v for v, cls in OPERATIONS.items() if cls.spec.typed]
GROUPS = ["Sales", "Sales Ops", "Sales EMEA", "IT", "Project Apollo"]
APPS = ["box", "demo-scim"]


@pytest.mark.parametrize(("typed", "lines"), [
    ("in", ["info "]),
    ("bulk de", ["bulk deactivate ", "bulk delete "]),
    ("info Sales O", ['info "Sales Ops" ']),
    ('unlink "Sales E', ['unlink "Sales EMEA" ']),
    ("push Project Apollo to d", ["push Project Apollo to demo-scim "]),
    ("list ", ["list box ", "list demo-scim "]),
    ('bulk delete box IT "Sales E', ['bulk delete box IT "Sales EMEA" ']),
    ("bulk delete box Sales I", ["bulk delete box Sales IT "]),
    ("push Sal", ["push Sales ", "push Sales EMEA ", "push Sales Ops "]),
    ("push  sales", ["push  sales ", "push  sales EMEA ", "push  sales Ops "]),
    ("bulk delete box Sal", ['bulk delete box "Sal']),
    ('bulk delete box "Sal', ['bulk delete box "Sales" ', 'bulk delete box "Sales EMEA" ',
                              'bulk delete box "Sales Ops" ']),
    ("search Sa", []),
    ("nosuch ", []),
])
def test_completion_of_commands_groups_and_apps(typed: str, lines: list[str]) -> None:
    assert complete(typed, VERBS, GROUPS, APPS) == lines


def _read_until(fd: int, wanted: str, timeout: float = 30.0) -> str:
    seen, deadline = "", time.monotonic() + timeout
    while wanted not in seen:
        if time.monotonic() > deadline:
            raise AssertionError(f"{wanted!r} not seen in {seen!r}")
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            seen += os.read(fd, 4096).decode(errors="replace")
    return seen


@pytest.mark.slow
def test_the_up_arrow_brings_back_the_last_command_and_tab_completes(
        ws: Workspace, tmp_path: object) -> None:
    env = {**os.environ, "GROUPPUSH_CONFIG": str(ws.config_path), "DATABASE_URL": ws.db_url,
           "HOME": str(tmp_path), "TERM": "xterm"}
    leader, follower = pty.openpty()
    console = subprocess.Popen([*grouppush(), "console"], env=env, stdin=follower,
                               stdout=follower, stderr=follower, close_fds=True)
    os.close(follower)
    try:
        _read_until(leader, "grouppush> ")
        os.write(leader, b"info Engineering Pl\t on b\t\r")
        shown = _read_until(leader, "is not pushed to box")
        assert "Engineering Platform" in shown
        os.write(leader, b"push Engineering Platform to box\r")
        _read_until(leader, "Pushed \"Engineering Platform\" to box")
        os.write(leader, b"\x1b[A\r")  # up arrow, enter: the same push again
        again = _read_until(leader, "already pushed")
        assert "Unknown command" not in again
        os.write(leader, b"exit\r")
        assert console.wait(timeout=30) == 0
    finally:
        console.kill()
        os.close(leader)


@pytest.mark.slow
def test_tab_with_several_matches_keeps_what_was_typed_and_lists_them(
        ws: Workspace, tmp_path: object) -> None:
    import pexpect

    ws.add_group("g-eng-mobile", "Engineering Mobile", ["alice"])
    ws.write()
    env = {**os.environ, "GROUPPUSH_CONFIG": str(ws.config_path), "DATABASE_URL": ws.db_url,
           "HOME": str(tmp_path), "TERM": "xterm"}
    console = pexpect.spawn(grouppush()[0], ["console"], env=env, encoding="utf-8",
                            timeout=30, dimensions=(40, 200))
    try:
        console.expect_exact("grouppush> ")
        console.send("push Eng\t")  # Engineering, Engineering Mobile, Engineering Platform
        console.expect_exact("ineering")  # what the three share, after what was typed
        console.expect_exact("Engineering Mobile")  # and the matches listed
        console.expect_exact("Engineering Platform")
        console.send("Mo\t")
        console.send("to box\r")
        console.expect_exact('Pushed "Engineering Mobile" to box')
        console.sendline("exit")
        console.expect(pexpect.EOF)
    finally:
        console.close(force=True)
