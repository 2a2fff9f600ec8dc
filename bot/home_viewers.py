"""The Home tab's viewers: what each person looks at, publishing it, and refreshing it for the
people viewing it when something changes (a push, a sync, an approval, in any process).

Slack does not say when someone leaves the tab, so a viewer is someone who opened it or
clicked in it within VIEWING seconds. A watcher thread, running only while there are viewers,
compares a cheap stamp of what the tab shows (engine.stored.home_stamp) every POLL seconds;
when it moved, each viewer's tab is published again — at most once per viewer per MIN_GAP
seconds and REFRESHES_PER_MINUTE in all, so refreshes stay well inside views.publish's
Tier 4 limit (100+ per minute per workspace) and leave room for people's own clicks, which
are published at once. A refresh Slack refuses with ratelimited waits its Retry-After.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.queries import home_data
from bot.views.home import HomeState, home_view
from engine.service import GroupPushService
from engine.stored import home_stamp

log = logging.getLogger(__name__)
VIEWING = 15 * 60.0
POLL = 3.0
MIN_GAP = 10.0
REFRESHES_PER_MINUTE = 50


@dataclass
class Viewer:
    """One person with the tab open, as far as grouppush can tell."""

    state: HomeState
    seen: float
    published: float = 0.0
    stale: bool = False
    hash: str = ""
    """Slack's hash of the view last published for them: a refresh made while they click
    is refused by Slack (hash_conflict) instead of replacing their newer view."""


class HomeTab:
    """Publishes each person's Home tab and keeps the open ones fresh."""

    def __init__(self, service: GroupPushService, *, poll: float = POLL,
                 min_gap: float = MIN_GAP, per_minute: int = REFRESHES_PER_MINUTE) -> None:
        self.service = service
        self.poll, self.min_gap, self.per_minute = poll, min_gap, per_minute
        self._viewers: dict[str, Viewer] = {}
        self._refreshes: deque[float] = deque()
        self._hold_until = 0.0
        self._lock = threading.Lock()
        self._client: WebClient | None = None
        self._watcher: threading.Thread | None = None
        self._stopped = threading.Event()

    def state_of(self, user: str) -> HomeState | None:
        """What this person last looked at, if grouppush remembers."""
        with self._lock:
            viewer = self._viewers.get(user)
            return viewer.state if viewer else None

    def publish(self, client: WebClient, user: str, state: HomeState | None = None) -> None:
        """Publish the tab for a person now (they opened it or clicked in it)."""
        data = home_data(self.service, state or self.state_of(user))
        response = client.views_publish(user_id=user, view=home_view(data))
        now = time.monotonic()
        with self._lock:
            self._viewers[user] = Viewer(state=data.state, seen=now, published=now,
                                         hash=_hash(response))
            self._client = client
            if self._watcher is None or not self._watcher.is_alive():
                self._watcher = threading.Thread(target=self._watch, daemon=True,
                                                 name="grouppush-home")
                self._watcher.start()

    def viewers(self) -> list[str]:
        """The people who have the tab open now."""
        cutoff = time.monotonic() - VIEWING
        with self._lock:
            return [u for u, v in self._viewers.items() if v.seen >= cutoff]

    def stop(self) -> None:
        """Stop refreshing (the bot is stopping)."""
        self._stopped.set()

    def _watch(self) -> None:
        stamp = self._stamp()
        while not self._stopped.wait(self.poll):
            with self._lock:
                cutoff = time.monotonic() - VIEWING
                self._viewers = {u: v for u, v in self._viewers.items() if v.seen >= cutoff}
                if not self._viewers:
                    self._watcher = None
                    return
            now_stamp = self._stamp()
            if now_stamp != stamp:
                stamp = now_stamp
                with self._lock:
                    for viewer in self._viewers.values():
                        viewer.stale = True
            self.refresh_stale()

    def _stamp(self) -> tuple[object, ...]:
        try:
            return home_stamp(self.service)
        except Exception:  # the database away for a moment: try again at the next poll
            log.warning("the Home tab cannot read what changed", exc_info=True)
            return ()

    def _due(self) -> list[tuple[str, HomeState, str]]:
        """Stale viewers whose turn it is (longest waiting first), within the budget."""
        now = time.monotonic()
        with self._lock:
            while self._refreshes and now - self._refreshes[0] > 60:
                self._refreshes.popleft()
            if now < self._hold_until:
                return []
            room = self.per_minute - len(self._refreshes)
            waiting = sorted((v.published, u) for u, v in self._viewers.items()
                             if v.stale and now - v.published >= self.min_gap)
            due = [(u, self._viewers[u].state, self._viewers[u].hash)
                   for _, u in waiting[:max(0, room)]]
            for user, _, _ in due:
                self._viewers[user].stale = False
                self._viewers[user].published = now
                self._refreshes.append(now)
            return due

    def refresh_stale(self) -> None:
        """Publish again for the viewers whose tab is out of date and whose turn it is."""
        client = self._client
        for user, state, shown in self._due() if client is not None else []:
            try:
                view = home_view(home_data(self.service, state))
                response = client.views_publish(  # type: ignore[union-attr]
                    user_id=user, view=view, **({"hash": shown} if shown else {}))
                with self._lock:
                    if user in self._viewers:
                        self._viewers[user].hash = _hash(response)
            except SlackApiError as error:
                if error.response.get("error") == "hash_conflict":
                    continue  # they clicked meanwhile: their own publish is newer

                self._refused(user, error)
            except Exception:
                log.exception("refreshing the Home tab of %s failed", user)

    def _refused(self, user: str, error: SlackApiError) -> None:
        with self._lock:
            if user in self._viewers:
                self._viewers[user].stale = True
            if error.response.status_code == 429:
                wait = float(error.response.headers.get("Retry-After", 30))
                self._hold_until = time.monotonic() + wait
        log.warning("refreshing the Home tab of %s: %s", user, error.response.get("error"))


def _hash(response: object) -> str:
    """The hash of the view a views.publish answered with."""
    try:
        return str(response["view"]["hash"])  # type: ignore[index]
    except (KeyError, TypeError):
        return ""
