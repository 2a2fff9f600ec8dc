"""The Slack app: Bolt with grouppush's listeners, served by Socket Mode or HTTP."""

from __future__ import annotations

import importlib
import importlib.util
import logging
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.error import BoltError
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_sdk import WebClient

from bot.listeners import Services, register_all
from engine.service import GroupPushService

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
LISTENER_THREADS = 32
"""Threads for Bolt's listeners: acks never wait behind long work, up to this many at once."""


def build_app(service: GroupPushService, *, token: str | None = None,
              signing_secret: str | None = None, api_url: str | None = None,
              services: Services | None = None) -> App:
    """A Bolt app with every grouppush listener (token, secret and API URL default to env)."""
    token = token or os.environ.get("SLACK_BOT_TOKEN")
    if not token:
        raise ValueError("SLACK_BOT_TOKEN is not set (the bot token, xoxb-...)")
    signing_secret = signing_secret or os.environ.get("SLACK_SIGNING_SECRET", "")
    api_url = api_url or os.environ.get("SLACK_API_URL")
    client = WebClient(token=token, base_url=api_url.rstrip("/") + "/") if api_url \
        else WebClient(token=token)
    app = App(signing_secret=signing_secret, client=client, name="grouppush",
              listener_executor=ThreadPoolExecutor(LISTENER_THREADS, "grouppush-slack"))
    register_all(app, services or Services(service))
    return app


class _NoTokenNotice(logging.Filter):
    """Bolt warns that SLACK_BOT_TOKEN is unused when a client is given; it is the client's."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_client_prioritized_and_token_skipped()


logging.getLogger("slack_bolt.App").addFilter(_NoTokenNotice())


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    request_queue_size = 128  # wsgiref's 5 drops connections when many people type at once


class _LoggingHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Access lines go to the log at debug level, not to stderr."""
        log.debug("%s " + format, self.address_string(), *args)


def http_server(app: App, host: str, port: int) -> WSGIServer:
    """A threaded HTTP server answering Slack at /slack/events (call serve_forever on it)."""
    return make_server(host, port, SlackRequestHandler(app, path=EVENTS_PATH),
                       server_class=_Server, handler_class=_LoggingHandler)


def background_jobs(service: GroupPushService, app: App) -> None:
    """The scheduler's hook: calls bot.scheduler.start_scheduler(service, app) if it exists."""
    if importlib.util.find_spec("bot.scheduler") is None:
        return
    scheduler = importlib.import_module("bot.scheduler")
    start = getattr(scheduler, "start_scheduler", None)
    if start is not None:
        start(service, app)


def serve(service: GroupPushService, host: str, port: int) -> int:
    """Run the bot: Socket Mode when SLACK_APP_TOKEN is set, else HTTP on host:port."""
    if not os.environ.get("SLACK_APP_TOKEN") and not os.environ.get("SLACK_SIGNING_SECRET"):
        print("grouppush: set SLACK_SIGNING_SECRET (HTTP) or SLACK_APP_TOKEN (Socket Mode)",
              file=sys.stderr)
        return 2
    try:
        app = build_app(service)
    except ValueError as error:
        print(f"grouppush: {error}", file=sys.stderr)
        return 2
    except BoltError as error:  # auth.test failed: a bad token, or Slack unreachable
        print(f"grouppush: cannot start the Slack app: {error}", file=sys.stderr)
        return 1
    background_jobs(service, app)
    app_token = os.environ.get("SLACK_APP_TOKEN")
    if app_token:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        print("grouppush: connected to Slack by Socket Mode", file=sys.stderr, flush=True)
        SocketModeHandler(app, app_token).start()
        return 0
    server = http_server(app, host, port)
    print(f"grouppush: listening on http://{host}:{server.server_port}{EVENTS_PATH}",
          file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
