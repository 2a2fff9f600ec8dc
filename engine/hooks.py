"""Directory events as hints: each schedules a targeted sync of the pushes it touches.

An event hook delivery (Okta's, bot/okta_hook.py) names users and groups that changed. The
event is not trusted for what changed: after a short pause that gathers the events of one
change together (`DEBOUNCE_SECONDS`), the named users and groups are read again from the
directory and only the pushes of the groups concerned are synced. An event delivered twice
(Okta retries) is dropped by its id. Without a hook, the scheduled delta sync catches up.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

from engine.rules import rule_matches
from engine.service import GroupPushService
from engine.sync import SyncReport, run_sync
from storage import kept as store
from storage import repo

log = logging.getLogger(__name__)
ACTOR = "okta event hook"
DEBOUNCE_SECONDS = 2.0
GROUP_EVENTS = {"group.user_membership.add", "group.user_membership.remove",
                "group.profile.update", "group.lifecycle.delete"}
USER_EVENTS = {"user.lifecycle.activate", "user.lifecycle.deactivate",
               "user.lifecycle.suspend", "user.lifecycle.unsuspend",
               "user.lifecycle.reactivate", "user.lifecycle.delete.initiated",
               "user.lifecycle.delete.completed"}
EVENT_TYPES = sorted(GROUP_EVENTS | USER_EVENTS)
"""The event types to subscribe the hook to (docs/okta.md)."""


def hints(events: Iterable[dict[str, Any]]) -> tuple[set[str], set[str]]:
    """(group ids, user ids) the events name; other event types are ignored."""
    groups: set[str] = set()
    users: set[str] = set()
    for event in events:
        kind = str(event.get("eventType", ""))
        for target in event.get("target") or ():
            if not isinstance(target, dict) or not target.get("id"):
                continue
            if kind in GROUP_EVENTS and target.get("type") == "UserGroup":
                groups.add(str(target["id"]))
            elif kind in USER_EVENTS and target.get("type") == "User":
                users.add(str(target["id"]))
    return groups, users


class HookSync:
    """Gathers event hints for DEBOUNCE_SECONDS, then syncs the pushes they touch."""

    def __init__(self, service: GroupPushService, delay: float = DEBOUNCE_SECONDS,
                 after: Callable[[SyncReport], None] | None = None) -> None:
        self.service, self.delay, self.after = service, delay, after
        self._lock = threading.Lock()
        self._flushing = threading.Lock()
        self._groups: set[str] = set()
        self._users: set[str] = set()
        self._timer: threading.Timer | None = None
        self.syncs = 0

    def receive(self, events: list[dict[str, Any]]) -> int:
        """Take a delivery's events (duplicates dropped); returns how many were new."""
        now = self.service.clock()
        fresh = []
        for event in events:
            event_id = str(event.get("uuid") or "")
            with self.service.db.session() as session:
                if event_id and store.first_delivery(session, event_id, now):
                    fresh.append(event)
        groups, users = hints(fresh)
        if groups or users:
            with self._lock:
                self._groups |= groups
                self._users |= users
                if self._timer is None:
                    self._timer = threading.Timer(self.delay, self.flush)
                    self._timer.daemon = True
                    self._timer.start()
        return len(fresh)

    def flush(self) -> SyncReport | None:
        """Read the hinted users and groups again and sync the pushes they touch."""
        with self._flushing:
            with self._lock:
                groups, users, self._groups, self._users = self._groups, self._users, set(), set()
                self._timer = None
            try:
                return self._sync(groups, users)
            except Exception:  # the delta sync catches up; the hook must keep working
                log.exception("a sync for directory events failed")
                return None

    def _sync(self, groups: set[str], users: set[str]) -> SyncReport | None:
        kept = self.service.kept
        kept.refresh_users(users)
        with self.service.db.session() as session:
            mapped = repo.pushed_group_ids(session)
            rules = repo.list_rules(session)
            touched = groups | store.groups_of(session, users)
            named = {gid: g.name for gid in groups if (g := store.group(session, gid))}
        wanted = {gid for gid in groups if gid in mapped or any(
            rule_matches(r.kind, r.pattern, named.get(gid, "")) for r in rules)}
        kept.refresh_groups(wanted)
        kept.mark_stale(groups - wanted)
        pushed = touched & mapped
        if not pushed:
            return None
        report = run_sync(self.service, None, ACTOR, groups=pushed)
        self.syncs += 1
        log.info("event hook sync: %d groups, %d changed, %d errors", report.groups,
                 report.changed, len(report.errors))
        if self.after is not None:
            self.after(report)
        return report

    def stop(self) -> None:
        """Cancel a pending flush."""
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
