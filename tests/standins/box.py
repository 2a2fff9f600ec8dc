"""A Box Platform API 2.0 stand-in: one enterprise, its users, groups and group memberships.

Endpoints, each as its Box page documents it:
- POST /oauth2/token, Client Credentials Grant as the enterprise's service account
  https://developer.box.com/guides/authentication/client-credentials/ and
  https://developer.box.com/reference/post-oauth2-token/ (400 invalid_client / invalid_grant /
  unauthorized_client, as Box answers them)
- GET /2.0/groups?filter_term=&limit=&offset=  https://developer.box.com/reference/get-groups/
- POST /2.0/groups (409 when the name is taken) https://developer.box.com/reference/post-groups/
- GET /2.0/groups/{id}                         https://developer.box.com/reference/get-groups-id/
- DELETE /2.0/groups/{id}                      https://developer.box.com/reference/delete-groups-id/
- GET /2.0/groups/{id}/memberships             https://developer.box.com/reference/get-groups-id-memberships/
- POST /2.0/group_memberships                  https://developer.box.com/reference/post-group-memberships/
- DELETE /2.0/group_memberships/{id}           https://developer.box.com/reference/delete-group-memberships-id/
- GET /2.0/users?filter_term=                  https://developer.box.com/reference/get-users/
  (offset paging, an offset past 10000 refused with 400; or marker paging with usemarker=true:
  `next_marker` until it is null, no total_count:
  https://developer.box.com/guides/api-calls/pagination/marker-based/; `fields` picks what
  comes back besides type and id: https://developer.box.com/guides/api-calls/fields/)
- rate limit: 1000 API requests a minute per user (here the enterprise's service account),
  past it 429 rate_limit_exceeded with Retry-After
  https://developer.box.com/guides/api-calls/permissions-and-errors/rate-limits/
- errors (client error object, 401 invalid_token, 404 not_found, 409, 429 rate_limit_exceeded
  with Retry-After): https://developer.box.com/guides/api-calls/permissions-and-errors/common-errors/

A membership for a user already in the group is answered 409 conflict (Box's behaviour; the
reference page lists only the default error for it).
"""

from __future__ import annotations

import base64
import bisect
import itertools
import json
import math
import time
import uuid
from collections import deque
from typing import Any

from tests.standins import Recorded, Reply, Secrets, StandIn

CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
         409: "conflict", 429: "rate_limit_exceeded", 500: "internal_server_error",
         503: "unavailable"}
MESSAGES = {429: "Request rate limit exceeded, please try again later.",
            500: "Internal Server Error", 503: "Unavailable", 404: "Not Found"}
RATE_LIMIT = (1000, 60.0)
"""Box's documented general limit: 1000 API requests a minute per user."""


def box_error(status: int, message: str = "", code: str = "",
              headers: dict[str, str] | None = None) -> Reply:
    """Box's client error object."""
    return Reply(status, {
        "type": "error", "status": status, "code": code or CODES.get(status, "bad_request"),
        "help_url": "https://developer.box.com/guides/api-calls/permissions-and-errors/"
                    "common-errors/",
        "message": message or MESSAGES.get(status, "Bad Request"),
        "request_id": uuid.uuid4().hex[:12]}, headers or {})


class BoxStandIn(StandIn):
    """One Box enterprise with one CCG app authorized in it."""

    def __init__(self, client_id: str = "box-client-id", client_secret: str = "box-secret-value",
                 enterprise_id: str = "77001", max_limit: int = 1000,
                 rate_limit: tuple[int, float] | None = RATE_LIMIT) -> None:
        super().__init__()
        self.rate_limit = rate_limit
        """(requests, seconds) allowed to the service account; None lifts the limit."""
        self.throttled = 0
        """Requests answered 429 because the rate limit was exceeded."""
        self._recent: deque[float] = deque()
        self._by_group: dict[str, dict[str, str]] = {}
        """Membership ids by group, each with its user id (an index: large groups stay quick)."""
        self._users_in: dict[str, set[str]] = {}
        self._index: list[tuple[str, str]] | None = None
        self.client_id, self.client_secret, self.enterprise_id = (
            client_id, client_secret, enterprise_id)
        self.max_limit = max_limit
        self.tokens: set[str] = set()
        self.users: dict[str, dict[str, Any]] = {}
        self.groups: dict[str, dict[str, Any]] = {}
        self.memberships: dict[str, dict[str, Any]] = {}
        self._ids = itertools.count(11446498)

    @property
    def api_url(self) -> str:
        """The API base URL, as `api_url` for the connector."""
        return f"{self.base}/2.0"

    @property
    def token_url(self) -> str:
        """The token endpoint, as `token_url` for the connector."""
        return f"{self.base}/oauth2/token"

    def add_user(self, login: str, name: str = "") -> str:
        """A managed user made directly in the enterprise; returns its id."""
        with self.lock:
            uid = str(next(self._ids))
            self.users[uid] = {"type": "user", "id": uid, "name": name or login.split("@")[0],
                               "login": login, "status": "active"}
            self._index = None
            return uid

    def add_group(self, name: str, member_ids: list[str] | tuple[str, ...] = ()) -> str:
        """A group made directly in the enterprise; returns its id."""
        with self.lock:
            gid = self._new_group({"name": name})
            for uid in member_ids:
                self._new_membership(uid, gid)
            return gid

    def member_ids(self, group_id: str) -> set[str]:
        """User ids of the group's members."""
        with self.lock:
            return {m["user"]["id"] for m in self._of_group(group_id)}

    def _of_group(self, group_id: str) -> list[dict[str, Any]]:
        """The group's memberships (an index by group keeps large groups quick)."""
        return [self.memberships[mid] for mid in self._by_group.get(group_id, {})
                if mid in self.memberships]

    def revoke_tokens(self) -> None:
        """Make every issued token invalid (the next call answers 401)."""
        with self.lock:
            self.tokens.clear()

    def error_reply(self, status: int, retry_after: float | None) -> Reply:
        """Box's error for an injected fault, with Retry-After when given."""
        headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else {}
        if status == 401:
            return self._unauthorized()
        return box_error(status, headers=headers)

    def route(self, request: Recorded, secrets: Secrets) -> Reply:
        """Token endpoint, or the API behind a valid bearer token."""
        if request.path == "/oauth2/token" and request.method == "POST":
            return self._token(request.body or {}, secrets)
        if not request.path.startswith("/2.0/"):
            return box_error(404)
        if secrets.bearer() not in self.tokens:
            return self._unauthorized()
        over = self._over_rate()
        if over is not None:
            self.throttled += 1
            return box_error(429, headers={"Retry-After": str(over)})
        parts = request.path.split("/")[2:]
        query = {k: v[0] for k, v in request.query.items()}
        body = request.body if isinstance(request.body, dict) else {}
        if parts[0] == "groups":
            return self._groups(request.method, parts[1:], query, body)
        if parts[0] == "group_memberships":
            return self._memberships(request.method, parts[1:], body)
        if parts == ["users"] and request.method == "GET":
            users = [_fields(u, query)
                     for u in self._starting_with(query.get("filter_term", "").casefold())]
            if query.get("usemarker") == "true":
                return self._marker_page(users, query)
            return self._page(users, query)
        return box_error(405, "Method Not Allowed", "method_not_allowed")

    def _starting_with(self, term: str) -> list[dict[str, Any]]:
        """Users whose login or name starts with `term` (an index keeps large enterprises quick)."""
        if not term:
            return list(self.users.values())
        if self._index is None:
            self._index = sorted({(key, uid) for uid, u in self.users.items()
                                  for key in (u["login"].casefold(), u["name"].casefold())})
        found: dict[str, None] = {}
        for key, uid in self._index[bisect.bisect_left(self._index, (term, "")):]:
            if not key.startswith(term):
                break
            found[uid] = None
        return [self.users[uid] for uid in sorted(found, key=int)]

    def _over_rate(self) -> int | None:
        """Whole seconds to wait when this request is past the rate limit, else None."""
        if self.rate_limit is None:
            return None
        allowed, window = self.rate_limit
        now = time.monotonic()
        while self._recent and self._recent[0] <= now - window:
            self._recent.popleft()
        if len(self._recent) >= allowed:
            return max(1, math.ceil(self._recent[0] + window - now))
        self._recent.append(now)
        return None

    def _marker_page(self, items: list[dict[str, Any]], query: dict[str, str]) -> Reply:
        """Marker paging: entries after the marker's user id, and the next marker or null."""
        try:
            limit = min(int(query.get("limit", 100)), self.max_limit)
            marker = query.get("marker") or ""
            after = int(json.loads(base64.urlsafe_b64decode(marker + "=="))["tail"]) if (
                marker not in ("", "0")) else -1
        except (ValueError, KeyError, TypeError):
            return box_error(400, "Bad Request: invalid marker", "bad_request")
        rest = [i for i in sorted(items, key=lambda i: int(i["id"])) if int(i["id"]) > after]
        page = rest[:limit]
        next_marker = None
        if len(rest) > limit:
            tail = json.dumps({"type": "id", "dir": "next", "tail": page[-1]["id"]})
            next_marker = base64.urlsafe_b64encode(tail.encode()).decode().rstrip("=")
        return Reply(200, {"limit": limit, "next_marker": next_marker, "entries": page})

    def _unauthorized(self) -> Reply:
        return Reply(401, None, {"WWW-Authenticate": 'Bearer realm="Service", '
                                 'error="invalid_token", '
                                 'error_description="The access token provided is invalid."'})

    def _token(self, form: dict[str, str], secrets: Secrets) -> Reply:
        def refuse(error: str, text: str) -> Reply:
            return Reply(400, {"error": error, "error_description": text})

        if form.get("grant_type") != "client_credentials":
            return refuse("unsupported_grant_type", "Grant type not supported")
        if form.get("client_id") != self.client_id or (
                secrets.form.get("client_secret") != self.client_secret):
            return refuse("invalid_client", "The client credentials are invalid")
        if form.get("box_subject_type") not in ("enterprise", "user"):
            return refuse("unauthorized_client", 'The "box_subject_type" value is unauthorized '
                          "for this client_id")
        if form.get("box_subject_type") != "enterprise" or (
                form.get("box_subject_id") != self.enterprise_id):
            return refuse("invalid_grant", "Grant credentials are invalid")
        token = uuid.uuid4().hex
        self.tokens.add(token)
        return Reply(200, {"access_token": token, "expires_in": 3992, "restricted_to": [],
                           "token_type": "bearer"})

    def _groups(self, method: str, parts: list[str], query: dict[str, str],
                body: dict[str, Any]) -> Reply:
        if not parts and method == "GET":
            term = query.get("filter_term", "").casefold()
            found = [_mini_group(g) for g in self.groups.values()
                     if g["name"].casefold().startswith(term)]
            return self._page(found, query)
        if not parts and method == "POST":
            name = body.get("name")
            if not isinstance(name, str) or not name:
                return box_error(400, "Bad Request: name is required", "bad_request")
            if len(body.get("description") or "") > 255:
                return box_error(400, "Bad Request: description is too long", "bad_request")
            if any(g["name"].casefold() == name.casefold() for g in self.groups.values()):
                return box_error(409, "Group with the same name already exists",
                                 "invalid_parameter")
            return Reply(201, self.groups[self._new_group(body)])
        gid = parts[0]
        if gid not in self.groups:
            return box_error(404)
        if len(parts) == 1 and method == "GET":
            return Reply(200, self.groups[gid])
        if len(parts) == 1 and method == "PUT":
            name = body.get("name", self.groups[gid]["name"])
            if not isinstance(name, str) or not name:
                return box_error(400, "Bad Request: name is invalid", "bad_request")
            if len(body.get("description") or "") > 255:
                return box_error(400, "Bad Request: description is too long", "bad_request")
            if "description" in body:
                self.groups[gid]["description"] = body["description"]
            if any(g["name"].casefold() == name.casefold() and other != gid
                   for other, g in self.groups.items()):
                return box_error(409, "Group with the same name already exists",
                                 "invalid_parameter")
            self.groups[gid]["name"] = name
            return Reply(200, self.groups[gid])
        if len(parts) == 1 and method == "DELETE":
            del self.groups[gid]
            for mid in self._by_group.pop(gid, {}):
                self.memberships.pop(mid, None)
            self._users_in.pop(gid, None)
            return Reply(204)
        if parts[1:] == ["memberships"] and method == "GET":
            return self._page(self._of_group(gid), query)
        return box_error(405, "Method Not Allowed", "method_not_allowed")

    def _memberships(self, method: str, parts: list[str], body: dict[str, Any]) -> Reply:
        if not parts and method == "POST":
            uid = str((body.get("user") or {}).get("id", ""))
            gid = str((body.get("group") or {}).get("id", ""))
            if uid not in self.users or gid not in self.groups:
                return box_error(404, "Not Found", "not_found")
            if uid in self._users_in.get(gid, set()):
                return box_error(409, "User is already a member of this group", "conflict")
            return Reply(201, self.memberships[self._new_membership(uid, gid)])
        if len(parts) == 1 and method == "DELETE":
            if parts[0] not in self.memberships:
                return box_error(404)
            membership = self.memberships.pop(parts[0])
            group_id, user_id = membership["group"]["id"], membership["user"]["id"]
            self._by_group.get(group_id, {}).pop(parts[0], None)
            self._users_in.get(group_id, set()).discard(user_id)
            return Reply(204)
        return box_error(405, "Method Not Allowed", "method_not_allowed")

    def _page(self, items: list[dict[str, Any]], query: dict[str, str]) -> Reply:
        """Offset paging as Box documents it: limit (max 1000 here `max_limit`), offset."""
        try:
            limit = min(int(query.get("limit", 100)), self.max_limit)
            offset = int(query.get("offset", 0))
        except ValueError:
            return box_error(400, "Bad Request: invalid limit or offset", "bad_request")
        if offset > 10000:
            return box_error(400, "Bad Request: offset exceeds 10000", "bad_request")
        return Reply(200, {"total_count": len(items), "limit": limit, "offset": offset,
                           "order": [{"by": "id", "direction": "ASC"}],
                           "entries": items[offset:offset + limit]})

    def _new_group(self, body: dict[str, Any]) -> str:
        gid = str(next(self._ids))
        self.groups[gid] = {"type": "group", "id": gid, "name": body["name"],
                            "group_type": "managed_group", "description": body.get("description"),
                            "provenance": body.get("provenance"),
                            "created_at": "2024-01-01T10:53:43-08:00",
                            "modified_at": "2024-01-01T10:53:43-08:00"}
        return gid

    def _new_membership(self, uid: str, gid: str) -> str:
        mid = str(next(self._ids))
        user = self.users[uid]
        self._by_group.setdefault(gid, {})[mid] = uid
        self._users_in.setdefault(gid, set()).add(uid)
        self.memberships[mid] = {
            "type": "group_membership", "id": mid, "role": "member",
            "user": {"type": "user", "id": uid, "name": user["name"], "login": user["login"]},
            "group": _mini_group(self.groups[gid]),
            "created_at": "2024-01-01T10:53:43-08:00", "modified_at": "2024-01-01T10:53:43-08:00"}
        return mid


def _fields(item: dict[str, Any], query: dict[str, str]) -> dict[str, Any]:
    """Only the fields asked for (type and id always), as Box's `fields` parameter does."""
    wanted = [f for f in query.get("fields", "").split(",") if f]
    if not wanted:
        return item
    return {k: v for k, v in item.items() if k in ("type", "id", *wanted)}


def _mini_group(group: dict[str, Any]) -> dict[str, Any]:
    return {k: group[k] for k in ("type", "id", "name", "group_type")}
