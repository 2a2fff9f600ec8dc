"""Okta as the directory, read through the Okta Management API v1, as little as each
question needs (grouppush keeps its own copy: engine/kept.py).

Requests, with the Okta pages they follow
(https://developer.okta.com/docs/api/openapi/okta-management/management/tag/...):
- one group by name: GET /api/v1/groups?search=profile.name eq "NAME" (Group/listGroups);
  by id: GET /api/v1/groups/{id} (Group/getGroup); its members: GET /api/v1/groups/{id}/users
  (Group/listGroupUsers, up to 1000 a page; groups are listed up to 10000 a page); one user:
  GET /api/v1/users/{id} (User/getUser).
- the delta since a cursor (a time): GET /api/v1/users?search=lastUpdated gt "T" (every
  status, deprovisioned too), GET /api/v1/groups?search=lastUpdated gt "T" or
  lastMembershipUpdated gt "T", and the deletions, which no listing shows, from the System Log:
  GET /api/v1/logs?since=T&filter=eventType eq "group.lifecycle.delete" or ... (SystemLog/
  listLogEvents). T is the cursor less OVERLAP, for clocks that differ and late writes.
- the full read (engine/kept.py): GET /api/v1/groups, page by page, then the members of the
  groups grouppush wants (pushed, or matched by a rule), and the users as those members carry
  them; no listing of every user, no other group's members. `full_read()` with members (tests,
  small orgs) also reads GET /api/v1/users (a plain listing leaves DEPROVISIONED users out, so
  they are read with `search=status eq "DEPROVISIONED"` too) and every group's members
  (BUILT_IN groups such as Everyone are never pushed; their members are not read).
- search: GET /api/v1/groups?q=TEXT (Okta matches the start of the name).
- paging: the `Link: <...>; rel="next"` header (https://developer.okta.com/docs/api/#pagination).
- rate limits: connectors/okta_limits.py (`max_rate_share`, X-Rate-Limit-*, 429).

Sign-in: an API token (`token`, sent as `SSWS ...`) or an OAuth 2.0 access token obtained
elsewhere (`access_token`, sent as `Bearer ...`). The private-key JWT client flow is not built.
`event_hook_secret` is the Authorization value Okta's event hook sends (bot/okta_hook.py).

`assignments: {APP: [group name or id, ...]}` in the okta section names the groups used for app
assignments (Okta has no such list to read).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx

from connectors.base import (
    DirectoryChanges,
    DirectoryGroup,
    DirectoryUser,
    FullRead,
)
from connectors.errors import DIRECTORY_HINTS, ConfigError, DirectoryError
from connectors.http import HttpSender
from connectors.okta_limits import MAX_WAIT, RateLimits, send
from telemetry.metrics import DIRECTORY

MAX_PAGE = 200
MAX_MEMBERS_PAGE = 1000
MAX_GROUPS_PAGE = 10000
OVERLAP = timedelta(minutes=5)
"""How far before its cursor a delta asks again, so a change Okta stamped a little earlier
than it made it visible (or a clock a little ahead of Okta's) is not missed."""
DELETIONS = ("group.lifecycle.delete", "user.lifecycle.delete.completed")
Sleep = Callable[[float], None]


@dataclass(frozen=True)
class OktaSettings:
    """Where the Okta org is and how to sign in to it."""

    org_url: str
    token: str | None = field(default=None, repr=False)
    access_token: str | None = field(default=None, repr=False)
    client_id: str | None = None
    private_key: str | None = None
    page_size: int = MAX_PAGE
    members_page_size: int = MAX_MEMBERS_PAGE
    groups_page_size: int = MAX_GROUPS_PAGE
    timeout: float = 30.0
    max_rate_share: float = 0.5
    """The share of each of the org's rate limits grouppush may use (the rest is others')."""
    event_hook_secret: str | None = field(default=None, repr=False)
    """The Authorization header value every event hook delivery must carry."""

    def validate(self, prefix: str = "directory") -> OktaSettings:
        """Refuse settings that cannot work, naming the key."""
        if not self.org_url.startswith(("https://", "http://")):
            raise ConfigError(f"{prefix}.org_url", "must be a URL such as https://acme.okta.com")
        if self.client_id or self.private_key:
            key = "client_id" if self.client_id else "private_key"
            raise ConfigError(f"{prefix}.{key}", "OAuth sign-in with a private key is not "
                              "supported yet; set access_token (or an API token in token)")
        if bool(self.token) == bool(self.access_token):
            raise ConfigError(f"{prefix}.token", "set either token (an API token) or "
                              "access_token (OAuth), not both or neither")
        if self.page_size > MAX_PAGE:
            raise ConfigError(f"{prefix}.page_size", f"must be at most {MAX_PAGE}")
        if self.members_page_size > MAX_MEMBERS_PAGE:
            raise ConfigError(f"{prefix}.members_page_size",
                              f"must be at most {MAX_MEMBERS_PAGE}")
        if self.groups_page_size > MAX_GROUPS_PAGE:
            raise ConfigError(f"{prefix}.groups_page_size", f"must be at most {MAX_GROUPS_PAGE}")
        if not 0 < self.max_rate_share <= 1:
            raise ConfigError(f"{prefix}.max_rate_share", "must be a share above 0 and at "
                              f"most 1, such as 0.5 (not {self.max_rate_share})")
        if self.event_hook_secret is not None and len(self.event_hook_secret) < 16:
            raise ConfigError(f"{prefix}.event_hook_secret", "must be at least 16 characters "
                              "(a random value, also set in Okta's event hook)")
        return self


def parse_assignments(value: Any, prefix: str = "directory") -> dict[str, list[str]]:
    """The `assignments:` mapping of the okta section: app name -> group names or ids."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(f"{prefix}.assignments", "must map app names to lists of groups")
    out = {}
    for app, groups in value.items():
        if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
            raise ConfigError(f"{prefix}.assignments.{app}", "must be a list of group names or ids")
        out[str(app)] = list(groups)
    return out


def okta_time(at: datetime) -> str:
    """A time as Okta writes it: 2024-01-01T00:00:00.000Z."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def parse_time(text: str) -> datetime:
    """A time as Okta writes it, read back."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _quoted(text: str) -> str:
    """A value inside an Okta search expression's double quotes."""
    return text.replace("\\", "\\\\").replace('"', '\\"')


class OktaDirectory:
    """An Okta org as the master of users, groups and memberships."""

    def __init__(self, settings: OktaSettings, client: httpx.Client | None = None,
                 assignments: dict[str, list[str]] | None = None,
                 sleep: Sleep = time.sleep, clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.base = settings.org_url.rstrip("/")
        self.client = client or httpx.Client(timeout=settings.timeout)
        self.http = HttpSender(self.client, app="Okta", sleep=sleep, target=DIRECTORY,
                               hints=DIRECTORY_HINTS, max_wait=MAX_WAIT)
        self.assignments = assignments or {}
        self.clock = clock
        self.limits = RateLimits(settings.max_rate_share, sleep, clock)
        scheme = f"SSWS {settings.token}" if settings.token else f"Bearer {settings.access_token}"
        self.headers = {"Authorization": scheme, "Accept": "application/json"}

    # -- one group, one user -------------------------------------------------------------

    def find_group(self, name: str) -> DirectoryGroup | None:
        """The group with exactly this name (one search request), without members."""
        found = [_group(item) for item in self._get(
            "/api/v1/groups", {"search": f'profile.name eq "{_quoted(name)}"', "limit": 20},
            "finding a group").json()]
        exact = [g for g in found if g.name == name]
        folded = [g for g in found if g.name.casefold() == name.casefold()]
        return exact[0] if exact else folded[0] if len(folded) == 1 else None

    def get_group(self, group_id: str) -> DirectoryGroup | None:
        """The group with this id, or None when Okta no longer has it."""
        response = self._get(f"/api/v1/groups/{quote(group_id, safe='')}", None,
                             "reading a group", ok=(200, 404))
        return _group(response.json()) if response.status_code == 200 else None

    def read_members(self, group_id: str) -> list[DirectoryUser]:
        """The group's members, every status, up to 1000 a page."""
        return [_user(item) for item in self._pages(
            f"/api/v1/groups/{quote(group_id, safe='')}/users",
            {"limit": self.settings.members_page_size}, "listing group members")]

    def get_user(self, user_id: str) -> DirectoryUser | None:
        """The user with this id, or None when Okta no longer has it."""
        response = self._get(f"/api/v1/users/{quote(user_id, safe='')}", None,
                             "reading a user", ok=(200, 404))
        return _user(response.json()) if response.status_code == 200 else None

    def find_user(self, login: str) -> DirectoryUser | None:
        """The user with this login (one search request), or by id."""
        found = [_user(item) for item in self._get(
            "/api/v1/users", {"search": f'profile.login eq "{_quoted(login)}"', "limit": 20},
            "finding a user").json()]
        match = [u for u in found if u.login.casefold() == login.casefold()]
        return match[0] if match else None if "@" in login else self.get_user(login)

    def groups_of_user(self, user_id: str) -> list[str]:
        """Ids of the user's groups (GET /api/v1/users/{id}/groups, User/listUserGroups)."""
        return [str(item["id"]) for item in self._pages(
            f"/api/v1/users/{quote(user_id, safe='')}/groups", {"limit": 1000},
            "listing a user's groups")]

    def search_groups(self, text: str, limit: int = 20) -> list[DirectoryGroup]:
        """Groups whose names start with the text (Okta's `q=`), without their members."""
        params: dict[str, Any] = {"limit": max(1, min(limit, MAX_PAGE))}
        if text.strip():
            params["q"] = text.strip()
        response = self._get("/api/v1/groups", params, "searching groups")
        return [_group(item) for item in response.json()][:limit]

    def assignment_refs(self) -> dict[str, list[str]]:
        """The `assignments:` of the okta section."""
        return self.assignments

    # -- the delta and the full read -----------------------------------------------------

    def changes(self, cursor: str) -> DirectoryChanges:
        """Users and groups Okta stamped since the cursor (less OVERLAP), and deletions."""
        since = okta_time(parse_time(cursor) - OVERLAP)
        latest = cursor
        users = []
        for item in self._pages("/api/v1/users", {"limit": self.settings.page_size,
                                                  "search": f'lastUpdated gt "{since}"'},
                                "reading changed users"):
            users.append(_user(item))
            latest = max(latest, str(item.get("lastUpdated") or ""))
        groups, members = [], set()
        search = f'lastUpdated gt "{since}" or lastMembershipUpdated gt "{since}"'
        for item in self._pages("/api/v1/groups", {"limit": self.settings.groups_page_size,
                                                   "search": search}, "reading changed groups"):
            group = _group(item)
            groups.append(group)
            stamp = str(item.get("lastMembershipUpdated") or "")
            if stamp > since:
                members.add(group.id)
            latest = max(latest, str(item.get("lastUpdated") or ""), stamp)
        deleted_users, deleted_groups = self._deletions(since)
        return DirectoryChanges(cursor=latest, users=tuple(users), groups=tuple(groups),
                                membership_changed=frozenset(members),
                                deleted_users=frozenset(deleted_users),
                                deleted_groups=frozenset(deleted_groups))

    def _deletions(self, since: str) -> tuple[set[str], set[str]]:
        """Users and groups deleted since then, from the System Log (one page: a thousand
        deletions between two syncs are caught by the next full read)."""
        expression = " or ".join(f'eventType eq "{kind}"' for kind in DELETIONS)
        events = self._get("/api/v1/logs", {"since": since, "filter": expression,
                                            "limit": 1000}, "reading deletions").json()
        users, groups = set(), set()
        for event in events:
            for target in event.get("target") or ():
                if target.get("type") == "User" and "user." in event.get("eventType", ""):
                    users.add(str(target.get("id")))
                elif target.get("type") == "UserGroup":
                    groups.add(str(target.get("id")))
        return users, groups

    def full_read(self, members: bool = True) -> FullRead:
        """Every user (deprovisioned ones too), group and membership, read as iterated;
        without `members`, the pages of groups only (ceil(groups / groups_page_size)
        requests: the kept directory reads the members of the groups it wants)."""
        cursor = okta_time(datetime.fromtimestamp(self.clock(), UTC))
        if not members:
            return FullRead(cursor=cursor, users=(), groups=self._all_groups(members=False))
        return FullRead(cursor=cursor, users=self._all_users(), groups=self._all_groups())

    def _all_users(self) -> Iterator[DirectoryUser]:
        limit = {"limit": self.settings.page_size}
        for params in (limit, {**limit, "search": 'status eq "DEPROVISIONED"'}):
            for item in self._pages("/api/v1/users", params, "listing users"):
                yield _user(item)

    def _all_groups(self, members: bool = True) -> Iterator[DirectoryGroup]:
        for item in self._pages("/api/v1/groups", {"limit": self.settings.groups_page_size},
                                "listing groups"):
            group = _group(item)
            if members and group.type != "BUILT_IN":
                group = replace(group, members=tuple(u.id for u in self.read_members(group.id)))
            yield group

    def close(self) -> None:
        """Close the HTTP client."""
        self.client.close()

    # -- requests ------------------------------------------------------------------------

    def _pages(self, path: str, params: dict[str, Any], what: str) -> Iterator[dict[str, Any]]:
        """Every item of a listing, following the Link rel="next" header."""
        url: str | None = path
        query: dict[str, Any] | None = params
        while url:
            response = self._get(url, query, what)
            yield from response.json()
            url, query = response.links.get("next", {}).get("url"), None
            if url:
                if not url.startswith(self.base + "/"):
                    raise DirectoryError(f"Okta sent a next page outside {self.base}: refused")
                url = url[len(self.base):]

    def _get(self, path: str, params: dict[str, Any] | None, what: str,
             ok: tuple[int, ...] = (200,)) -> httpx.Response:
        """GET within grouppush's share of the rate limit; a 429 waits for the reset."""
        return send(self.http, self.limits, "GET", f"{self.base}{path}", path, what, ok=ok,
                    params=params, headers=self.headers)

def _user(item: dict[str, Any]) -> DirectoryUser:
    profile = item.get("profile") or {}
    return DirectoryUser(id=item["id"], login=str(profile.get("login", "")),
                         status=str(item.get("status", "")).upper(),
                         first_name=str(profile.get("firstName") or ""),
                         last_name=str(profile.get("lastName") or ""))


def _group(item: dict[str, Any]) -> DirectoryGroup:
    profile = item.get("profile") or {}
    return DirectoryGroup(id=item["id"], name=str(profile.get("name", "")),
                          description=str(profile.get("description") or ""),
                          type=str(item.get("type", "OKTA_GROUP")),
                          members_version=str(item.get("lastMembershipUpdated") or ""))


def build(options: dict[str, Any], client: httpx.Client | None = None) -> OktaDirectory:
    """An OktaDirectory from the `directory:` section (type: okta)."""
    from connectors.settings import settings_from

    rest = {k: v for k, v in options.items() if k != "assignments"}
    settings = settings_from(OktaSettings, "directory", rest).validate()
    return OktaDirectory(settings, client, parse_assignments(options.get("assignments")))
