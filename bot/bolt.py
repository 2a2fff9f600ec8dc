"""The Bolt app: every grouppush listener on one Slack Bolt App (the front's and the
worker's alike)."""

from __future__ import annotations

import logging
import os
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App
from slack_bolt.lazy_listener import LazyListenerRunner
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_sdk import WebClient

from bot.listeners import Services, register_all
from bot.metrics import time_acks
from connectors import secrets
from engine.service import GroupPushService

LISTENER_THREADS = 32
"""Threads for Bolt's listeners: acks never wait behind long work, up to this many at once."""


def build_app(service: GroupPushService, *, token: str | None = None,
              signing_secret: str | None = None, api_url: str | None = None,
              services: Services | None = None, lazy_runner: LazyListenerRunner | None = None,
              verify: bool = True) -> App:
    """A Bolt app with every grouppush listener (token, secret and API URL default to env).

    With a lazy runner (the front's, handing them to the worker process), acks are sent from
    the request's thread and every lazy listener runs there; without one, lazy listeners run
    on this process's threads.
    `verify=False` is for the worker, which gets only requests the front has verified.
    """
    token = token or os.environ.get("SLACK_BOT_TOKEN")
    if not token:
        raise ValueError("SLACK_BOT_TOKEN is not set (the bot token, xoxb-...)")
    signing_secret = signing_secret or os.environ.get("SLACK_SIGNING_SECRET", "")
    secrets.register(token, signing_secret)  # never shown, wherever they came from
    api_url = api_url or os.environ.get("SLACK_API_URL")
    client = WebClient(token=token, base_url=api_url.rstrip("/") + "/") if api_url \
        else WebClient(token=token)
    app = App(signing_secret=signing_secret, client=client, name="grouppush",
              request_verification_enabled=verify,
              process_before_response=lazy_runner is not None,
              listener_executor=ThreadPoolExecutor(LISTENER_THREADS, "grouppush-slack"))
    if lazy_runner is not None:
        app.listener_runner.lazy_listener_runner = lazy_runner
    app.use(time_acks)
    register_all(app, services or Services(service))
    return app


class _NoTokenNotice(logging.Filter):
    """Bolt warns that SLACK_BOT_TOKEN is unused when a client is given; it is the client's."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_client_prioritized_and_token_skipped()


logging.getLogger("slack_bolt.App").addFilter(_NoTokenNotice())
