"""A scheduled sync over safety.max_removals_per_sync, as Slack shows it: one request in the
alerts channel, posted once, and its Approve button removing exactly what it showed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from tests.slack.conftest import APPROVER, Bot
from tests.slack.standin import message_text
from tests.slack.teams import TEAMS, directory, in_app, people, pushed_teams, rewrite
from tests.slack.test_scheduler import ALERTS, alerts, scheduler_for

PEOPLE = people(18)


def test_a_sync_over_the_limit_posts_one_request_once_and_approve_removes_it(
        make_bot: Callable[..., Bot]) -> None:
    bot, path = pushed_teams(make_bot, PEOPLE)
    config = bot.service.config
    bot.service.config = replace(config, safety=replace(
        config.safety, max_removals_per_sync=5, min_group_size=1,
        max_directory_loss=1.0))  # a third of every team: the directory-loss guard is off
    before = in_app(bot)
    rewrite(path, directory(PEOPLE, keep_from=2))  # 6 go, a third of each team

    jobs = scheduler_for(bot)
    jobs.sync_job()
    [request] = alerts(bot, "Approval needed")
    text = message_text(request)
    assert "asks to let the sync remove 6 memberships in 3 groups on box" in text, text
    assert "(more than safety.max_removals_per_sync, 5)" in text
    assert "Blue on box: remove 2: p12@acme.test, p13@acme.test" in text
    approve = request.args["blocks"][-1]["elements"][0]
    assert approve["text"]["text"] == "Approve"
    assert in_app(bot) == before  # nothing removed yet
    jobs.sync_job()
    assert len(alerts(bot, "Approval needed")) == 1  # pending: not posted again

    bot.click(approve["action_id"], approve["value"], APPROVER, channel=ALERTS,
              message_ts=request.result["ts"])
    update = bot.slack.wait_for("chat.update", lambda c: c.args["ts"] == request.result["ts"])
    assert "Approved" in message_text(update)
    assert "removed 6 memberships in 3 groups" in message_text(update)
    assert in_app(bot) == {name: {f"{p}@acme.test" for p in PEOPLE[i * 6 + 2:(i + 1) * 6]}
                           for i, name in enumerate(TEAMS.values())}
