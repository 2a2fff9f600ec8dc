"""Three teams pushed to box, the set-up of the Slack tests of the sync's guards (the
directory-loss guard, the removal limit)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from engine.executor import run_line
from tests.slack.conftest import OPERATOR, Bot

TEAMS = {"g-red": "Red", "g-green": "Green", "g-blue": "Blue"}


def people(count: int) -> list[str]:
    """p00, p01, ... : the directory's users, a third of them in each team."""
    return [f"p{i:02d}" for i in range(count)]


def directory(everyone: list[str], *, teams: int = 3, keep_from: int = 0) -> dict[str, Any]:
    """The teams, each a third of `everyone` in order, keeping its members from `keep_from`
    on; only the first `teams` of them are in the read."""
    size = len(everyone) // len(TEAMS)
    users = [{"id": p, "login": f"{p}@acme.test", "status": "ACTIVE"} for p in everyone]
    groups = [{"id": gid, "name": name, "members": everyone[i * size:(i + 1) * size][keep_from:]}
              for i, (gid, name) in enumerate(TEAMS.items())]
    return {"users": users, "groups": groups[:teams]}


def in_app(bot: Bot) -> dict[str, set[str]]:
    """Each team's members in the app."""
    return {name: bot.tenant.member_logins(name) for name in TEAMS.values()}


def pushed_teams(make_bot: Callable[..., Bot], everyone: list[str]) -> tuple[Bot, Path]:
    """A bot whose operator pushed the three teams, and its directory file (to rewrite)."""
    bot = make_bot(directory(everyone), [f"{p}@acme.test" for p in everyone])
    for name in TEAMS.values():
        assert run_line(bot.service, f"push {name} to box", OPERATOR).ok
    return bot, bot.service.directory.path  # type: ignore[attr-defined]


def rewrite(path: Path, read: dict[str, Any]) -> None:
    """The directory file now holds this read."""
    path.write_text(yaml.safe_dump(read))
