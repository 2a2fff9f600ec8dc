"""Names with control characters and look-alike names."""

from __future__ import annotations

import io

from bot.console import run_console
from tests.workspace import Workspace

NEWLINE = "Sales\nEMEA"
ANSI = "Red\x1b[31m\x1b]0;owned\x07Alert"
CYRILLIC = "S\u0430les"  # a Cyrillic а


def test_a_name_with_a_newline_is_pushed_and_printed_on_one_line(ws: Workspace) -> None:
    ws.add_group("g-nl", NEWLINE, ["alice", "bob"])
    ws.write()
    reply = ws.service().push(NEWLINE, "box", "console")
    assert reply.ok, reply
    assert ws.app.member_logins(NEWLINE) == {"alice@acme.test", "bob@acme.test"}
    listing = ws.exec("list").out
    [line] = [line for line in listing.splitlines() if "EMEA" in line]
    assert "Sales\\nEMEA" in line


def test_ansi_escapes_are_never_echoed_raw(ws: Workspace) -> None:
    ws.add_group("g-ansi", ANSI, ["alice"])
    ws.write()
    assert ws.service().push(ANSI, "box", "console").ok
    for text in ("list", "search Red", "info Red\x1b[31m on box"):
        result = ws.exec(text)
        assert "\x1b" not in result.out + result.err and "\x07" not in result.out, text
    assert "\\x1b[31m" in ws.exec("list").out
    out = io.StringIO()
    run_console(ws.service(), "console", io.StringIO("search \x1b[2JRed\n"), out)
    assert "\x1b" not in out.getvalue() and "\\x1b[2J" in out.getvalue()


def test_a_look_alike_name_is_pushed_with_a_warning(ws: Workspace) -> None:
    ws.add_group("g-sales-cyr", CYRILLIC, ["alice"])
    ws.write()
    assert "Warning" not in ws.exec("push Sales to box").out
    result = ws.exec(f"push {CYRILLIC} to box")
    assert result.code == 0, result.out
    assert 'looks like "Sales"' in result.out and "U+0430 CYRILLIC SMALL LETTER A" in result.out
    assert ws.app.group_count(CYRILLIC) == 1  # pushed all the same: only a person can tell
    assert "Warning" not in ws.exec("push Engineering to box").out
