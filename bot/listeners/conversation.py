"""Where answers go: ephemerally to the person, publicly in the channel, updated in place."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from slack_bolt.context.respond import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.views.replies import working

log = logging.getLogger(__name__)
Message = dict[str, Any]
NOT_THERE = {"not_in_channel", "channel_not_found", "is_archived", "restricted_action"}


@dataclass
class Conversation:
    """One person talking to the bot in one channel (or in a dialog, or on the Home tab)."""

    client: WebClient
    user: str
    channel: str = ""
    respond: Respond | None = None
    """Posts to the request's response_url, when Slack gave one."""

    def tell(self, message: Message) -> None:
        """An ephemeral message only this person sees."""
        if self.respond is not None:
            self.respond(response_type="ephemeral", replace_original=False, **message)
            return
        if self.channel:
            try:
                self.client.chat_postEphemeral(channel=self.channel, user=self.user, **message)
                return
            except SlackApiError as error:
                log.info("chat.postEphemeral failed (%s); sending a DM", error.response["error"])
        self.client.chat_postMessage(channel=self.user, **message)

    def post(self, message: Message) -> str | None:
        """A message in the channel; its ts, or None when it could only go by response_url."""
        try:
            response = self.client.chat_postMessage(channel=self.channel or self.user, **message)
            return str(response["ts"])
        except SlackApiError as error:
            if error.response["error"] not in NOT_THERE or self.respond is None:
                raise
            log.info("chat.postMessage failed (%s); answering by response_url",
                     error.response["error"])
            self.respond(response_type="in_channel", **message)
            return None

    def replace_by_url(self, message: Message) -> bool:
        """Replace the message posted by response_url (when there is one) in the channel."""
        if self.respond is None:
            return False
        self.respond(response_type="in_channel", replace_original=True, **message)
        return True

    def remove_by_url(self) -> None:
        """Delete the message posted by response_url, when there is one."""
        if self.respond is not None:
            self.respond(delete_original=True)

    def update(self, ts: str, message: Message) -> None:
        """Replace a message the bot posted in the channel."""
        self.client.chat_update(channel=self.channel or self.user, ts=ts, **message)

    def remove(self, ts: str) -> None:
        """Delete a message the bot posted in the channel."""
        self.client.chat_delete(channel=self.channel or self.user, ts=ts)


class ProgressMessage:
    """The `progress` callback of long work: updates its working message, now and then."""

    def __init__(self, conversation: Conversation, ts: str | None, command: str,
                 interval: float) -> None:
        self.conversation, self.ts, self.command = conversation, ts, command
        self.interval = interval
        self._last = 0.0
        self._lock = threading.Lock()

    def __call__(self, done: int, total: int) -> None:
        """Show `done` of `total` members pushed (at most one update per interval)."""
        if self.ts is None:
            return
        with self._lock:
            now = time.monotonic()
            if now - self._last < self.interval:
                return
            self._last = now
        try:
            self.conversation.update(self.ts, working(self.conversation.user, self.command,
                                                      done, total))
        except SlackApiError as error:  # progress is best effort; the result still follows
            log.warning("progress update failed: %s", error.response["error"])
