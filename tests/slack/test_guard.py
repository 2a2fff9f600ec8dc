"""The front's guards: signed-but-malformed requests get 400/401 (never 500), bodies over the
limit get 413 unread, and a command longer than Slack allows is refused with a reply."""

from __future__ import annotations

import json
import socket
import time
from urllib.parse import urlencode, urlsplit

import httpx
import pytest

from bot.guard import MAX_BODY, MAX_COMMAND_TEXT
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
