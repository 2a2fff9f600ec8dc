"""A Microsoft Graph v1.0 and Microsoft identity platform stand-in: groups, members, users.

Endpoints, each as its Microsoft page documents it:
- POST /{tenant}/oauth2/v2.0/token, client-credentials grant
  https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow
  (errors: https://learn.microsoft.com/entra/identity-platform/reference-error-codes)
- GET /v1.0/groups?$filter=displayName eq '...'  https://learn.microsoft.com/graph/api/group-list
- GET /v1.0/groups/{id}                          https://learn.microsoft.com/graph/api/group-get
- POST /v1.0/groups                              https://learn.microsoft.com/graph/api/group-post-groups
- DELETE /v1.0/groups/{id}                       https://learn.microsoft.com/graph/api/group-delete
- GET /v1.0/groups/{id}/members (nextLink)       https://learn.microsoft.com/graph/api/group-list-members
- PATCH /v1.0/groups/{id} members@odata.bind ≤20 https://learn.microsoft.com/graph/api/group-post-members
- DELETE /v1.0/groups/{id}/members/{id}/$ref     https://learn.microsoft.com/graph/api/group-delete-members
- GET /v1.0/users?$filter=userPrincipalName in (...)  https://learn.microsoft.com/graph/api/user-list
  (`in` holds at most 15 values: https://learn.microsoft.com/graph/filter-query-parameter)
- GET /v1.0/users/$count with ConsistencyLevel: eventual (a plain number; 400 without the
  header)  https://learn.microsoft.com/graph/api/user-list
- POST /v1.0/$batch, at most 20 requests, answers in any order
  https://learn.microsoft.com/graph/json-batching
- throttling: the directory's limits per app and tenant (a small tenant: 3,500 requests per
  10 seconds; 3,000 writes per 150 seconds), each request of a batch counted on its own and
  answered 429 TooManyRequests with Retry-After past them
  https://learn.microsoft.com/graph/throttling-limits
- errors {"error": {"code", "message"}}: https://learn.microsoft.com/graph/errors;
  429 with Retry-After (also per batch item): https://learn.microsoft.com/graph/throttling
"""

from __future__ import annotations

import base64
import math
import re
import time
import uuid
from collections import deque
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qs, quote, urlencode

from tests.standins import Recorded, Reply, Secrets, StandIn

SCOPE = "https://graph.microsoft.com/.default"
_LITERAL = r"'(?:[^']|'')*'"
_CLAUSE = re.compile(
    rf"\s*(\w+)\s+(?:eq\s+({_LITERAL})|in\s+\(\s*({_LITERAL}(?:\s*,\s*{_LITERAL})*)\s*\))\s*")
LIMITS = {"any": (3500, 10.0), "write": (3000, 150.0)}
"""Identity and access limits per app and tenant (S tenant): requests, and writes, a window."""
_NICKNAME_BAD = re.compile(r'[@()\\\[\]";:<>,\s]|[^\x21-\x7e]')


def parse_filter(text: str) -> list[tuple[str, list[str]]]:
    """`prop eq 'v'` and `prop in ('a', 'b')` clauses joined by `or`; raises ValueError."""
    clauses, pos = [], 0
    while True:
        match = _CLAUSE.match(text, pos)
        if not match:
            raise ValueError(text)
        literals = match.group(2) or match.group(3)
        values = [lit[1:-1].replace("''", "'") for lit in re.findall(_LITERAL, literals)]
        clauses.append((match.group(1), values))
        pos = match.end()
        if pos == len(text):
            return clauses
        if not text.startswith("or ", pos):
            raise ValueError(text)
        pos += 3


def graph_error(status: int, code: str, message: str,
                headers: dict[str, str] | None = None) -> Reply:
    """Graph's error body."""
    return Reply(status, {"error": {"code": code, "message": message, "innerError": {
        "date": "2024-01-01T00:00:00", "request-id": str(uuid.uuid4())}}}, headers or {})


def not_found(object_id: str) -> Reply:
    """Graph's 404 for a directory object."""
    return graph_error(404, "Request_ResourceNotFound", f"Resource '{object_id}' does not exist "
                       "or one of its queried reference-property objects are not present.")


class GraphStandIn(StandIn):
    """One Entra ID tenant with one app registration allowed to manage its groups."""

    def __init__(self, tenant: str = "contoso.onmicrosoft.com", client_id: str = "app-id-1",
                 client_secret: str = "graph-secret-value", page_size: int = 100,
                 limits: dict[str, tuple[int, float]] | None = None) -> None:
        super().__init__()
        self.limits = dict(LIMITS if limits is None else limits)
        """Throttling windows by kind ("any", "write"): (requests, seconds); {} lifts them."""
        self.throttled = 0
        """Requests (or batch items) answered 429 because a limit was exceeded."""
        self._recent: dict[str, deque[float]] = {kind: deque() for kind in self.limits}
        self.tenant, self.client_id, self.client_secret = tenant, client_id, client_secret
        self.page_size = page_size
        self.token_lifetime = 3599
        self.tokens: set[str] = set()
        self.users: dict[str, dict[str, Any]] = {}
        self.groups: dict[str, dict[str, Any]] = {}
        self.members: dict[str, list[str]] = {}
        self._item_faults: list[list[Any]] = []
        self._by_upn: dict[str, dict[str, Any]] = {}

    @property
    def api_url(self) -> str:
        """The Graph base URL, as `api_url` for the connector."""
        return f"{self.base}/v1.0"

    def add_user(self, upn: str) -> str:
        """A user made directly in the tenant; returns its id."""
        uid = str(uuid.uuid4())
        with self.lock:
            self.users[uid] = {"id": uid, "userPrincipalName": upn,
                               "displayName": upn.split("@")[0]}
            self._by_upn[upn.casefold()] = self.users[uid]
        return uid

    def add_group(self, name: str, member_ids: Iterable[str] = ()) -> str:
        """A security group made directly in the tenant; returns its id."""
        with self.lock:
            return self._create_group({"displayName": name, "mailNickname": "g",
                                       "mailEnabled": False, "securityEnabled": True,
                                       "groupTypes": []}, list(member_ids))

    def revoke_tokens(self) -> None:
        """Make every issued token expired (the next API call answers 401)."""
        with self.lock:
            self.tokens.clear()

    def fail_batch_items(self, status: int, times: int = 1, retry_after: float = 1) -> None:
        """Answer the next `times` batch sub-requests with `status` and a Retry-After."""
        with self.lock:
            self._item_faults.append([status, times, retry_after])

    def batch_requests(self) -> list[list[dict[str, Any]]]:
        """The sub-requests of every $batch received, batch by batch."""
        return [r.body["requests"] for r in self.sent("POST", "/v1.0/$batch")]

    def error_reply(self, status: int, retry_after: float | None) -> Reply:
        """Graph's throttling and server errors."""
        headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else {}
        codes = {401: ("InvalidAuthenticationToken", "Access token validation failure."),
                 403: ("Authorization_RequestDenied",
                       "Insufficient privileges to complete the operation."),
                 429: ("TooManyRequests", "Please retry again later."),
                 503: ("serviceNotAvailable", "Service unavailable, retry later."),
                 500: ("generalException", "An internal server error occurred.")}
        code, message = codes.get(status, ("UnknownError", "Failure"))
        return graph_error(status, code, message, headers)

    def route(self, request: Recorded, secrets: Secrets) -> Reply:
        """Token endpoint, or the Graph API behind a valid bearer token."""
        if request.path.endswith("/oauth2/v2.0/token") and request.method == "POST":
            return self._token(request, secrets)
        if not request.path.startswith("/v1.0/"):
            return graph_error(400, "BadRequest", f"Invalid version: {request.path}")
        token = secrets.bearer()
        if token is None or token not in self.tokens:
            message = ("Access token is empty." if token is None
                       else "Lifetime validation failed, the token is expired.")
            return graph_error(401, "InvalidAuthenticationToken", message, {
                "WWW-Authenticate": 'Bearer realm="", authorization_uri='
                '"https://login.microsoftonline.com/common/oauth2/authorize"'})
        path = request.path[len("/v1.0"):]
        query = {k: v[0] for k, v in request.query.items()}
        if path == "/$batch" and request.method == "POST":
            return self._batch(request.body)
        throttled = self._throttle(request.method)
        if throttled is not None:
            return throttled
        if path == "/users/$count" and request.method == "GET":
            consistency = {k.lower(): v for k, v in request.headers.items()}.get(
                "consistencylevel")
            if consistency != "eventual":
                return graph_error(400, "Request_BadRequest",
                                   "$count is not currently supported.")
            return Reply(200, len(self.users))
        return self._graph(request.method, path, query, request.body)

    def _throttle(self, method: str) -> Reply | None:
        """Count one request against the limits; Graph's 429 when one is exceeded."""
        kinds = ["any"] + (["write"] if method != "GET" else [])
        now = time.monotonic()
        for kind in kinds:
            if kind not in self.limits:
                continue
            allowed, window = self.limits[kind]
            recent = self._recent[kind]
            while recent and recent[0] <= now - window:
                recent.popleft()
            if len(recent) >= allowed:
                self.throttled += 1
                wait = max(1, math.ceil(recent[0] + window - now))
                return self.error_reply(429, wait)
        for kind in kinds:
            if kind in self.limits:
                self._recent[kind].append(now)
        return None

    def _token(self, request: Recorded, secrets: Secrets) -> Reply:
        form = request.body or {}
        tenant = request.path.split("/")[1]

        def refuse(status: int, error: str, code: int, text: str) -> Reply:
            return Reply(status, {"error": error, "error_description": f"AADSTS{code}: {text}",
                                  "error_codes": [code], "timestamp": "2024-01-01 00:00:00Z",
                                  "trace_id": str(uuid.uuid4())})

        if tenant != self.tenant:
            return refuse(400, "invalid_request", 90002, f"Tenant '{tenant}' not found.")
        if form.get("grant_type") != "client_credentials":
            return refuse(400, "unsupported_grant_type", 70003, "The app requested an "
                          "unsupported grant type.")
        if form.get("client_id") != self.client_id:
            return refuse(400, "unauthorized_client", 700016, f"Application with identifier "
                          f"'{form.get('client_id')}' was not found in the directory.")
        if secrets.form.get("client_secret") != self.client_secret:
            return refuse(401, "invalid_client", 7000215, "Invalid client secret provided.")
        if form.get("scope") != SCOPE:
            return refuse(400, "invalid_scope", 1002012, "The provided value for scope "
                          f"{form.get('scope')} is not valid.")
        token = f"eyJ0eXAiOiJKV1Qi.{uuid.uuid4().hex}"
        self.tokens.add(token)
        return Reply(200, {"token_type": "Bearer", "expires_in": self.token_lifetime,
                           "ext_expires_in": self.token_lifetime, "access_token": token})

    def _graph(self, method: str, path: str, query: dict[str, str], body: Any) -> Reply:
        parts = [p for p in path.split("/") if p]
        if parts == ["groups"] and method == "GET":
            return self._list(list(self.groups.values()), query, "/groups", "displayName")
        if parts == ["groups"] and method == "POST":
            return self._post_group(body or {})
        if parts == ["users"] and method == "GET":
            return self._list(list(self.users.values()), query, "/users", "userPrincipalName")
        if len(parts) >= 2 and parts[0] == "groups":
            gid = parts[1]
            if not _is_guid(gid):
                return graph_error(400, "Request_BadRequest", f"Invalid object identifier '{gid}'.")
            if gid not in self.groups:
                return not_found(gid)
            if len(parts) == 2:
                return self._one_group(method, gid, query, body or {})
            if len(parts) == 3 and parts[2] == "members" and method == "GET":
                users = [{"@odata.type": "#microsoft.graph.user", **self.users[uid]}
                         for uid in self.members[gid]]
                return self._list(users, query, f"/groups/{gid}/members", None)
            if len(parts) == 5 and parts[2] == "members" and parts[4] == "$ref" and (
                    method == "DELETE"):
                if parts[3] not in self.members[gid]:
                    return not_found(parts[3])
                self.members[gid].remove(parts[3])
                return Reply(204)
        return graph_error(400, "BadRequest", f"Unsupported request {method} {path}")

    def _one_group(self, method: str, gid: str, query: dict[str, str],
                   body: dict[str, Any]) -> Reply:
        if method == "GET":
            return Reply(200, {"@odata.context": f"{self.api_url}/$metadata#groups/$entity",
                               **_select(self.groups[gid], query)})
        if method == "DELETE":
            del self.groups[gid], self.members[gid]
            return Reply(204)
        if method == "PATCH":
            return self._patch_group(gid, body)
        return graph_error(405, "Request_BadRequest", "Method not allowed")

    def _patch_group(self, gid: str, body: dict[str, Any]) -> Reply:
        if body.get("description") == "":
            return graph_error(400, "Request_BadRequest", "Invalid value specified for "
                               "property 'description' of resource 'Group'.")
        refs = body.get("members@odata.bind", [])
        if len(refs) > 20:
            return graph_error(400, "Request_BadRequest", "The request exceeds the maximum of "
                               "20 members that can be added in a single request.")
        ids = []
        for ref in refs:
            match = re.search(r"/(?:directoryObjects|users)/([^/?#]+)$", str(ref))
            if not match:
                return graph_error(400, "Request_BadRequest", "Invalid URL format specified "
                                   f"in @odata.bind for members: {ref}")
            if match.group(1) not in self.users:
                return not_found(match.group(1))
            ids.append(match.group(1))
        present = set(self.members[gid])
        if any(uid in present for uid in ids):
            return graph_error(400, "Request_BadRequest", "One or more added object references "
                               "already exist for the following modified properties: 'members'.")
        self.members[gid].extend(ids)
        for key in ("displayName", "description"):
            if key in body:
                self.groups[gid][key] = body[key]
        return Reply(204)

    def _post_group(self, body: dict[str, Any]) -> Reply:
        for key in ("displayName", "mailEnabled", "mailNickname", "securityEnabled"):
            if key not in body:
                return graph_error(400, "Request_BadRequest", f"A value is required for "
                                   f"property '{key}' of resource 'Group'.")
        nickname = str(body["mailNickname"])
        if not nickname or len(nickname) > 64 or _NICKNAME_BAD.search(nickname) or (
                body.get("description") == ""):
            prop = "description" if body.get("description") == "" else "mailNickname"
            return graph_error(400, "Request_BadRequest", f"Invalid value specified for "
                               f"property '{prop}' of resource 'Group'.")
        unified = "Unified" in (body.get("groupTypes") or [])
        if body["mailEnabled"] and not unified or unified and not body["mailEnabled"]:
            return graph_error(400, "Request_BadRequest", "Only Microsoft 365 groups may be "
                               "mail-enabled; security groups need mailEnabled false.")
        if unified and any(g["mailNickname"] == nickname and "Unified" in g["groupTypes"]
                           for g in self.groups.values()):
            return graph_error(400, "Request_BadRequest", "Another object with the same value "
                               "for property mailNickname already exists.")
        gid = self._create_group(body, [])
        return Reply(201, {"@odata.context": f"{self.api_url}/$metadata#groups/$entity",
                           **self.groups[gid]})

    def _create_group(self, body: dict[str, Any], member_ids: list[str]) -> str:
        gid = str(uuid.uuid4())
        unified = "Unified" in (body.get("groupTypes") or [])
        self.groups[gid] = {
            "id": gid, "deletedDateTime": None, "createdDateTime": "2024-01-01T00:00:00Z",
            "description": body.get("description"), "displayName": body["displayName"],
            "groupTypes": body.get("groupTypes") or [],
            "mail": f"{body['mailNickname']}@contoso.test" if unified else None,
            "mailEnabled": body["mailEnabled"], "mailNickname": body["mailNickname"],
            "securityEnabled": body["securityEnabled"], "visibility": None}
        self.members[gid] = list(member_ids)
        return gid

    def _list(self, items: list[dict[str, Any]], query: dict[str, str], path: str,
              filterable: str | None) -> Reply:
        """A filtered, selected page of a collection, with @odata.nextLink for the rest."""
        if "$filter" in query:
            try:
                clauses = parse_filter(query["$filter"])
            except ValueError:
                return graph_error(400, "BadRequest", f"Invalid filter clause: {query['$filter']}")
            if sum(len(values) for _, values in clauses) > 15:
                return graph_error(400, "Request_UnsupportedQuery", "Too many child clauses "
                                   "specified in search filter expression. Max allowed: 15.")
            if any(prop != filterable for prop, _ in clauses):
                return graph_error(400, "Request_UnsupportedQuery", "Unsupported Query.")
            wanted = {v.casefold() for _, values in clauses for v in values}
            if path == "/users":  # an index, as the directory has: large tenants stay quick
                items = [self._by_upn[v] for v in sorted(wanted) if v in self._by_upn]
            else:
                items = [i for i in items if str(i.get(filterable or "")).casefold() in wanted]
        top = min(int(query.get("$top", 100)), 999, self.page_size)
        start = int(base64.b64decode(query["$skiptoken"]).decode()) if "$skiptoken" in query else 0
        page = items[start:start + top]
        body: dict[str, Any] = {"@odata.context": f"{self.api_url}/$metadata#{path.strip('/')}",
                                "value": [_select(i, query) for i in page]}
        if start + top < len(items):
            token = base64.b64encode(str(start + top).encode()).decode()
            rest = {**{k: v for k, v in query.items() if k != "$skiptoken"}, "$skiptoken": token}
            body["@odata.nextLink"] = f"{self.api_url}{path}?{urlencode(rest, quote_via=quote)}"
        return Reply(200, body)

    def _batch(self, body: Any) -> Reply:
        requests = (body or {}).get("requests") if isinstance(body, dict) else None
        if not isinstance(requests, list) or not requests:
            return graph_error(400, "BadRequest", "Invalid batch payload format.")
        if len(requests) > 20:
            return graph_error(400, "BadRequest", "Batch request exceeds the limit of 20 "
                               "requests.")
        responses = []
        for sub in requests:
            fault = next((f for f in self._item_faults if f[1] > 0), None)
            if fault is not None:
                fault[1] -= 1
                reply = self.error_reply(fault[0], fault[2])
            else:
                url = "/" + str(sub["url"]).lstrip("/")
                path, _, qs = url.partition("?")
                query = {k: v[0] for k, v in parse_qs(qs).items()}
                headers = {str(k).lower() for k in (sub.get("headers") or {})}
                if "body" in sub and "content-type" not in headers:
                    reply = graph_error(400, "BadRequest", "Content-Type header is required "
                                        "for a request with a body.")
                else:
                    reply = self._throttle(sub["method"]) or self._graph(
                        sub["method"], path, query, sub.get("body"))
            answer: dict[str, Any] = {"id": sub["id"], "status": reply.status,
                                      "headers": dict(reply.headers)}
            if reply.body is not None:
                answer["headers"]["Content-Type"] = "application/json"
                answer["body"] = reply.body
            responses.append(answer)
        responses.reverse()  # "responses might be in a different order than the requests"
        return Reply(200, {"responses": responses})


def _is_guid(text: str) -> bool:
    try:
        return str(uuid.UUID(text)) == text.lower()
    except ValueError:
        return False


def _select(item: dict[str, Any], query: dict[str, str]) -> dict[str, Any]:
    fields = [f for f in query.get("$select", "").split(",") if f]
    if not fields:
        return dict(item)
    keep = {k: v for k, v in item.items() if k in fields}
    if "@odata.type" in item:
        keep["@odata.type"] = item["@odata.type"]
    return keep
