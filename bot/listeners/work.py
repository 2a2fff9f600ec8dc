"""Running one /grouppush command for Slack: who sees the answer, and long work with progress."""

from __future__ import annotations

import logging
import shlex

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.alerts import Alerter
from bot.commands import HELP, UsageError, parse
from bot.handlers import handle
from bot.listeners.context import Services
from bot.listeners.conversation import Conversation, ProgressMessage
from bot.views.approvals import decided_message, request_message
from bot.views.replies import answer, help_message, result, working
from engine import requests
from engine.pusher import Refused
from engine.results import Reply

log = logging.getLogger(__name__)

READS = {"apps", "list", "search", "info", "rule list", "audit"}
"""Read-only answers: shown only to the person who asked."""
LONG = {"push", "now", "sync", "check", "activate", "repush", "bulk deactivate", "rule add"}
"""Work that may take long: a working message first, updated with progress and the result."""
ASKS = {"unlink", "bulk delete"}
"""Changes that need approval: a request message with Approve and Deny."""


def join_command(*words: str) -> str:
    """A command line from words, each quoted as the grammar reads it back."""
    return shlex.join(words)


def run_command(services: Services, conv: Conversation, text: str) -> None:
    """Run a command typed (or built by a dialog) by conv.user, and answer where it belongs."""
    try:
        verb = parse(text).verb
    except UsageError as error:
        conv.tell(answer(Reply(False, str(error), status="usage")))
        return
    if verb == "help":
        conv.tell(help_message(HELP))
    elif verb in READS:
        conv.tell(answer(handle(services.service, text, conv.user, channel=conv.channel)))
    elif verb in LONG:
        run_long(services, conv, text, verb)
    else:
        reply = handle(services.service, text, conv.user, channel=conv.channel)
        publish(services, conv, text, verb, reply)


def run_long(services: Services, conv: Conversation, text: str, verb: str) -> None:
    """Post "working...", run with progress, then show the result in the same message."""
    if verb != "check":
        try:
            services.service.require_operator(conv.user)
        except Refused as refusal:
            conv.tell(answer(Reply.refused(str(refusal))))
            return
    ts = conv.post(working(conv.user, text))
    progress = ProgressMessage(conv, ts, text, services.progress_interval)
    try:
        reply = handle(services.service, text, conv.user, channel=conv.channel,
                       progress=progress)
    except Exception:  # the working message must never be left saying "working..."
        log.exception("/grouppush %s failed", text)
        reply = Reply.failed("Failed unexpectedly; the bot's log has the details.")
    if reply.status in ("refused", "usage"):
        if ts is not None:
            conv.remove(ts)
        conv.tell(answer(reply))
    elif ts is not None:
        conv.update(ts, result(reply, conv.user, text))
    else:
        conv.post(result(reply, conv.user, text))
    post_requests(services, conv, [str(i) for i in reply.data.get("held") or []])
    alerter = Alerter(conv.client, services.service)
    if verb == "check":
        alerter.after_check()
    alerter.after_push_errors()


def publish(services: Services, conv: Conversation, text: str, verb: str,
            reply: Reply) -> None:
    """A quick change's answer: refusals to the person, results (and requests) to the channel."""
    if reply.status in ("refused", "usage"):
        conv.tell(answer(reply))
        return
    approval = reply.data.get("approval")
    if verb in ASKS and reply.ok and isinstance(approval, dict):
        post_requests(services, conv, [str(approval["id"])])
        return
    conv.post(result(reply, conv.user, text))
    if verb in ("approve", "deny") and isinstance(approval, dict):
        show_decision(services, conv.client, approval)


def post_requests(services: Services, conv: Conversation, request_ids: list[str]) -> None:
    """Post pending requests (asked, or held by a sync) with their buttons, each once."""
    for request_id in request_ids:
        request = requests.get_request(services.service, request_id)
        if request is None or request.status != "pending" or request.message_ts:
            continue
        approval = requests.request_data(request)["approval"]
        assert isinstance(approval, dict)
        ts = conv.post(request_message(approval, services.service.config.slack.approvers))
        if ts is not None:
            requests.attach_message(services.service, request.id, conv.channel or conv.user, ts)


def show_decision(services: Services, client: WebClient, approval: dict[str, object]) -> None:
    """Update the request's channel message: who decided and the outcome, no more buttons."""
    request = requests.get_request(services.service, str(approval["id"]))
    if request is None or not request.message_ts:
        return
    try:
        client.chat_update(channel=request.channel, ts=request.message_ts,
                           **decided_message(approval))
    except SlackApiError as error:
        log.warning("could not update request message %s: %s", request.id,
                    error.response["error"])
