"""The one dispatch: every Slack surface (a command, a dialog, the Home tab, a button) hands
its typed operation to `dispatch`, which runs it in the executor (the one permission gate)
and publishes the typed outcome where that surface's answers belong; the alerts channel's
part goes through `Alerter.tell`, as the scheduler's outcomes do (bot/scheduler.py)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import alert_sender
from bot.alert_sender import Alerter
from bot.listeners.context import Services
from bot.listeners.conversation import Conversation, ProgressMessage
from bot.views.approvals import decided_message
from bot.views.replies import answer, asked, help_message, result, working
from bot.views.words.reports import help_text
from engine.approvals import requests
from engine.core import REFUSED, USAGE, Kind, Operation, Progress, Refusal, Reply, plain
from engine.executor import execute
from engine.grammar import UsageError
from engine.operations import Help
from engine.outcomes import (
    Approval,
    Decided,
    Failed,
    NotDecided,
    Requested,
    RequestStatus,
)
from engine.registry import parse

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Surface:
    """Where an operation was asked, and so where its answer goes."""

    conv: Conversation
    """The person who asked, in the channel of a command: answers and results go here."""
    requests_to: Conversation | None = None
    """Where an approval request is posted instead, the person told where (the Home tab's
    requests go to the alerts channel)."""
    in_place: bool = False
    """A button on a message: that message shows the result; nothing else is posted."""
    after: Callable[[Reply], None] | None = None
    """What the surface does once answered (close an alert, republish the Home tab)."""
    privately: bool = False
    """Answered to the person alone, whatever the outcome (an alert's Retry all): no working
    message, nothing posted in the channel."""


def run_command(services: Services, conv: Conversation, text: str) -> None:
    """Run a command typed by conv.user, and answer where it belongs."""
    try:
        operation = parse(text)
    except UsageError as error:
        conv.tell(answer(Reply.of(Refusal(str(error), usage=True))))
        return
    dispatch(services, Surface(conv), operation)


def dispatch(services: Services, surface: Surface, operation: Operation) -> Reply | None:
    """Run an operation (typed, or built by a dialog, the Home tab or a button) and publish
    its outcome: reads and refusals to the person, long work as a working message with
    progress, requests with their buttons, other changes in the channel; then tell the alerts
    channel what the work left to tell."""
    conv = surface.conv
    if isinstance(operation, Help) and not operation.command:
        conv.tell(help_message(help_text()))
        return None
    long = operation.spec.long and not operation.dry_run and not surface.in_place \
        and not surface.privately
    work = Working(services, conv, operation) if long else None
    channel = (surface.requests_to or conv).channel
    try:
        reply = execute(services.service, operation, conv.user, channel=channel,
                        started=work.start if work else None)
    except Exception:  # the working message must never be left saying "working..."
        if work is None:
            raise
        log.exception("/grouppush %s failed", operation.line())
        reply = Reply.of(Failed("Failed unexpectedly; the bot's log has the details."))
    ts = publish(services, surface, operation, reply, work)
    Alerter(conv.client, services.service).tell(operation, reply, (conv.channel, ts))
    if surface.after is not None:
        surface.after(reply)
    return reply


def publish(services: Services, surface: Surface, operation: Operation, reply: Reply,
            work: Working | None) -> str | None:
    """Show one outcome where the surface's answers go; the ts of long work's message."""
    conv, outcome = surface.conv, reply.outcome
    if reply.status in (REFUSED, USAGE):
        if work is not None:
            work.remove()
        conv.tell(answer(reply))
        if isinstance(outcome, NotDecided) and outcome.approval is not None and \
                outcome.approval.status == RequestStatus.CHANGED:
            show_decision(services, conv.client, outcome.approval)
        return None
    if work is not None:
        return work.finish(reply)
    if surface.privately:
        conv.tell(answer(reply))
        return None
    if isinstance(outcome, Requested):
        post_requests(services, surface.requests_to or conv, [outcome.approval.id])
        if surface.requests_to is not None:
            conv.tell(asked(outcome.approval, surface.requests_to.channel))
        return None
    if operation.spec.kind is Kind.READ or operation.dry_run:
        conv.tell(answer(reply))
    elif surface.in_place:  # the message clicked shows it; a failure is told (a decision's
        if not reply.ok and not isinstance(outcome, Decided):  # is on its request message)
            conv.tell(answer(reply))
    else:
        conv.post(result(reply, conv.user, operation.line()))
    if isinstance(outcome, Decided):
        show_decision(services, conv.client, outcome.approval)
    return None


class Working:
    """Long work's channel message: "working..." once it may run, progress, then the result."""

    def __init__(self, services: Services, conv: Conversation, operation: Operation) -> None:
        self.services, self.conv, self.text = services, conv, operation.line()
        self.ts: str | None = None
        self.started = False

    def start(self) -> Progress:
        """Post the working message; the progress callback that updates it."""
        self.started = True
        self.ts = self.conv.post(working(self.conv.user, self.text))
        return ProgressMessage(self.conv, self.ts, self.text, self.services.progress_interval)

    def remove(self) -> None:
        """Take the working message away (the work was refused)."""
        if self.ts is not None:
            self.conv.remove(self.ts)
        elif self.started:  # "working..." went by response_url, where the bot may not post
            self.conv.remove_by_url()

    def finish(self, reply: Reply) -> str | None:
        """Show the result in the working message (or a new one); its ts."""
        message = result(reply, self.conv.user, self.text)
        if self.ts is not None:
            self.conv.update(self.ts, message)
            return self.ts
        if self.started and self.conv.replace_by_url(message):
            return None
        return self.conv.post(message)


def post_requests(services: Services, conv: Conversation, request_ids: list[str]) -> None:
    """Post pending requests (asked, or held by a sync) with their buttons, each once."""
    alert_sender.post_requests(services.service, request_ids, conv.post,
                               conv.channel or conv.user)


def show_decision(services: Services, client: WebClient, approval: Approval) -> None:
    """Update the request's channel message: who decided and the outcome, no more buttons."""
    request = requests.get_request(services.service, approval.id)
    if request is None or not request.message_ts:
        return
    try:
        client.chat_update(channel=request.channel, ts=request.message_ts,
                           **decided_message(plain(approval)))
    except SlackApiError as error:
        log.warning("could not update request message %s: %s", request.id,
                    error.response["error"])
