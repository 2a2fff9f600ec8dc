"""Rule patterns run in linear time: a catastrophic regex cannot hang `rule add` or a sync."""

from __future__ import annotations

import os
import subprocess

import pytest

from storage import repo
from tests.cli.test_entry_points import grouppush
from tests.workspace import Workspace

EVIL = "(a+)+$"


@pytest.mark.slow
def test_a_backtracking_regex_neither_hangs_rule_add_nor_the_next_sync(ws: Workspace) -> None:
    ws.add_group("g-a", "a" * 40 + "!", ["alice"])
    ws.add_group("g-aa", "aaa", ["bob"])
    ws.write()
    env = {**os.environ, "GROUPPUSH_CONFIG": str(ws.config_path), "DATABASE_URL": ws.db_url}
    for command in (f"rule add R1 to box --regex '{EVIL}'", "sync box"):
        done = subprocess.run([*grouppush(), "exec", command], env=env, capture_output=True,
                              text=True, timeout=60)
        assert done.returncode == 0, done.stdout + done.stderr
    assert set(ws.app.groups()) == {"aaa"}  # the 40 a's and "!" do not match; "aaa" does


def test_a_pattern_re2_cannot_run_is_refused_before_anything_is_saved(ws: Workspace) -> None:
    result = ws.exec(r"rule add R2 to box --regex '(Sa)\1'")
    assert result.code == 1
    assert "Rule R2 was not saved" in result.out and "backreferences" in result.out
    with ws.service().db.session() as session:
        assert repo.find_rule(session, "R2") is None
    assert ws.app.groups() == {}
