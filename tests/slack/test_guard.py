"""The front's guards: signed-but-malformed requests get 400/401 (never 500), bodies over the
limit get 413 unread, and a command longer than Slack allows is refused with a reply."""

from __future__ import annotations

import json
import logging
import socket
import time
from urllib.parse import urlencode, urlsplit

import httpx
import pytest
from prometheus_client import REGISTRY

from bot.guard import MAX_BODY, MAX_COMMAND_TEXT
from bot.refused import REFUSALS, RefusalLog
from tests.slack.conftest import Bot, sign

FORM = "application/x-www-form-urlencoded"


def signed(bot: Bot, body: bytes, content_type: str, timestamp: str) -> httpx.Response:
    return bot.http.post(bot.url, content=body, headers={
        "Content-Type": content_type, "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": sign(body, timestamp)})  # type: ignore[arg-type]


@pytest.mark.parametrize(("body", "content_type", "status"), [
    (urlencode({"payload": "[1, 2]"}).encode(), FORM, 400),
    (urlencode({"payload": "not json"}).encode(), FORM, 400),
    (b'{"type": "event_callback", ', "application/json", 400),
    (b'["a list"]', "application/json", 400),
    (b"\xff\xfe", FORM, 400),
])
def test_a_signed_body_bolt_cannot_parse_is_a_400(bot: Bot, body: bytes, content_type: str,
                                                  status: int) -> None:
    answer = signed(bot, body, content_type, str(int(time.time())))
    assert answer.status_code == status, answer.text
    assert bot.slack.called() == []


@pytest.mark.parametrize("timestamp", ["1e9", "now", "17.5", ""])
def test_a_timestamp_that_is_no_number_is_a_401(bot: Bot, timestamp: str) -> None:
    body = bot.command_body("push Sales to box")
    assert signed(bot, body, FORM, timestamp).status_code == 401
    assert "Sales" not in bot.tenant.groups()


def test_a_body_over_the_limit_is_refused_before_it_is_read(bot: Bot) -> None:
    url = urlsplit(bot.url)
    with socket.create_connection((url.hostname, url.port), timeout=10) as conn:
        conn.sendall(f"POST {url.path} HTTP/1.1\r\nHost: x\r\nContent-Type: {FORM}\r\n"
                     f"Content-Length: {30 * MAX_BODY}\r\n\r\n".encode() + b"x" * 1000)
        head = conn.recv(200).decode()  # answered with 29 MB still unsent
    assert head.startswith("HTTP/1.0 413") or head.startswith("HTTP/1.1 413"), head


def test_a_command_longer_than_slack_allows_is_answered_and_not_run(bot: Bot) -> None:
    text = "push Sales to box " + "x" * MAX_COMMAND_TEXT
    answer = bot.command(text)
    assert answer.status_code == 200
    assert "characters long" in answer.json()["text"] and "Nothing was run" in answer.json()["text"]
    assert bot.tenant.groups() == {}
    assert json.dumps(answer.json()).count("x" * 50) == 0  # the text is not echoed back


def test_an_ordinary_command_still_runs(bot: Bot) -> None:
    assert bot.command("help").status_code == 200


def refused_count(endpoint: str, reason: str) -> float:
    return REGISTRY.get_sample_value("grouppush_refused_requests_total",
                                     {"endpoint": endpoint, "reason": reason}) or 0.0


def test_refused_slack_requests_are_counted_by_reason_and_logged_at_warning(
        bot: Bot, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(REFUSALS, "_seen", {})  # not told yet by the tests before
    caplog.set_level(logging.WARNING, logger="bot.refused")
    reasons = ["bad_signature", "stale_timestamp", "missing_headers"]
    before = {r: refused_count("/slack/events", r) for r in reasons}
    body = bot.command_body("push Sales to box")
    now = str(int(time.time()))
    for _ in range(3):  # a forged signature, three times within the minute
        assert bot.http.post(bot.url, content=body, headers={
            "Content-Type": FORM, "X-Slack-Request-Timestamp": now,
            "X-Slack-Signature": "v0=" + "0" * 64}).status_code == 401
    stale = str(int(time.time()) - 3600)
    assert signed(bot, body, FORM, stale).status_code == 401
    assert bot.http.post(bot.url, content=body,
                         headers={"Content-Type": FORM}).status_code == 401
    assert {r: refused_count("/slack/events", r) - before[r] for r in reasons} == {
        "bad_signature": 3, "stale_timestamp": 1, "missing_headers": 1}
    lines = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert lines.count("refused 1 request to /slack/events from 127.0.0.1: bad signature") == 1
    assert sum("bad signature" in line for line in lines) == 1  # once a minute, not three
    assert any("stale timestamp" in line for line in lines)
    assert any("missing headers" in line for line in lines)
    assert "Sales" not in bot.tenant.groups()


def test_a_refusal_is_told_once_a_minute_per_reason_and_source_with_a_count(
        caplog: pytest.LogCaptureFixture) -> None:
    now = [1000.0]
    log = RefusalLog(clock=lambda: now[0])
    caplog.set_level(logging.WARNING, logger="bot.refused")
    here, there = {"REMOTE_ADDR": "10.0.0.1"}, {"REMOTE_ADDR": "10.0.0.2"}
    for _ in range(4):
        log.refused("/okta/events", "wrong_secret", here)
    log.refused("/okta/events", "wrong_secret", there)
    log.refused("/okta/events", "malformed_body", here)
    now[0] += 61
    log.refused("/okta/events", "wrong_secret", here)
    assert [r.getMessage() for r in caplog.records] == [
        "refused 1 request to /okta/events from 10.0.0.1: wrong secret",
        "refused 1 request to /okta/events from 10.0.0.2: wrong secret",
        "refused 1 request to /okta/events from 10.0.0.1: malformed body",
        "refused 4 requests to /okta/events from 10.0.0.1: wrong secret",  # 3 untold + this
    ]


@pytest.mark.parametrize("payload", [
    '{"type": "block_actions", "actions": "x"}',
    '{"type": "view_submission", "view": "x"}',
    '{"type": "block_actions", "user": {"id": "U0OPERATOR"}, "actions": [5]}',
    '{"type": "view_submission", "view": {"state": {"values": 5}}}',
    "[" * 100_000,
    '{"a": ' * 50_000 + "1" + "}" * 50_000,
])
def test_a_signed_payload_of_an_odd_shape_is_a_400_and_changes_nothing(
        bot: Bot, payload: str) -> None:
    before = refused_count("/slack/events", "malformed_body")
    answer = signed(bot, urlencode({"payload": payload}).encode(), FORM, str(int(time.time())))
    assert answer.status_code == 400, answer.text
    assert refused_count("/slack/events", "malformed_body") == before + 1
    assert bot.slack.called() == [] and bot.tenant.groups() == {}
