"""Reaching Slack when `grouppush run` starts: every missing setting at once, the setting Slack
refused named, and while Slack cannot be reached one line per try (not the SDK's own)."""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from slack_bolt import App
from slack_bolt.error import BoltError
from slack_sdk.errors import SlackApiError

from bot.health import NotReady

START_RETRY_PAUSE = 1.0
MAX_START_RETRY_PAUSE = 60.0
"""Seconds between tries to reach Slack at start: doubling from the first to the longest."""
REFUSALS = ("invalid_auth", "not_authed", "token_revoked", "token_expired",
            "account_inactive", "not_allowed_token_type")


def missing_settings() -> str:
    """Every Slack setting `run` needs and does not have, in one sentence, or ""."""
    missing = []
    if not os.environ.get("SLACK_BOT_TOKEN"):
        missing.append("SLACK_BOT_TOKEN (the bot token, xoxb-...)")
    if not os.environ.get("SLACK_APP_TOKEN") and not os.environ.get("SLACK_SIGNING_SECRET"):
        missing.append("SLACK_SIGNING_SECRET (HTTP) or SLACK_APP_TOKEN (Socket Mode, xapp-...)")
    if not missing:
        return ""
    return f"set {' and '.join(missing)}; docs/slack.md shows where Slack shows them"


def refused(setting: str, error: Exception) -> str:
    """Slack's refusal of a token, naming the setting that holds it (never its value)."""
    text = str(error)
    code = next((c for c in REFUSALS if c in text), "refused")
    where = ("the Bot User OAuth Token on the Slack app's OAuth & Permissions page"
             if setting == "SLACK_BOT_TOKEN" else
             "an app-level token with connections:write on the app's Basic Information page")
    return f"Slack refused {setting} ({code}); set it to {where}"


class SlackState:
    """/readyz's Slack part: not ready, with the reason, until Slack has answered; then the
    check of the running app."""

    def __init__(self) -> None:
        self.reason = "grouppush is connecting to Slack"
        self.check: Callable[[], str] | None = None

    def __call__(self) -> str:
        """Say how Slack is, or raise NotReady naming Slack."""
        if self.check is None:
            raise NotReady(f"Slack not reached yet: {self.reason}")
        return self.check()


@contextmanager
def _sdk_quiet() -> Iterator[None]:
    """While grouppush says it cannot reach Slack, the SDK need not say it too."""
    sdk = logging.getLogger("slack_sdk")
    level = sdk.level
    sdk.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        sdk.setLevel(level)


def build_when_slack_answers(build: Callable[[], App], state: SlackState) -> App:
    """The Bolt app, once Slack's Web API answers its auth.test: while Slack cannot be
    reached, say so and try again, waiting twice as long each time (up to a minute).
    BoltError: Slack answered and refused the bot token."""
    pause, first = START_RETRY_PAUSE, True
    with _sdk_quiet():
        while True:
            try:
                return build()
            except BoltError as error:
                raise BoltError(refused("SLACK_BOT_TOKEN", error)) from None
            except OSError as error:  # URLError and the socket errors under it: no answer
                reason = getattr(error, "reason", None) or error.strerror or type(error).__name__
                state.reason = f"cannot reach Slack's Web API ({reason})"
                where = os.environ.get("SLACK_API_URL") or "https://slack.com/api/"
                hint = (f" at {where}: check the network, a proxy (HTTPS_PROXY) and "
                        "SLACK_API_URL;" if first else ";")
                print(f"grouppush: cannot reach Slack's Web API ({reason}){hint} trying again "
                      f"in {pause:.0f} s", file=sys.stderr, flush=True)
                first = False
                time.sleep(pause)
                pause = min(pause * 2, MAX_START_RETRY_PAUSE)


def connect_socket(connect: Callable[[], None]) -> None:
    """Open the Socket Mode connection; BoltError naming SLACK_APP_TOKEN when Slack refuses it."""
    try:
        connect()
    except SlackApiError as error:
        raise BoltError(refused("SLACK_APP_TOKEN", error)) from None
