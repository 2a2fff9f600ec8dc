"""A scheduled sync after a directory read that lost most pushed groups, as Slack shows it:
one request in the alerts channel, posted once, saying what was lost; nothing removed; the
next whole read withdraws it by itself."""

from __future__ import annotations

from collections.abc import Callable

from engine.executor import run_line
from engine.outcomes import PendingRequests
from tests.slack.conftest import OPERATOR, Bot
from tests.slack.standin import message_text
from tests.slack.teams import directory, in_app, people, pushed_teams, rewrite
from tests.slack.test_scheduler import alerts, scheduler_for

PEOPLE = people(30)


def test_a_read_that_lost_most_groups_is_posted_once_and_released_by_a_whole_read(
        make_bot: Callable[..., Bot]) -> None:
    bot, path = pushed_teams(make_bot, PEOPLE)
    before = in_app(bot)
    rewrite(path, directory(PEOPLE, teams=1))  # Green and Blue gone from the read

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

    rewrite(path, directory(PEOPLE))  # whole again
    jobs.sync_job()
    assert in_app(bot) == before
    pending = run_line(bot.service, "requests", OPERATOR).outcome
    assert isinstance(pending, PendingRequests) and pending.requests == ()
