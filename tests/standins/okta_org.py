"""The state of the Okta stand-in's org, and the changes an admin makes to it: each one stamps
`lastUpdated` / `lastMembershipUpdated` as Okta does and writes the System Log event Okta
writes (https://developer.okta.com/docs/reference/api/event-types/), which the stand-in then
delivers to an event hook."""

from __future__ import annotations

import itertools
import threading
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

GROUP_CLASSES = {"OKTA_GROUP": "okta:user_group", "APP_GROUP": "okta:windows_security_principal",
                 "BUILT_IN": "okta:user_group"}
ACTIVE_AGAIN = {"SUSPENDED": "user.lifecycle.unsuspend",
                "DEPROVISIONED": "user.lifecycle.activate"}
LEAVING = {"SUSPENDED": "user.lifecycle.suspend", "DEPROVISIONED": "user.lifecycle.deactivate"}


class Org:
    """Users, groups, members and the System Log of one org."""

    lock: threading.RLock

    def __init__(self, base: str, clock: Callable[[], float]) -> None:
        self.base, self.clock = base, clock
        self.users: dict[str, dict[str, Any]] = {}
        self.groups: dict[str, dict[str, Any]] = {}
        self.members: dict[str, list[str]] = {}
        self.log: list[dict[str, Any]] = []
        self._ids = itertools.count(1)
        self._last = ""

    def stamp(self) -> str:
        """Now in Okta's format, later than every stamp given before (1 ms apart at least)."""
        at = datetime.fromtimestamp(self.clock(), UTC)
        text = at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"
        if text <= self._last:
            last = datetime.fromisoformat(self._last.replace("Z", "+00:00"))
            bumped = datetime.fromtimestamp(last.timestamp() + 0.001, UTC)
            text = bumped.strftime("%Y-%m-%dT%H:%M:%S.") + f"{bumped.microsecond // 1000:03d}Z"
        self._last = text
        return text

    def published(self, event: dict[str, Any]) -> None:
        """Called with each new System Log event, outside the lock (the stand-in delivers it)."""

    def add_user(self, login: str, status: str = "ACTIVE", first_name: str = "",
                 last_name: str = "") -> str:
        """A user of the org; returns its id (00u...)."""
        with self.lock:
            uid = f"00u{next(self._ids):017d}"
            stamp = self.stamp()
            self.users[uid] = {
                "id": uid, "status": status, "created": stamp, "activated": stamp,
                "statusChanged": None, "lastLogin": None, "lastUpdated": stamp,
                "passwordChanged": None, "type": {"id": "oty1"},
                "profile": {"firstName": first_name, "lastName": last_name, "login": login,
                            "email": login, "mobilePhone": None},
                "credentials": {"provider": {"type": "OKTA", "name": "OKTA"}},
                "_links": {"self": {"href": f"{self.base}/api/v1/users/{uid}"}}}
            return uid

    def add_group(self, name: str, members: Iterable[str] = (), type: str = "OKTA_GROUP",
                  description: str = "") -> str:
        """A group of the org; returns its id (00g...)."""
        with self.lock:
            gid = f"00g{next(self._ids):017d}"
            stamp = self.stamp()
            self.groups[gid] = {
                "id": gid, "created": stamp, "type": type, "lastUpdated": stamp,
                "lastMembershipUpdated": stamp, "objectClass": [GROUP_CLASSES[type]],
                "profile": {"name": name, "description": description or None},
                "_links": {"users": {"href": f"{self.base}/api/v1/groups/{gid}/users"}}}
            self.members[gid] = list(dict.fromkeys(members))
            return gid

    def group_id(self, name: str) -> str:
        """The id of the group with this name."""
        return next(g["id"] for g in self.groups.values() if g["profile"]["name"] == name)

    def set_status(self, uid: str, status: str) -> dict[str, Any]:
        """Change a user's status (deactivate, suspend, unsuspend, activate)."""
        with self.lock:
            user = self.users[uid]
            before, user["status"] = user["status"], status
            user["lastUpdated"] = user["statusChanged"] = self.stamp()
            kind = LEAVING.get(status) or ACTIVE_AGAIN.get(before, "user.lifecycle.activate")
            event = self._event(kind, [self._user_target(uid)])
        self.published(event)
        return event

    def add_member(self, gid: str, uid: str) -> dict[str, Any]:
        """Add a user to a group."""
        return self._membership(gid, uid, add=True)

    def remove_member(self, gid: str, uid: str) -> dict[str, Any]:
        """Remove a user from a group."""
        return self._membership(gid, uid, add=False)

    def _membership(self, gid: str, uid: str, add: bool) -> dict[str, Any]:
        with self.lock:
            members = self.members[gid]
            if add and uid not in members:
                members.append(uid)
            elif not add and uid in members:
                members.remove(uid)
            self.groups[gid]["lastMembershipUpdated"] = self.stamp()
            kind = "group.user_membership." + ("add" if add else "remove")
            event = self._event(kind, [self._user_target(uid), self._group_target(gid)])
        self.published(event)
        return event

    def update_group(self, gid: str, name: str | None = None,
                     description: str | None = None) -> dict[str, Any]:
        """Rename a group or change its description."""
        with self.lock:
            profile = self.groups[gid]["profile"]
            if name is not None:
                profile["name"] = name
            if description is not None:
                profile["description"] = description
            self.groups[gid]["lastUpdated"] = self.stamp()
            event = self._event("group.profile.update", [self._group_target(gid)])
        self.published(event)
        return event

    def delete_group(self, gid: str) -> dict[str, Any]:
        """Delete a group."""
        with self.lock:
            target = self._group_target(gid)
            del self.groups[gid], self.members[gid]
            event = self._event("group.lifecycle.delete", [target])
        self.published(event)
        return event

    def _user_target(self, uid: str) -> dict[str, Any]:
        profile = self.users[uid]["profile"]
        return {"id": uid, "type": "User", "alternateId": profile["login"],
                "displayName": f"{profile['firstName']} {profile['lastName']}".strip()}

    def _group_target(self, gid: str) -> dict[str, Any]:
        name = self.groups[gid]["profile"]["name"]
        return {"id": gid, "type": "UserGroup", "alternateId": "unknown", "displayName": name}

    def _event(self, kind: str, targets: list[dict[str, Any]]) -> dict[str, Any]:
        event = {"uuid": str(uuid.uuid4()), "published": self.stamp(), "eventType": kind,
                 "version": "0", "severity": "INFO", "legacyEventType": None,
                 "displayMessage": kind, "actor": {"id": "00uadmin", "type": "User",
                                                   "alternateId": "admin@acme.test"},
                 "outcome": {"result": "SUCCESS"}, "target": targets}
        self.log.append(event)
        return event
