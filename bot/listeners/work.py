"""Running one operation for Slack: who sees the answer, and long work with progress."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import alert_sender
from bot.alert_sender import Alerter
from bot.listeners.context import Services
from bot.listeners.conversation import Conversation, ProgressMessage
from bot.views.approvals import decided_message
from bot.views.replies import answer, help_message, result, working
from bot.views.words.reports import help_text
from engine.approvals import requests
from engine.core import Kind, Operation, Reply
from engine.executor import audit_refusal, execute, permitted
from engine.grammar import UsageError
from engine.operations import Check, Help
from engine.registry import parse

log = logging.getLogger(__name__)


def run_command(services: Services, conv: Conversation, text: str) -> None:
    """Run a command typed by conv.user, and answer where it belongs."""
    try:
        operation = parse(text)
    except UsageError as error:
        conv.tell(answer(Reply(False, str(error), status="usage")))
        return
    run_operation(services, conv, operation)


def run_operation(services: Services, conv: Conversation, operation: Operation) -> None:
    """Run an operation (typed, or built by a dialog or a button) and answer where it belongs:
    reads to the person, long work as a working message with progress, requests with their
    buttons, other changes in the channel."""
    spec = operation.spec
    if isinstance(operation, Help):
        conv.tell(help_message(help_text()))
    elif spec.long and not operation.dry_run:
        run_long(services, conv, operation)
    elif spec.kind is Kind.READ or operation.dry_run:
        conv.tell(answer(execute(services.service, operation, conv.user,
                                 channel=conv.channel)))
    else:
        reply = execute(services.service, operation, conv.user, channel=conv.channel)
        publish(services, conv, operation, reply)
        tell_alerts(services, conv.client, operation, reply)


def tell_alerts(services: Services, client: WebClient, operation: Operation, reply: Reply,
                answered: tuple[str, str | None] = ("", None)) -> None:
    """After a change (typed, clicked or from a dialog): the alerts channel is told what it
    left to tell, once. `answered` is where the answer was posted (channel, ts): a failure
    answered in the alerts channel itself is not posted there twice."""
    if operation.spec.kind is Kind.READ and not isinstance(operation, Check):
        return
    alerter = Alerter(client, services.service)
    retry = getattr(reply.outcome, "retry_mapping", None)
    if isinstance(retry, int) and answered[1]:
        alerter.adopt_error(retry, answered[0], answered[1])
    alerter.after_work([str(i) for i in reply.data.get("held") or []],
                       checked=isinstance(operation, Check))


def run_long(services: Services, conv: Conversation, operation: Operation) -> None:
    """Post "working...", run with progress, then show the result in the same message."""
    text = operation.line()
    refused = permitted(services.service, operation, conv.user)
    if refused is not None:
        audit_refusal(services.service, operation, conv.user, refused)
        conv.tell(answer(refused))
        return
    ts = conv.post(working(conv.user, text))
    progress = ProgressMessage(conv, ts, text, services.progress_interval)
    try:
        reply = execute(services.service, operation, conv.user, channel=conv.channel,
                        progress=progress)
    except Exception:  # the working message must never be left saying "working..."
        log.exception("/grouppush %s failed", text)
        reply = Reply.failed("Failed unexpectedly; the bot's log has the details.")
    if reply.status in ("refused", "usage"):
        if ts is not None:
            conv.remove(ts)
        else:  # "working..." went by response_url, where the bot may not post
            conv.remove_by_url()
        conv.tell(answer(reply))
    elif ts is not None:
        conv.update(ts, result(reply, conv.user, text))
    elif not conv.replace_by_url(result(reply, conv.user, text)):
        ts = conv.post(result(reply, conv.user, text))
    tell_alerts(services, conv.client, operation, reply, (conv.channel, ts))


def publish(services: Services, conv: Conversation, operation: Operation,
            reply: Reply) -> None:
    """A quick change's answer: refusals to the person, results (and requests) to the channel."""
    approval = reply.data.get("approval")
    kind = operation.spec.kind
    if reply.status in ("refused", "usage"):
        conv.tell(answer(reply))
        if kind is Kind.DECISION and isinstance(approval, dict) and \
                approval.get("status") == "changed":
            show_decision(services, conv.client, approval)
        return
    if kind is Kind.APPROVAL and reply.ok and isinstance(approval, dict):
        post_requests(services, conv, [str(approval["id"])])
        return
    conv.post(result(reply, conv.user, operation.line()))
    if kind is Kind.DECISION and isinstance(approval, dict):
        show_decision(services, conv.client, approval)


def post_requests(services: Services, conv: Conversation, request_ids: list[str]) -> None:
    """Post pending requests (asked, or held by a sync) with their buttons, each once."""
    alert_sender.post_requests(services.service, request_ids, conv.post, conv.channel or conv.user)


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
