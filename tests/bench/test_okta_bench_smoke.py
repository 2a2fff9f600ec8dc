"""The Okta benchmark on a tiny org, so it cannot rot: every row is there, each target's
verdict given (speed is not asserted)."""

from __future__ import annotations

import pytest

from bench.okta_org import OrgSizes
from bench.okta_run import run

pytestmark = pytest.mark.slow


def test_every_okta_scenario_gives_its_rows() -> None:
    rows = run(OrgSizes(users=400, groups=40, pushed=6, app_users=200), 2, None,
               lambda _text: None)
    scenarios = list(dict.fromkeys(r.scenario for r in rows))
    assert scenarios[0].startswith("first full read of the org, nothing pushed (400 users, "
                                   "42 groups)")
    assert scenarios[1].startswith("restart of grouppush")
    for command in ('`push "Bench 100" to bench`', '`info "Bench 100" on bench`',
                    '`now "Bench 100" on bench`', "`list`", "`apps`", "`audit`", "`help`",
                    "`rule list`"):
        assert any(s.startswith(command) for s in scenarios), command
    assert any(s.startswith("full read with 6 groups pushed") for s in scenarios)
    assert any(s.startswith("sync of 6 pushed groups, nothing changed") for s in scenarios)
    assert any(s.startswith("sync after ") for s in scenarios)
    assert any(s.startswith("event hook delivery") for s in scenarios)
    targets = [r for r in rows if r.target]
    assert targets and all(r.verdict in ("met", "missed") for r in targets)
