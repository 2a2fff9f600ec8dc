"""Okta as the directory, read through the Okta Management API v1.

Requests, with the Okta pages they follow:
- users: GET /api/v1/users (https://developer.okta.com/docs/api/openapi/okta-management/
  management/tag/User/#tag/User/operation/listUsers). A plain listing leaves DEPROVISIONED users
  out, so they are read with a second listing, `search=status eq "DEPROVISIONED"`.
- groups: GET /api/v1/groups (tag/Group/operation/listGroups), `q=` for search (Okta matches the
  start of the name); members: GET /api/v1/groups/{id}/users (tag/Group/operation/listGroupUsers).
  The members of BUILT_IN groups (Everyone) are not read: such groups are never pushed.
- paging: the `Link: <...>; rel="next"` header (https://developer.okta.com/docs/api/#pagination).
- rate limits: X-Rate-Limit-Remaining / X-Rate-Limit-Reset (UTC epoch seconds): when nothing
  remains, wait until the reset before the next request; a 429 waits the same way
  (https://developer.okta.com/docs/reference/rl-best-practices/).

Sign-in: an API token (`token`, sent as `SSWS ...`) or an OAuth 2.0 access token obtained
elsewhere (`access_token`, sent as `Bearer ...`). The private-key JWT client flow is not built.

`assignments: {APP: [group name or id, ...]}` in the okta section names the groups used for app
assignments (Okta has no such list to read); names are turned into group ids at each snapshot.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx

from connectors.base import DirectoryGroup, DirectorySnapshot, DirectoryUser
from connectors.errors import DIRECTORY_HINTS, ConfigError, DirectoryError, from_status
from connectors.http import HttpSender
from telemetry.metrics import DIRECTORY

MAX_PAGE = 200
RATE_LIMIT_MARGIN = 1.0
MAX_RATE_LIMIT_WAIT = 65.0
RETRIES_429 = 4
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
    timeout: float = 30.0

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


class OktaDirectory:
    """An Okta org as the master of users, groups and memberships."""

    def __init__(self, settings: OktaSettings, client: httpx.Client | None = None,
                 assignments: dict[str, list[str]] | None = None,
                 sleep: Sleep = time.sleep, clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.base = settings.org_url.rstrip("/")
        self.client = client or httpx.Client(timeout=settings.timeout)
        self.http = HttpSender(self.client, app="Okta", sleep=sleep, target=DIRECTORY,
                               hints=DIRECTORY_HINTS)
        self.assignments = assignments or {}
        self.sleep = sleep
        self.clock = clock
        scheme = f"SSWS {settings.token}" if settings.token else f"Bearer {settings.access_token}"
        self.headers = {"Authorization": scheme, "Accept": "application/json"}
        self._remaining: int | None = None
        self._reset_at = 0.0

    def snapshot(self) -> DirectorySnapshot:
        """Read every user (deprovisioned ones too), group and membership afresh."""
        limit = {"limit": self.settings.page_size}
        users: dict[str, DirectoryUser] = {}
        for params in (limit, {**limit, "search": 'status eq "DEPROVISIONED"'}):
            for item in self._pages("/api/v1/users", params, "listing users"):
                users[item["id"]] = _user(item)
        groups: dict[str, DirectoryGroup] = {}
        for item in self._pages("/api/v1/groups", limit, "listing groups"):
            members: tuple[str, ...] = ()
            if item.get("type") != "BUILT_IN":
                members = tuple(u["id"] for u in self._pages(
                    f"/api/v1/groups/{quote(item['id'], safe='')}/users", limit,
                    "listing group members"))
            groups[item["id"]] = _group(item, members)
        return DirectorySnapshot(users=users, groups=groups,
                                 assignments=self._assignment_ids(groups))

    def search_groups(self, text: str, limit: int = 20) -> list[DirectoryGroup]:
        """Groups whose names start with the text (Okta's `q=`), without their members."""
        params: dict[str, Any] = {"limit": max(1, min(limit, MAX_PAGE))}
        if text.strip():
            params["q"] = text.strip()
        response = self._get(f"{self.base}/api/v1/groups", params, "searching groups")
        return [_group(item, ()) for item in response.json()][:limit]

    def close(self) -> None:
        """Close the HTTP client."""
        self.client.close()

    def _assignment_ids(self, groups: dict[str, DirectoryGroup]) -> dict[str, frozenset[str]]:
        by_name = {g.name: g.id for g in groups.values()}
        out = {}
        for app, wanted in self.assignments.items():
            ids = set()
            for ref in wanted:
                gid = ref if ref in groups else by_name.get(ref)
                if gid is None:
                    raise DirectoryError(f"directory assignments.{app} names group {ref!r}, "
                                         "which Okta does not have")
                ids.add(gid)
            out[app] = frozenset(ids)
        return out

    def _pages(self, path: str, params: dict[str, Any], what: str) -> Iterator[dict[str, Any]]:
        """Every item of a listing, following the Link rel="next" header."""
        url: str | None = f"{self.base}{path}"
        query: dict[str, Any] | None = params
        while url:
            response = self._get(url, query, what)
            yield from response.json()
            url, query = response.links.get("next", {}).get("url"), None
            if url and not url.startswith(self.base + "/"):
                raise DirectoryError(f"Okta sent a next page outside {self.base}: refused")

    def _get(self, url: str, params: dict[str, Any] | None, what: str) -> httpx.Response:
        """GET, first waiting out an exhausted rate limit; a 429 waits for the reset and retries."""
        for attempt in range(RETRIES_429 + 1):
            self._wait_for_rate_limit()
            response = self.http.request("GET", url, params=params, headers=self.headers,
                                         ok=(200, 429), what=what)
            self._note_rate_limit(response)
            if response.status_code != 429:
                return response
            if attempt == RETRIES_429:
                raise from_status(429, f"Okta kept refusing {what}",
                                  self.http.describe(response))
            if self._remaining is None:
                self.sleep(2.0 ** attempt)
        raise AssertionError("unreachable")

    def _note_rate_limit(self, response: httpx.Response) -> None:
        try:
            self._remaining = int(response.headers["X-Rate-Limit-Remaining"])
            self._reset_at = float(response.headers["X-Rate-Limit-Reset"])
        except (KeyError, ValueError):
            self._remaining = None

    def _wait_for_rate_limit(self) -> None:
        if self._remaining is not None and self._remaining <= 0:
            wait = self._reset_at - self.clock() + RATE_LIMIT_MARGIN
            if wait > 0:
                self.sleep(min(wait, MAX_RATE_LIMIT_WAIT))
            self._remaining = None


def _user(item: dict[str, Any]) -> DirectoryUser:
    profile = item.get("profile") or {}
    return DirectoryUser(id=item["id"], login=str(profile.get("login", "")),
                         status=str(item.get("status", "")).upper(),
                         first_name=str(profile.get("firstName") or ""),
                         last_name=str(profile.get("lastName") or ""))


def _group(item: dict[str, Any], members: tuple[str, ...]) -> DirectoryGroup:
    profile = item.get("profile") or {}
    return DirectoryGroup(id=item["id"], name=str(profile.get("name", "")),
                          description=str(profile.get("description") or ""), members=members,
                          type=str(item.get("type", "OKTA_GROUP")))


def build(options: dict[str, Any], client: httpx.Client | None = None) -> OktaDirectory:
    """An OktaDirectory from the `directory:` section (type: okta)."""
    from connectors.settings import settings_from

    rest = {k: v for k, v in options.items() if k != "assignments"}
    settings = settings_from(OktaSettings, "directory", rest).validate()
    return OktaDirectory(settings, client, parse_assignments(options.get("assignments")))
