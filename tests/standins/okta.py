"""An Okta Management API stand-in: users, groups and group members of one org, read-only.

Endpoints, each as its Okta page documents it:
- GET /api/v1/users?limit=&after=&search=  (without `search`, DEPROVISIONED users are left out;
  `search=status eq "DEPROVISIONED"` lists them)
  https://developer.okta.com/docs/api/openapi/okta-management/management/tag/User/#tag/User/operation/listUsers
- GET /api/v1/groups?limit=&after=&q=  (`q` matches the start of the group name)
  https://developer.okta.com/docs/api/openapi/okta-management/management/tag/Group/#tag/Group/operation/listGroups
- GET /api/v1/groups/{id}/users?limit=&after=
  https://developer.okta.com/docs/api/openapi/okta-management/management/tag/Group/#tag/Group/operation/listGroupUsers
- paging by `Link: <...>; rel="next"` (cursor `after`): https://developer.okta.com/docs/api/#pagination
- authentication `SSWS {api token}` or `Bearer {access token}`:
  https://developer.okta.com/docs/guides/create-an-api-token/ and
  https://developer.okta.com/docs/guides/implement-oauth-for-okta/
- rate limits: X-Rate-Limit-Limit / -Remaining / -Reset (UTC epoch seconds) on every answer, 429
  E0000047 past the limit: https://developer.okta.com/docs/reference/rl-best-practices/
  (one org-wide bucket a minute here; Okta keeps one per endpoint family)
- errors {errorCode, errorSummary, errorLink, errorId, errorCauses}: E0000011 invalid token,
  E0000007 not found, E0000031 bad search: https://developer.okta.com/docs/reference/error-codes/
"""

from __future__ import annotations

import itertools
import math
import re
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlencode

from tests.standins import Recorded, Reply, Secrets, StandIn

SUMMARIES = {401: ("E0000011", "Invalid token provided"),
             404: ("E0000007", "Not found: Resource not found"),
             429: ("E0000047", "API call exceeded rate limit due to too many requests."),
             500: ("E0000009", "Internal Server Error"),
             503: ("E0000010", "Service is in read only mode")}
GROUP_CLASSES = {"OKTA_GROUP": "okta:user_group", "APP_GROUP": "okta:windows_security_principal",
                 "BUILT_IN": "okta:user_group"}


def okta_error(status: int, summary: str = "", code: str = "",
               headers: dict[str, str] | None = None) -> Reply:
    """Okta's error object."""
    default_code, default_summary = SUMMARIES.get(status, ("E0000001", "Api validation failed"))
    code = code or default_code
    return Reply(status, {"errorCode": code, "errorSummary": summary or default_summary,
                          "errorLink": code, "errorId": f"oae{next(_ERROR_IDS)}",
                          "errorCauses": []}, headers or {})


_ERROR_IDS = itertools.count(1000)


class OktaStandIn(StandIn):
    """One Okta org with an Everyone group, an API token and an OAuth access token."""

    def __init__(self, token: str = "okta-api-token-value",
                 access_token: str = "okta-oauth-access-token", rate_limit: int = 600,
                 clock: Callable[[], float] = time.time) -> None:
        super().__init__()
        self.token, self.access_token = token, access_token
        self.rate_limit, self.clock = rate_limit, clock
        self.users: dict[str, dict[str, Any]] = {}
        self.groups: dict[str, dict[str, Any]] = {}
        self.members: dict[str, list[str]] = {}
        self._ids = itertools.count(1)
        self._window, self._used = -1, 0
        self.refused_over_limit = 0
        self.everyone = self.add_group("Everyone", type="BUILT_IN",
                                       description="All users in your organization")

    @property
    def org_url(self) -> str:
        """The org URL, as `org_url` for the directory."""
        return self.base

    def add_user(self, login: str, status: str = "ACTIVE", first_name: str = "",
                 last_name: str = "") -> str:
        """A user of the org; returns its id (00u...)."""
        with self.lock:
            uid = f"00u{next(self._ids):017d}"
            self.users[uid] = {
                "id": uid, "status": status, "created": "2024-01-01T00:00:00.000Z",
                "statusChanged": None, "lastUpdated": "2024-01-01T00:00:00.000Z",
                "type": {"id": "oty1"},
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
            self.groups[gid] = {
                "id": gid, "created": "2024-01-01T00:00:00.000Z", "type": type,
                "lastUpdated": "2024-01-01T00:00:00.000Z",
                "lastMembershipUpdated": "2024-01-01T00:00:00.000Z",
                "objectClass": [GROUP_CLASSES[type]],
                "profile": {"name": name, "description": description or None},
                "_links": {"users": {"href": f"{self.base}/api/v1/groups/{gid}/users"}}}
            self.members[gid] = list(members)
            return gid

    def error_reply(self, status: int, retry_after: float | None) -> Reply:
        """Okta's error; a 429 says nothing remains until `retry_after` seconds from now."""
        headers = {}
        if status == 429:
            reset = math.ceil(self.clock() + (retry_after if retry_after is not None else 60))
            headers = {"X-Rate-Limit-Limit": str(self.rate_limit),
                       "X-Rate-Limit-Remaining": "0", "X-Rate-Limit-Reset": str(reset)}
        return okta_error(status, headers=headers)

    def route(self, request: Recorded, secrets: Secrets) -> Reply:
        """The API behind a valid token, counted against the minute's rate limit."""
        if secrets.bearer("SSWS") != self.token and secrets.bearer() != self.access_token:
            return okta_error(401)
        now = self.clock()
        window = int(now // 60)
        if window != self._window:
            self._window, self._used = window, 0
        limit_headers = {"X-Rate-Limit-Limit": str(self.rate_limit),
                         "X-Rate-Limit-Reset": str((window + 1) * 60)}
        if self._used >= self.rate_limit:
            self.refused_over_limit += 1
            return okta_error(429, headers={**limit_headers, "X-Rate-Limit-Remaining": "0"})
        self._used += 1
        reply = self._api(request)
        reply.headers.update(limit_headers,
                             **{"X-Rate-Limit-Remaining": str(self.rate_limit - self._used)})
        return reply

    def _api(self, request: Recorded) -> Reply:
        if request.method != "GET":
            return okta_error(405, "Method not allowed", "E0000022")
        query = {k: v[0] for k, v in request.query.items()}
        parts = [p for p in request.path.split("/") if p][2:]
        if parts == ["users"]:
            users = list(self.users.values())
            if "search" in query:
                statuses = re.findall(r'status eq "([A-Z_]+)"', query["search"])
                if not statuses:
                    return okta_error(400, "Invalid search criteria.", "E0000031")
                users = [u for u in users if u["status"] in statuses]
            else:
                users = [u for u in users if u["status"] != "DEPROVISIONED"]
            return self._page(users, query, "/api/v1/users", 200)
        if parts == ["groups"]:
            groups = list(self.groups.values())
            if "q" in query:
                text = query["q"].casefold()
                groups = [g for g in groups if g["profile"]["name"].casefold().startswith(text)]
                groups.sort(key=lambda g: g["profile"]["name"].casefold() != text)
            return self._page(groups, query, "/api/v1/groups", 10000)
        if len(parts) == 3 and parts[0] == "groups" and parts[2] == "users":
            gid = parts[1]
            if gid not in self.groups:
                return okta_error(404, f"Not found: Resource not found: {gid} (UserGroup)")
            ids = list(self.users) if gid == self.everyone else self.members[gid]
            return self._page([self.users[u] for u in ids], query,
                              f"/api/v1/groups/{gid}/users", 1000)
        return okta_error(404, f"Not found: Resource not found: {request.path}")

    def _page(self, items: list[dict[str, Any]], query: dict[str, str], path: str,
              max_limit: int) -> Reply:
        """One page from the `after` cursor, with Link rel="self" and rel="next"."""
        limit = min(int(query.get("limit", max_limit)), max_limit)
        start = 0
        if "after" in query:
            ids = [i["id"] for i in items]
            start = ids.index(query["after"]) + 1 if query["after"] in ids else len(items)
        page = items[start:start + limit]
        links = [f'<{self.base}{path}?{urlencode(query)}>; rel="self"']
        if start + limit < len(items):
            rest = {**{k: v for k, v in query.items() if k != "after"}, "after": page[-1]["id"],
                    "limit": str(limit)}
            links.append(f'<{self.base}{path}?{urlencode(rest)}>; rel="next"')
        return Reply(200, page, {"Link": ", ".join(links)})
