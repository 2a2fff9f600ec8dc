"""The scheduler is a surface like the others: its jobs run `sync APP` and `check APP` in the
executor as `scheduler` (system work, permitted whoever the operators are; the name alone
permits nothing) and publish their outcomes to the alerts channel and the log."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
import yaml

from engine.executor import run_line
from engine.hooks import HookSync
from engine.outcomes import AuditTrail, Refusal
from tests.slack.conftest import OPERATOR, Bot, small_directory
from tests.slack.standin import message_text
from tests.slack.teams import TEAMS, directory, in_app, people, pushed_teams, rewrite
from tests.slack.test_scheduler import alerts, pushed, scheduler_for


def dan_joins_sales(bot: Bot) -> None:
    directory = small_directory()
    directory["groups"][0]["members"].append("u-dan")
    bot.service.directory.path.write_text(yaml.safe_dump(directory))  # type: ignore[attr-defined]


@pytest.mark.parametrize("operators", [[], [OPERATOR]], ids=["no operators", "one operator"])
def test_a_scheduled_sync_pushes_whoever_the_operators_are(
        make_bot: Callable[..., Bot], operators: list[str]) -> None:
    def listed(config: dict[str, Any]) -> None:
        config["slack"]["operators"] = operators

    bot = make_bot(edit=listed)
    pushed(bot, "Sales")
    dan_joins_sales(bot)
    scheduler_for(bot).sync_job()
    assert "dan@acme.test" in bot.tenant.member_logins("Sales")


def test_the_name_scheduler_permits_nothing_only_the_scheduler_s_own_jobs_run(
        bot: Bot) -> None:
    pushed(bot, "Sales")
    dan_joins_sales(bot)
    reply = run_line(bot.service, "sync box", "scheduler")  # `exec --as scheduler sync box`
    assert isinstance(reply.outcome, Refusal) and not reply.outcome.usage
    assert "dan@acme.test" not in bot.tenant.member_logins("Sales")
    trail = run_line(bot.service, "audit", OPERATOR).outcome
    assert isinstance(trail, AuditTrail)
    assert [(e.actor, e.action) for e in trail.events][-1] == ("scheduler", "refused")

    scheduler_for(bot).sync_job()
    assert "dan@acme.test" in bot.tenant.member_logins("Sales")


def test_a_directory_that_cannot_be_read_fails_each_scheduled_sync_and_changes_nothing(
        bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    pushed(bot, "Sales")
    before = bot.tenant.member_logins("Sales")
    path = bot.service.directory.path  # type: ignore[attr-defined]
    path.write_text("groups: [unclosed\n")
    caplog.set_level(logging.ERROR, logger="bot.scheduler")
    jobs = scheduler_for(bot)

    jobs.sync_job()  # the executor's Failed outcome, published: the job goes on to wiki
    failed = [r.getMessage() for r in caplog.records if r.name == "bot.scheduler"]
    assert [line.split(":")[0] for line in failed] == ["scheduled `sync box`",
                                                       "scheduled `sync wiki`"], failed
    assert all(f"Failed: directory file {path}, line 1" in line for line in failed), failed
    assert jobs.ran["sync:box"] == jobs.ran["sync:wiki"] == 1
    assert bot.tenant.member_logins("Sales") == before
    assert alerts(bot) == []  # a failed directory read is the log's, as before

    dan_joins_sales(bot)
    jobs.sync_job()
    assert bot.tenant.member_logins("Sales") == before | {"dan@acme.test"}


def test_the_removals_a_sync_for_directory_events_held_are_posted_once(
        make_bot: Callable[..., Bot]) -> None:
    everyone = people(18)
    bot, path = pushed_teams(make_bot, everyone)
    config = bot.service.config
    bot.service.config = replace(config, safety=replace(
        config.safety, max_removals_per_sync=5, min_group_size=1, max_directory_loss=1.0))
    before = in_app(bot)
    rewrite(path, directory(everyone, keep_from=2))  # 6 go, a third of each team
    jobs = scheduler_for(bot)
    hooks = HookSync(bot.service, delay=3600, after=jobs.after_sync)
    try:
        assert hooks.receive([{"uuid": f"ev-{gid}", "eventType": "group.user_membership.remove",
                               "target": [{"type": "UserGroup", "id": gid}]}
                              for gid in TEAMS]) == 3
        report = hooks.flush()
    finally:
        hooks.stop()
    assert report is not None and len(report.held) == 1
    [request] = alerts(bot, "Approval needed")
    assert "remove 6 memberships in 3 groups on box" in message_text(request)
    assert in_app(bot) == before
    jobs.after_sync(report)  # told again: the pending request is not posted twice
    assert len(alerts(bot, "Approval needed")) == 1
