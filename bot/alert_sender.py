"""Telling the alerts channel: new drift, drift gone, push errors and their fixes, and the
requests a sync held: the alerts channel's part of every outcome, whichever surface ran it."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.views import alerts as views
from bot.views.approvals import request_message
from engine import alerts
from engine.approvals import requests
from engine.core import Kind, Operation, Reply
from engine.operations import Check
from engine.outcomes import Retried, Synced
from engine.service import GroupPushService

log = logging.getLogger(__name__)

_TELLING = threading.Lock()
"""One teller at a time: a check typed in Slack and the drift job must not both post the same
drift before either has remembered posting it."""


class Alerter:
    """Posts and updates alert messages in `slack.alerts_channel`."""

    def __init__(self, client: WebClient, service: GroupPushService) -> None:
        self.client = client
        self.service = service
        self.channel = service.config.slack.alerts_channel

    def tell(self, operation: Operation, reply: Reply,
             answered: tuple[str, str | None] = ("", None)) -> None:
        """Publish an outcome's part for the alerts channel, whoever ran it (a command, a
        dialog, the Home tab, a button, the scheduler): after a change or a check, what it
        left to tell, once. `answered` is where the answer was posted (channel, ts): a
        failure answered in the alerts channel itself is not posted there twice."""
        if operation.spec.kind is Kind.READ and not isinstance(operation, Check):
            return
        retry = getattr(reply.outcome, "retry_mapping", None)
        if isinstance(retry, int) and answered[1]:
            self.adopt_error(retry, answered[0], answered[1])
        self.after_work(list(held_by(reply)), checked=isinstance(operation, Check))

    def after_work(self, held: list[str] | None = None, checked: bool = False) -> None:
        """The one path to the alerts channel after any work, whoever started it (a command,
        a button, the scheduler): the requests a sync held, new drift (after a check), and
        each failure not told yet, once."""
        self.post_requests(held or [])
        if checked:
            self.after_check()
        self.after_push_errors()

    def adopt_error(self, mapping_id: int, channel: str, ts: str) -> None:
        """A failure's answer that landed in the alerts channel with its Retry button is
        that failure's alert: it is not posted a second time."""
        if channel and channel == self.channel and ts:
            with _TELLING:
                alerts.adopt_error_alert(self.service, mapping_id, ts)

    def after_check(self) -> None:
        """Post drift found by any check once; update the alert of drift that went away."""
        with _TELLING:
            self._tell_drift()

    def _tell_drift(self) -> None:
        new, gone = alerts.drift_to_tell(self.service)
        for drift in new:
            assert drift.report is not None
            if drift.ts:  # the drift changed since it was posted: close the old alert
                self._update(drift.channel, drift.ts, views.drift_closed(None, "changed"))
            ts = self._post(views.drift_alert(drift.report, drift.mapping_id))
            if ts:
                alerts.remember_drift_alert(self.service, drift.mapping_id, self.channel, ts,
                                            drift.fingerprint)
        for drift in gone:
            self._update(drift.channel, drift.ts, views.drift_closed(None, "resolved"))
            alerts.remember_drift_alert(self.service, drift.mapping_id)

    def after_push_errors(self) -> None:
        """Post each error not told yet (once); update the alert of errors fixed since."""
        with _TELLING:
            self._tell_errors()

    def _tell_errors(self) -> None:
        new, fixed = alerts.errors_to_tell(self.service)
        for error in new:
            if not alerts.claim_error_alert(self.service, error.mapping_id, error.message):
                continue  # another instance tells it
            ts = self._post(views.error_alert(error))
            alerts.remember_error_alert(self.service, error.mapping_id,
                                        error.message if ts else "", ts)  # unposted: again
        for error in fixed:
            self._update(self.channel, error.ts, views.error_closed(error, "A later push "
                                                                           "succeeded."))
            alerts.remember_error_alert(self.service, error.mapping_id, "", "")

    def post_requests(self, request_ids: list[str]) -> None:
        """Post approval requests a sync held (each once), with Approve and Deny."""
        post_requests(self.service, request_ids, self._post, self.channel)

    def _post(self, message: dict[str, Any]) -> str:
        if not self.channel:
            log.warning("alert not posted (no slack.alerts_channel): %s", message.get("text"))
            return ""
        try:
            response = self.client.chat_postMessage(channel=self.channel, **message)
        except SlackApiError as error:
            log.error("alert not posted: %s", error.response.get("error"))
            return ""
        return str(response.get("ts", ""))

    def _update(self, channel: str, ts: str, message: dict[str, Any]) -> None:
        try:
            self.client.chat_update(channel=channel or self.channel, ts=ts, **message)
        except SlackApiError as error:
            log.error("alert not updated: %s", error.response.get("error"))


def held_by(reply: Reply) -> tuple[str, ...]:
    """The approval requests this work held (a sync's mass removals, a Retry held)."""
    outcome = reply.outcome
    if isinstance(outcome, Synced):
        return outcome.held
    if isinstance(outcome, Retried) and outcome.held is not None:
        return (outcome.held,)
    return ()


def post_requests(service: GroupPushService, request_ids: list[str],
                  post: Callable[[dict[str, Any]], str | None], channel: str) -> None:
    """Post the pending requests among these that no message shows yet, each once, with
    Approve and Deny (`post` returns the message's ts, or nothing when it failed)."""
    with _TELLING:  # two posters at once (a sync job, a command) must not both post one
        for approval in requests.to_post(service, request_ids):
            ts = post(request_message(approval, service.config.slack.approvers))
            if ts:
                requests.attach_message(service, str(approval["id"]), channel, ts)
