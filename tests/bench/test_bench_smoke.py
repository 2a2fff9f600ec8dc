"""The benchmark code on tiny sizes, so it cannot rot: every row is there (speed is not
asserted; benchmarks never fail on speed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.cli import main, run
from bench.report import render
from bench.world import Sizes

pytestmark = pytest.mark.slow

TINY = Sizes(users=300, push_sizes=(10, 40, 100), groups=8, group_size=5, changed=0.2,
             batch=20, commands=4, rounds=1, slack_push=100)


def test_every_scenario_gives_its_rows() -> None:
    rows = run(TINY)
    table = render(rows)
    scenarios = list(dict.fromkeys(r.scenario for r in rows))
    assert scenarios[0].startswith("read directory.yml (300 users")
    assert scenarios[1].startswith("warm the app user cache (100 logins")
    assert [s for s in scenarios if s.startswith("push ")] == [
        "push 10 members (cache warm, the process's first push)",
        "push 40 members (cache warm)",
        "push 100 members (cache warm)",
        "push 10 members (cache warm, the process warm, median of 9 pushes)"]
    assert any(s.startswith("setup: push 8 groups of 5") for s in scenarios)
    assert any(s.startswith("sync 8 groups, 20% of memberships changed") for s in scenarios)
    assert any(s.startswith("drift check 8 groups") for s in scenarios)
    quiet = [r for r in rows if r.scenario.startswith("sync with nothing changed")]
    assert [r.figure for r in quiet][2] == "requests" and len(quiet) == 3
    assert quiet[-1].value == "0 / 0" and quiet[-1].verdict == "met"
    assert any(s.startswith("slash-command acks: 1 × 4 commands at once") for s in scenarios)
    assert any(s.startswith("Home tab: 12 pushed groups on one app") for s in scenarios)
    figures = {(r.scenario.split(" (")[0].split(",")[0], r.figure) for r in rows}
    for size in (10, 40, 100):
        for figure in ("requests", "wall", "floor: httpx replay", "peak RSS (VmHWM)"):
            assert (f"push {size} members", figure) in figures
    by_figure = {r.figure: r for r in rows}
    for figure in ("ack p50", "ack p99", "commands with no answer",
                   "commands sent while the push ran",
                   "concurrency (setting / in flight: engine, floor)",
                   "app group reads (GET /Groups…)"):
        assert figure in by_figure, figure
    assert by_figure["ack p99"].target == "< 300 ms"
    assert by_figure["publish a page max"].target == "< 1 s"
    assert by_figure["blocks per view (max)"].verdict == "met"
    for row in rows:
        assert row.scenario in table and row.value in table
        assert row.verdict in ("met", "missed", "")
        if row.target:
            assert row.verdict, row
    # what is exact whatever the speed: requests of the pushes, no app group read by the sync
    push_requests = [r for r in rows if r.scenario.startswith("push 100 ")
                     and r.figure == "requests"]
    assert push_requests[0].value.startswith("7 (1 GET /Groups, 5 PATCH /Groups/{id}, "
                                             "1 POST /Groups)")  # link-or-create: one lookup
    reads = [r for r in rows if r.figure.startswith("app group reads")]
    assert reads[0].value == "0" and reads[0].verdict == "met"
    drifted = [r for r in rows if r.figure == "groups drifted"]
    assert drifted[0].value == "0 (ok)"
    slow = [r for r in rows if r.scenario.startswith("slow app")]
    assert len({r.scenario for r in slow}) == 2
    verdicts = [r.verdict for r in slow if r.figure.startswith(("exit codes", "app groups"))]
    assert verdicts == ["met"] * 4
    answers = by_figure["answers posted after the acks (response_url)"]
    assert answers.value.startswith("4 of 4") and answers.verdict == "met"


def test_the_command_line_prints_the_table_and_writes_json(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "rows.json"
    code = main(["--users", "150", "--push-sizes", "10,20,30", "--groups", "4",
                 "--group-size", "3", "--changed", "0.5", "--batch", "10", "--commands", "3",
                 "--rounds", "1", "--slack-push", "50", "--json", str(out)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "push 30 members (cache warm)" in printed and "ack p99" in printed
    assert "targets met:" in printed
    rows = json.loads(out.read_text())
    assert {"scenario", "figure", "value", "target", "ratio", "verdict"} <= set(rows[0])


def test_bad_sizes_are_refused_with_the_reason(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--users", "10", "--push-sizes", "100"]) == 2
    assert "--users must be at least" in capsys.readouterr().err
