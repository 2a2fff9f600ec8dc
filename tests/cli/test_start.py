"""The CLI starts in a blink: it imports what a command needs. `--version` and `--help` touch
no database and load no SQLAlchemy; `exec help` needs no config, database or app. (Times are
measured in bench/README.md, never asserted.)"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

PROBE = """
import contextlib, io, json, sys
from bot.cli import main
out = io.StringIO()
with contextlib.redirect_stdout(out):
    try:
        code = main(sys.argv[1:])
    except SystemExit as done:
        code = done.code
heavy = ("sqlalchemy", "sqlmodel", "scim2_models", "icu", "httpx")
print(json.dumps({"code": code, "out": out.getvalue(),
                  "loaded": [m for m in heavy if m in sys.modules]}))
"""


def started(*args: str) -> dict[str, object]:
    """Run `grouppush ARGS` in a fresh interpreter: its exit code, output, heavy modules."""
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True,
                          text=True, timeout=120, check=True,
                          env={"PATH": "/usr/bin:/bin", "GROUPPUSH_CONFIG": "/nonexistent.yml"})
    result: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    return result


@pytest.mark.slow
def test_version_and_help_load_no_database_library() -> None:
    version = started("--version")
    assert version["code"] == 0 and str(version["out"]).startswith("grouppush ")
    assert version["loaded"] == []
    helped = started("--help")
    assert helped["code"] == 0 and "exec" in str(helped["out"]) and helped["loaded"] == []


@pytest.mark.slow
def test_exec_help_needs_no_config_database_or_app() -> None:
    helped = started("exec", "help", "push")
    assert helped["code"] == 0, helped
    assert str(helped["out"]).startswith("Usage: push GROUP to APP")
    assert helped["loaded"] == []  # the config (/nonexistent.yml) was never read
    wrong = started("exec", "help", "psh")
    assert wrong["code"] == 2 and "Did you mean `help push`?" in str(wrong["out"])
