"""The HTTP surface: signatures, Slack's retries, and acking big work at once."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

from storage import repo
from tests.slack.conftest import CHANNEL, OPERATOR, Bot
from tests.slack.standin import message_text


def test_bad_signature_is_refused_and_runs_nothing(bot: Bot) -> None:
    response = bot.command("push Sales to box", secret="not-the-secret")
    assert response.status_code == 401
    body = bot.command_body("push Sales to box")
    unsigned = httpx.post(bot.url, content=body, headers={
        "Content-Type": "application/x-www-form-urlencoded"})
    assert unsigned.status_code == 401
    bot.slack.quiet()
    assert bot.slack.called() == []
    assert "Sales" not in bot.tenant.groups()


def test_stale_timestamp_is_refused(bot: Bot) -> None:
    stale = int(time.time()) - 6 * 60
    response = bot.command("push Sales to box", timestamp=stale)
    assert response.status_code == 401
    fresh = bot.command("help", timestamp=int(time.time()) - 60)
    assert fresh.status_code == 200
    bot.slack.wait_for("response_url")
    assert [c.method for c in bot.slack.called()] == ["response_url"]


def test_other_paths_are_not_found(bot: Bot) -> None:
    assert httpx.get(bot.url).status_code == 404
    assert httpx.post(bot.url.replace("/slack/events", "/other"), content=b"").status_code == 404


def test_a_retried_command_runs_once(bot: Bot) -> None:
    body = bot.command_body("push Sales to box")
    first = bot.post(body, "application/x-www-form-urlencoded")
    retry = bot.post(body, "application/x-www-form-urlencoded",
                     headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    assert (first.status_code, retry.status_code) == (200, 200)
    bot.slack.wait_for("chat.update", lambda c: "Pushed Sales" in message_text(c))
    bot.slack.quiet(0.5)
    assert len(bot.slack.called("chat.postMessage")) == 1
    assert bot.tenant.group_count("Sales") == 1
    with bot.service.db.session() as session:
        pushes = [e for e in repo.recent_audit(session, 50) if e.action == "push"]
    assert len(pushes) == 1


def test_a_retried_event_is_handled_once(bot: Bot) -> None:
    event = {"type": "app_home_opened", "user": OPERATOR, "channel": "D0OPS", "tab": "home",
             "event_ts": f"{time.time():.6f}"}
    assert bot.event(event, event_id="Ev42").status_code == 200
    assert bot.event(event, event_id="Ev42", headers={"X-Slack-Retry-Num": "2"}).status_code \
        == 200
    bot.slack.wait_for("views.publish")
    bot.slack.quiet(0.5)
    assert len(bot.slack.called("views.publish")) == 1


def big_directory(size: int) -> dict[str, Any]:
    users = [{"id": f"u{i:05d}", "login": f"user{i:05d}@acme.test", "status": "ACTIVE"}
             for i in range(size)]
    return {"users": users,
            "groups": [{"id": "g-all", "name": "Everyone", "members": [u["id"] for u in users]}]}


def test_a_push_of_ten_thousand_members_is_acked_at_once(
        make_bot: Callable[..., Bot]) -> None:
    bot = make_bot(big_directory(10_000), app_users=[f"user{i:05d}@acme.test" for i in range(300)])
    started = time.perf_counter()
    response = bot.command("push Everyone to box")
    acked = time.perf_counter() - started
    print(f"\nack of a 10,000-member push: {acked * 1000:.1f} ms")
    assert response.status_code == 200 and response.text == ""
    assert acked < 3.0  # Slack's ack window; the speed itself is measured in bench/
    working = bot.slack.wait_for("chat.postMessage")
    assert working.args["channel"] == CHANNEL
    assert "working..." in message_text(working)
    done = bot.slack.wait_for("chat.update", lambda c: "Pushed Everyone" in message_text(c),
                              timeout=60)
    assert done.args["ts"] == "1700000000.000001"
    text = message_text(done)
    assert "pushed 300 members" in text and "Skipped 9700 not in the app" in text
    progress = [message_text(c) for c in bot.slack.called("chat.update")
                if "members pushed" in message_text(c)]
    assert progress and "300 of 300 members pushed (100%)" in progress[-1]
    assert "100 of 300 members pushed (33%)" in progress[0]
    assert len(bot.tenant.member_logins("Everyone")) == 300
