"""The chat console: the very same operations as Slack, one line at a time; at a terminal
with line editing, history and tab completion (readline)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import TextIO

from bot.completion import complete
from bot.terminal import printable
from bot.views.words import render
from engine.executor import run_line
from engine.registry import OPERATIONS
from engine.service import GroupPushService

PROMPT = "grouppush> "
HISTORY = Path.home() / ".grouppush_history"
"""Lines typed at the console, kept between sessions (1000 at most)."""


def run_console(service: GroupPushService, actor: str, stdin: TextIO = sys.stdin,
                stdout: TextIO = sys.stdout) -> int:
    """Read commands until EOF or `exit`; returns 0."""
    interactive = stdin.isatty()
    read = _terminal(service) if interactive and stdin is sys.stdin else None
    if interactive:
        stdout.write(f"grouppush console as {actor}. `help` lists commands, Tab completes, "
                     "Ctrl-D or `exit` leaves.\n")
    while True:
        if read is not None:
            try:
                line = read() + "\n"
            except EOFError:
                stdout.write("\n")
                break
            except KeyboardInterrupt:  # Ctrl-C clears the line; Ctrl-D or `exit` leaves
                stdout.write("^C\n")
                continue
        else:
            if interactive:
                stdout.write(PROMPT)
                stdout.flush()
            line = stdin.readline()
        if not line:
            break
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        if text in ("exit", "quit"):
            break
        if not interactive:
            stdout.write(f"{PROMPT}{printable(text)}\n")
        reply = run_line(service, text, actor)
        stdout.write(printable(render(reply)) + "\n")
        stdout.flush()
    return 0


def _terminal(service: GroupPushService) -> Callable[[], str] | None:
    """input() with readline's editing, history and completion, or None without readline."""
    try:
        import readline
    except ImportError:
        return None
    verbs = [v for v, cls in OPERATIONS.items() if cls.spec.typed]
    found: list[str] = []

    def completer(text: str, state: int) -> str | None:
        if state == 0:
            service.kept.ensure_read()  # the kept directory's names, read once if never read
            groups = [g.name for g in service.snapshot().groups.values()]
            found[:] = complete(readline.get_line_buffer(), verbs, groups, service.apps)
        return found[state] if state < len(found) else None

    readline.set_completer_delims("")  # complete whole lines: names may hold spaces
    readline.set_completer(completer)
    readline.parse_and_bind("tab: complete")
    readline.parse_and_bind("set show-all-if-ambiguous on")  # list the matches at once
    with suppress(OSError):
        readline.read_history_file(HISTORY)
    readline.set_history_length(1000)

    def read() -> str:
        try:
            return input(PROMPT)
        finally:
            with suppress(OSError):
                readline.write_history_file(HISTORY)

    return read
