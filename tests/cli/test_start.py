"""The CLI starts in a blink: it imports what a command needs. `--version` and `--help` touch
no database and load no SQLAlchemy; `exec help` needs no config, database or app; `exec list`
loads its own handler and none of the other commands'. (Times are measured in
bench/README.md, never asserted.)"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import cast

import pytest

from engine.operations import ListPushes
from engine.registry import OPERATIONS

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
                  "loaded": [m for m in heavy if m in sys.modules],
                  "modules": sorted(sys.modules)}))
"""


def started(*args: str, env: dict[str, str] | None = None) -> dict[str, object]:
    """Run `grouppush ARGS` in a fresh interpreter: its exit code, output, heavy modules."""
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True,
                          text=True, timeout=120, check=True,
                          env=env or {"PATH": "/usr/bin:/bin",
                                      "GROUPPUSH_CONFIG": "/nonexistent.yml"})
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


CONFIG = """directory: {type: file, path: directory.yml}
apps:
  box: {type: scim, url: "http://127.0.0.1:9/v2", token: "${START_TOKEN}"}
slack: {alerts_channel: C0ALERTS}
"""


@pytest.mark.slow
def test_exec_list_loads_its_own_handler_only(tmp_path: Path) -> None:
    (tmp_path / "grouppush.yml").write_text(CONFIG)
    (tmp_path / "directory.yml").write_text(
        "users: [{id: u1, login: a@acme.test}]\n"
        "groups: [{id: g1, name: Sales, members: [u1]}]\n")
    env = {"PATH": "/usr/bin:/bin", "GROUPPUSH_CONFIG": str(tmp_path / "grouppush.yml"),
           "START_TOKEN": "start-token", "DATABASE_URL": f"sqlite:///{tmp_path}/g.db"}
    listed = started("exec", "list", env=env)
    assert listed["code"] == 0, listed
    assert str(listed["out"]).startswith("No groups are pushed yet."), listed["out"]
    modules = set(cast("list[str]", listed["modules"]))
    assert ListPushes.spec.handled_in in modules
    others = {cls.spec.handled_in for cls in OPERATIONS.values()} - {ListPushes.spec.handled_in}
    assert others & modules == set()  # push, approvals, sync, check... load when they run
    # the push machinery, the SCIM payload models (the first write) and ICU (the first
    # look-alike check) are not needed to list
    assert {"engine.push.apply", "engine.mapped_push", "scim2_models", "icu"} & modules == set()
