"""The chat console: the very same operations as Slack, one line at a time."""

from __future__ import annotations

import sys
from typing import TextIO

from engine.executor import run_line
from engine.service import GroupPushService

PROMPT = "grouppush> "


def run_console(service: GroupPushService, actor: str, stdin: TextIO = sys.stdin,
                stdout: TextIO = sys.stdout) -> int:
    """Read commands until EOF or `exit`; returns 0."""
    interactive = stdin.isatty()
    if interactive:
        stdout.write(f"grouppush console as {actor}. `help` lists commands, `exit` leaves.\n")
    while True:
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
            stdout.write(f"{PROMPT}{text}\n")
        reply = run_line(service, text, actor)
        stdout.write(reply.text + "\n")
        stdout.flush()
    return 0
