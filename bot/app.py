"""The Slack app served: Socket Mode or HTTP, with the worker process behind the front."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from collections.abc import Mapping
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_bolt import App, BoltRequest
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.error import BoltError
from slack_sdk.webhook import WebhookClient

from bot import health, slack_start
from bot.bolt import build_app
from bot.guard import guard_slack, limit_body
from bot.metrics import metrics_app
from bot.okta_hook import hook_routes
from bot.views.replies import answer
from bot.views.text import unescape_command
from bot.web import Router, WsgiApp
from bot.worker import Payload, Worker, WorkerRunner
from engine.core import Reply
from engine.outcomes import Failed
from engine.service import GroupPushService

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    request_queue_size = 128  # wsgiref's 5 drops connections when many people type at once


class _LoggingHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Access lines go to the log at debug level, not to stderr."""
        log.debug("%s " + format, self.address_string(), *args)


def http_server(app: App, host: str, port: int,
                routes: Mapping[str, WsgiApp] | None = None) -> WSGIServer:
    """A threaded HTTP server answering Slack at /slack/events, and each of `routes` at its
    path (call serve_forever on it)."""
    slack = guard_slack(SlackRequestHandler(app, path=EVENTS_PATH), app._signing_secret,
                        EVENTS_PATH)
    return route_server(host, port, {EVENTS_PATH: slack, **(routes or {})})


def route_server(host: str, port: int, routes: Mapping[str, WsgiApp] | Router) -> WSGIServer:
    """A threaded HTTP server answering each of `routes` at its path (bodies over the limit
    refused unread); a Router given may gain paths while it serves."""
    router = routes if isinstance(routes, Router) else Router(routes)
    return make_server(host, port, limit_body(router), server_class=_Server,
                       handler_class=_LoggingHandler)


def operator_routes(service: GroupPushService, worker: Worker,
                    slack: health.Check) -> dict[str, WsgiApp]:
    """/healthz, /readyz (database, worker, Slack), /metrics, and with an Okta event hook
    secret /okta/events (its deliveries handed to the worker)."""
    readiness = health.Readiness({"database": health.database_check(service.db),
                                  "worker": health.worker_check(lambda: worker.state),
                                  "slack": slack})
    return {**health.routes(readiness, metrics_app(service.db, list(service.apps))),
            **hook_routes(service.config.directory, worker.submit)}


def tell_lost(payload: Payload) -> None:
    """Tell the person whose command or click a dead worker left unfinished, where Slack
    gave a response_url to answer on (commands and message buttons)."""
    if payload.get("kind") == "okta-events":
        log.warning("a worker that stopped left directory events unsynced; the next delta "
                    "sync catches them up")
        return
    body = BoltRequest(body=payload["body"], headers=payload["headers"],
                       mode=payload["mode"]).body
    url = body.get("response_url") or next(
        (u.get("response_url") for u in body.get("response_urls") or []), None)
    if not url:
        log.warning("a worker that stopped left a %s unfinished", body.get("type", "request"))
        return
    what = (f"/grouppush {unescape_command(str(body.get('text', '')))}" if body.get("command")
            else "your click")
    reply = Reply.of(Failed(f"grouppush's worker stopped while it ran {what}, so it may have "
                            "stopped part-way. A push cut short carries on at the next sync; "
                            "run it again to see where it stands."))
    try:
        WebhookClient(url).send(response_type="ephemeral", **answer(reply))
    except Exception:  # Slack away: the log is all that is left
        log.exception("could not tell about a run the worker left unfinished")


def _stop_on_sigterm() -> None:
    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, stop)


def serve(service: GroupPushService, host: str, port: int,
          config_path: str | None = None, health_port: int | None = None) -> int:
    """Run the bot: Socket Mode when SLACK_APP_TOKEN is set, else HTTP on host:port.

    /healthz, /readyz and /metrics are served from the start (while Slack cannot be reached
    /readyz names it), next to /slack/events, or in Socket Mode on host:health_port (default:
    port). This process acks; the work behind each ack and the scheduler run in a worker
    process built from the same configuration file (config_path, else as service_from_env
    finds it), started once Slack answers.
    """
    missing = slack_start.missing_settings()
    if missing:
        print(f"grouppush: {missing}", file=sys.stderr)
        return 2
    _stop_on_sigterm()
    worker = Worker(config_path, on_lost=tell_lost)
    app_token = os.environ.get("SLACK_APP_TOKEN")
    state = slack_start.SlackState()
    router = Router(operator_routes(service, worker, state))
    listen = (health_port or port) if app_token else port
    try:
        server = route_server(host, listen, router)
    except OSError as error:
        print(f"grouppush: cannot listen on {host}:{listen}: {error.strerror or error}; is "
              f"another grouppush running there? Choose another port with "
              f"{'--health-port' if app_token and health_port else '--port'}.", file=sys.stderr)
        return 1
    serving = threading.Thread(target=server.serve_forever, name="grouppush-http", daemon=True)
    serving.start()
    print(f"grouppush: health at http://{host}:{server.server_port}/healthz", file=sys.stderr,
          flush=True)
    try:
        app = slack_start.build_when_slack_answers(
            lambda: build_app(service, lazy_runner=WorkerRunner(worker)), state)
        worker.start()
        print(f"grouppush: worker process {worker.pid} runs the commands' work and the "
              "scheduler", file=sys.stderr, flush=True)
        if app_token:
            _serve_socket_mode(app, app_token, state)
        else:
            state.check = health.slack_api_check(app.client.auth_test)
            router.routes[EVENTS_PATH] = guard_slack(SlackRequestHandler(app, path=EVENTS_PATH),
                                                     app._signing_secret)
            print(f"grouppush: listening on http://{host}:{server.server_port}{EVENTS_PATH}",
                  file=sys.stderr, flush=True)
            serving.join()
    except BoltError as error:  # Slack answered no: a bad or revoked token
        print(f"grouppush: cannot start the Slack app: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
        server.server_close()
        worker.stop()
    return 0


def _serve_socket_mode(app: App, app_token: str, state: slack_start.SlackState) -> None:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    handler = SocketModeHandler(app, app_token)
    state.check = health.socket_check(handler.client.is_connected)
    try:
        slack_start.connect_socket(handler.connect)
        print("grouppush: connected to Slack by Socket Mode", file=sys.stderr, flush=True)
        threading.Event().wait()
    finally:
        handler.close()  # no more acks for work the stopping worker would not run
