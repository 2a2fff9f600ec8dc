"""An Okta Management API stand-in: users, groups, members and the System Log of one org, read
by grouppush; changes made through its methods stamp what Okta stamps, are logged, and are
delivered to an event hook.

Endpoints, each as its Okta page documents it
(https://developer.okta.com/docs/api/openapi/okta-management/management/tag/...):
- GET /api/v1/users?limit=&after=&search=&filter=  (User/listUsers: without `search`,
  DEPROVISIONED users are left out; `search` covers every status; at most 200 a page)
- GET /api/v1/users/{id}, GET /api/v1/users/{id}/groups  (User/getUser, User/listUserGroups)
- GET /api/v1/groups?limit=&after=&q=&search=&filter=  (Group/listGroups: `q` matches the
  start of the name; `search`/`filter` expressions on lastUpdated, lastMembershipUpdated,
  profile.name, type, id)
- GET /api/v1/groups/{id}, GET /api/v1/groups/{id}/users  (Group/getGroup, listGroupUsers, at
  most 1000 a page)
- GET /api/v1/logs?since=&until=&filter=&limit=  (SystemLog/listLogEvents, oldest first, at
  most 1000; a page shorter than the limit ends the reading here)
- expressions (https://developer.okta.com/docs/api/#filter, #search): `ATTR OP "VALUE"`
  joined by `and`/`or` (no parentheses), OP one of eq, sw, gt, ge, lt, le; a bad one is 400
  E0000031 (users) or E0000001
- paging by `Link: <...>; rel="next"` (cursor `after`): https://developer.okta.com/docs/api/#pagination
- authentication `SSWS {api token}` or `Bearer {access token}`:
  https://developer.okta.com/docs/guides/create-an-api-token/
- rate limits, one bucket per endpoint family, each with X-Rate-Limit-Limit / -Remaining /
  -Reset (UTC epoch seconds of the next minute) on every answer, 429 E0000047 past the limit:
  https://developer.okta.com/docs/reference/rl-best-practices/ and
  https://developer.okta.com/docs/reference/rl-global-mgmt/
- errors {errorCode, errorSummary, errorLink, errorId, errorCauses}: E0000011 invalid token,
  E0000007 not found, E0000031 bad search: https://developer.okta.com/docs/reference/error-codes/
- event hooks (https://developer.okta.com/docs/concepts/event-hooks/): a one-time
  verification GET with `X-Okta-Verification-Challenge`, answered
  `{"verification": VALUE}`; then each event is POSTed as
  {eventType: "com.okta.event_hook", eventId, eventTime, data: {events: [LogEvent]}} with the
  configured Authorization header.
"""

from __future__ import annotations

import itertools
import math
import re
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlencode

import httpx

from tests.standins import Recorded, Reply, Secrets, StandIn
from tests.standins.okta_push import GroupPushApps

SUMMARIES = {401: ("E0000011", "Invalid token provided"),
             404: ("E0000007", "Not found: Resource not found"),
             429: ("E0000047", "API call exceeded rate limit due to too many requests."),
             500: ("E0000009", "Internal Server Error"),
             503: ("E0000010", "Service is in read only mode")}
BUCKETS = {"/api/v1/users": 600, "/api/v1/users/{id}": 2000, "/api/v1/users/{id}/groups": 2000,
           "/api/v1/groups": 500, "/api/v1/groups/{id}": 1000,
           "/api/v1/groups/{id}/users": 1000, "/api/v1/logs": 120,
           "/api/v1/apps/{id}/group-push/mappings": 100,
           "/api/v1/apps/{id}/group-push/mappings/{id}": 100}
"""Requests a minute per endpoint family, Okta's documented defaults for a one-app org."""
CLAUSE = re.compile(r'([\w.]+)\s+(eq|sw|gt|ge|lt|le)\s+"((?:[^"\\]|\\.)*)"')
JOIN = re.compile(r"\s+(and|or)\s+")
_ERROR_IDS = itertools.count(1000)


def okta_error(status: int, summary: str = "", code: str = "",
               headers: dict[str, str] | None = None) -> Reply:
    """Okta's error object."""
    default_code, default_summary = SUMMARIES.get(status, ("E0000001", "Api validation failed"))
    code = code or default_code
    return Reply(status, {"errorCode": code, "errorSummary": summary or default_summary,
                          "errorLink": code, "errorId": f"oae{next(_ERROR_IDS)}",
                          "errorCauses": []}, headers or {})


def bucket_of(path: str) -> str:
    """The rate-limit bucket of an API path (ids replaced by {id})."""
    parts = [p for p in path.split("/") if p]
    if len(parts) >= 4:
        parts[3] = "{id}"
    if len(parts) >= 7 and parts[2] == "apps":
        parts[6] = "{id}"
    return "/" + "/".join(parts)


def matches(item: dict[str, Any], expression: str) -> bool:
    """Whether an Okta filter/search expression holds for a user or group; ValueError if bad.
    `and` binds tighter than `or`, as in Okta's expressions."""
    alternatives: list[list[bool]] = [[]]
    position, text = 0, expression.strip()
    while True:
        found = CLAUSE.match(text, position)
        if found is None:
            raise ValueError(expression)
        alternatives[-1].append(_clause(item, *found.group(1, 2, 3), expression))
        position = found.end()
        if position == len(text):
            return any(all(part) for part in alternatives)
        joined = JOIN.match(text, position)
        if joined is None:
            raise ValueError(expression)
        if joined.group(1) == "or":
            alternatives.append([])
        position = joined.end()


def _clause(item: dict[str, Any], path: str, op: str, value: str, expression: str) -> bool:
    value = value.replace('\\"', '"').replace("\\\\", "\\")
    current: Any = item
    for key in path.split("."):
        if not isinstance(current, dict) or key not in current:
            raise ValueError(expression)
        current = current[key]
    have = "" if current is None else str(current)
    if op == "eq":
        return have == value
    if op == "sw":
        return have.casefold().startswith(value.casefold())
    return {"gt": have > value, "ge": have >= value, "lt": have < value,
            "le": have <= value}[op]


class OktaStandIn(StandIn, GroupPushApps):
    """One Okta org with an Everyone group, an API token and an OAuth access token."""

    def __init__(self, token: str = "okta-api-token-value",
                 access_token: str = "okta-oauth-access-token", rate_limit: int | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        StandIn.__init__(self)
        GroupPushApps.__init__(self, self.base, clock)
        self.token, self.access_token = token, access_token
        self.limits = {b: rate_limit or n for b, n in BUCKETS.items()}
        self._used: dict[str, tuple[int, int]] = {}  # bucket -> (window, requests)
        self.refused_over_limit = 0
        self.hook_url = ""
        self.hook_authorization = ""
        self.hook_deliveries: list[httpx.Response] = []
        self.deliver = True
        """False: events are logged but not delivered (a missed hook delivery)."""
        self.everyone = self.add_group("Everyone", type="BUILT_IN",
                                       description="All users in your organization")

    @property
    def org_url(self) -> str:
        """The org URL, as `org_url` for the directory."""
        return self.base

    @property
    def rate_limit(self) -> int:
        """The limit of the users bucket."""
        return self.limits["/api/v1/users"]

    @rate_limit.setter
    def rate_limit(self, value: int) -> None:
        self.limits = {b: value for b in self.limits}

    # -- event hooks ---------------------------------------------------------------------

    def register_hook(self, url: str, authorization: str) -> httpx.Response:
        """Set up an event hook and send Okta's one-time verification request."""
        self.hook_url, self.hook_authorization = url, authorization
        challenge = uuid.uuid4().hex
        response = httpx.get(url, headers={"X-Okta-Verification-Challenge": challenge,
                                           "Authorization": authorization}, timeout=10)
        if response.status_code != 200 or response.json() != {"verification": challenge}:
            raise AssertionError(f"hook verification failed: {response.status_code} "
                                 f"{response.text}")
        return response

    def published(self, event: dict[str, Any]) -> None:
        """Deliver a new System Log event to the hook, as Okta does, when one is set up."""
        if self.hook_url and self.deliver:
            self.post_events([event])

    def post_events(self, events: list[dict[str, Any]], authorization: str | None = None,
                    event_id: str | None = None) -> httpx.Response:
        """POST one event hook delivery (Okta's body), as Okta would."""
        body = {"eventType": "com.okta.event_hook", "eventTypeVersion": "1.0",
                "cloudEventsVersion": "0.1", "contentType": "application/json",
                "source": f"{self.base}/api/v1/eventHooks/who0000000000000001",
                "eventId": event_id or str(uuid.uuid4()), "eventTime": self.stamp(),
                "data": {"events": events}}
        auth = self.hook_authorization if authorization is None else authorization
        response = httpx.post(self.hook_url, json=body, timeout=10,
                              headers={"Authorization": auth} if auth else {})
        self.hook_deliveries.append(response)
        return response

    # -- the API -------------------------------------------------------------------------

    def error_reply(self, status: int, retry_after: float | None) -> Reply:
        """Okta's error; a 429 says nothing remains until `retry_after` seconds from now."""
        headers = {}
        if status == 429:
            reset = math.ceil(self.clock() + (retry_after if retry_after is not None else 60))
            headers = {"X-Rate-Limit-Limit": str(self.rate_limit),
                       "X-Rate-Limit-Remaining": "0", "X-Rate-Limit-Reset": str(reset)}
        return okta_error(status, headers=headers)

    def route(self, request: Recorded, secrets: Secrets) -> Reply:
        """The API behind a valid token, counted against its bucket's minute."""
        if secrets.bearer("SSWS") != self.token and secrets.bearer() != self.access_token:
            return okta_error(401)
        bucket = bucket_of(request.path)
        limit = self.limits.get(bucket, 600)
        window = int(self.clock() // 60)
        seen, used = self._used.get(bucket, (window, 0))
        used = used if seen == window else 0
        headers = {"X-Rate-Limit-Limit": str(limit), "X-Rate-Limit-Reset": str((window + 1) * 60)}
        if used >= limit:
            self.refused_over_limit += 1
            return okta_error(429, headers={**headers, "X-Rate-Limit-Remaining": "0"})
        self._used[bucket] = (window, used + 1)
        try:
            reply = self._api(request)
        except ValueError as bad:
            reply = okta_error(400, f"Invalid search criteria: {bad}",
                               "E0000031" if bucket == "/api/v1/users" else "E0000001")
        reply.headers.update(headers, **{"X-Rate-Limit-Remaining": str(limit - used - 1)})
        return reply

    def _api(self, request: Recorded) -> Reply:
        query = {k: v[0] for k, v in request.query.items()}
        parts = [p for p in request.path.split("/") if p][2:]
        if parts[:1] == ["apps"]:
            return self.group_push_api(request, parts, query)
        if request.method != "GET":
            return okta_error(405, "Method not allowed", "E0000022")
        if parts == ["users"]:
            users: Iterable[dict[str, Any]] = self.users.values()
            expression = query.get("search") or query.get("filter")
            if expression:
                users = [u for u in users if matches(u, expression)]
            else:
                users = [u for u in users if u["status"] != "DEPROVISIONED"]
            return self._page(list(users), query, request.path, 200)
        if parts == ["groups"]:
            return self._page(self._groups(query), query, request.path, 10000)
        if parts == ["logs"]:
            return self._logs(query)
        if len(parts) >= 2 and parts[0] in ("users", "groups"):
            return self._one(parts, query, request.path)
        return okta_error(404, f"Not found: Resource not found: {request.path}")

    def _groups(self, query: dict[str, str]) -> list[dict[str, Any]]:
        expression = query.get("search") or query.get("filter") or ""
        linked = set() if "source.id" in expression else \
            {m["targetGroupId"] for m in self.push_mappings.values()}
        groups = [g for g in self.groups.values() if g["id"] not in linked]  # Okta-sourced now
        if "q" in query:
            text = query["q"].casefold()
            groups = [g for g in groups if g["profile"]["name"].casefold().startswith(text)]
            groups.sort(key=lambda g: g["profile"]["name"].casefold() != text)
        if expression:  # only app groups have a source
            groups = [g for g in groups if matches({"source": {"id": ""}, **g}, expression)]
        return groups

    def _one(self, parts: list[str], query: dict[str, str], path: str) -> Reply:
        kind, oid, rest = parts[0], parts[1], parts[2:]
        table = self.users if kind == "users" else self.groups
        if oid not in table:
            return okta_error(404, f"Not found: Resource not found: {oid} "
                              f"({'User' if kind == 'users' else 'UserGroup'})")
        if not rest:
            return Reply(200, table[oid])
        if kind == "groups" and rest == ["users"]:
            ids = list(self.users) if oid == self.everyone else self.members[oid]
            return self._page([self.users[u] for u in ids], query, path, 1000)
        if kind == "users" and rest == ["groups"]:
            groups = [g for gid, g in self.groups.items()
                      if oid in self.members[gid] or gid == self.everyone]
            return self._page(groups, query, path, 10000)
        return okta_error(404, f"Not found: Resource not found: {path}")

    def _logs(self, query: dict[str, str]) -> Reply:
        since, until = query.get("since", ""), query.get("until", "\uffff")
        expression = query.get("filter", "")
        events = [e for e in self.log if since < e["published"] <= until
                  and (not expression or matches(e, expression))]
        limit = min(int(query.get("limit", 100)), 1000)
        return Reply(200, events[:limit])

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

