"""A scheduled sync after a directory read that lost most pushed groups, as Slack shows it:
one request in the alerts channel, posted once, saying what was lost; nothing removed; the
next whole read withdraws it by itself."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import yaml

from engine.executor import run_line
from tests.slack.conftest import OPERATOR, Bot
from tests.slack.standin import message_text
from tests.slack.test_scheduler import alerts, scheduler_for

PEOPLE = [f"p{i:02d}" for i in range(30)]
TEAMS = {"g-red": "Red", "g-green": "Green", "g-blue": "Blue"}


def directory(teams: int = 3) -> dict[str, Any]:
    """Three teams of ten (or only the first `teams` of them)."""
    users = [{"id": p, "login": f"{p}@acme.test", "status": "ACTIVE"} for p in PEOPLE]
    groups = [{"id": gid, "name": name, "members": PEOPLE[i * 10:(i + 1) * 10]}
              for i, (gid, name) in enumerate(TEAMS.items())]
    return {"users": users, "groups": groups[:teams]}


def in_app(bot: Bot) -> dict[str, set[str]]:
    return {name: bot.tenant.member_logins(name) for name in TEAMS.values()}


def test_a_read_that_lost_most_groups_is_posted_once_and_released_by_a_whole_read(
        make_bot: Callable[..., Bot]) -> None:
    bot = make_bot(directory(), [f"{p}@acme.test" for p in PEOPLE])
    for name in TEAMS.values():
        assert run_line(bot.service, f"push {name} to box", OPERATOR).ok
    before = in_app(bot)
    path = bot.service.directory.path  # type: ignore[attr-defined]
    path.write_text(yaml.safe_dump(directory(teams=1)))  # Green and Blue gone from the read

    jobs = scheduler_for(bot)
    jobs.sync_job()
    [request] = alerts(bot, "Approval needed")
    text = message_text(request)
    assert "trust a directory read that lost more than safety.max_directory_loss" in text, text
    assert "it lost 2 of 3 pushed groups (Blue, Green)" in text
    assert "Blue: gone from the read" in text
    assert in_app(bot) == before
    assert not alerts(bot, "no longer in the directory")  # held, not two failures told
    jobs.sync_job()
    assert len(alerts(bot, "Approval needed")) == 1  # pending: not posted again

    path.write_text(yaml.safe_dump(directory()))  # whole again
    jobs.sync_job()
    assert in_app(bot) == before
    assert run_line(bot.service, "requests", OPERATOR).data["requests"] == []
