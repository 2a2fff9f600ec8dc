"""Microsoft 365 (Entra ID) groups through Microsoft Graph v1.0, signed in as the app itself.

Requests, with the Microsoft pages they follow:
- token: client-credentials grant, https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow
- groups: https://learn.microsoft.com/graph/api/group-list (and group-get, group-post-groups,
  group-delete)
- members: group-list-members (paged by @odata.nextLink), group-post-members (PATCH with
  members@odata.bind, at most 20) and group-delete-members (DELETE .../$ref), both sent in JSON
  batches of at most 20 requests (https://learn.microsoft.com/graph/json-batching): 400
  members added, or 20 removed, per HTTP request
- users: GET /users with `$filter=userPrincipalName in (...)`, at most 15 values a clause
  (https://learn.microsoft.com/graph/filter-query-parameter), 20 such lookups per batch; or,
  when that costs more requests, the tenant's users listed 999 a page with
  `$select=id,userPrincipalName` (its size from GET /users/$count, ConsistencyLevel eventual:
  https://learn.microsoft.com/graph/api/user-list)
- throttling: 429/503 with Retry-After, also inside batch responses (https://learn.microsoft.com/graph/throttling)
"""

from __future__ import annotations

import math
import re
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

import httpx

from connectors.base import AppGroup, Capabilities, chunks, read_in_two
from connectors.errors import (
    ConfigError,
    NotFoundError,
)
from connectors.graph_batch import MAX_BATCH, GraphBatch
from connectors.http import HttpSender
from connectors.oauth import AppToken, BearerAuth

GRAPH_SCOPE = "https://graph.microsoft.com/.default"
MAX_BIND = 20
MAX_IN_VALUES = 15
LIST_PAGE = 999
LOOKUPS_PER_REQUEST = MAX_IN_VALUES * MAX_BATCH
GROUP_KINDS = ("security", "microsoft365")
_NICKNAME_DROP = re.compile(r'[@()\\\[\]";:<>,\s]|[^\x21-\x7e]')


def odata_string(value: str) -> str:
    """An OData string literal: single-quoted, with single quotes doubled."""
    return "'" + value.replace("'", "''") + "'"


def mail_nickname(name: str) -> str:
    """A mailNickname Graph accepts: ASCII, none of @ () \\ [] " ; : <> , or spaces, 64 at most."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    nickname = _NICKNAME_DROP.sub("", folded).strip(".")[:64].rstrip(".")
    return nickname or "group"


@dataclass(frozen=True)
class Microsoft365Settings:
    """Which tenant and app registration to use, and how hard Graph may be pushed."""

    tenant_id: str
    client_id: str
    client_secret: str | None = field(default=None, repr=False)
    certificate_path: str | None = None
    group_kind: str = "security"
    api_url: str = "https://graph.microsoft.com/v1.0"
    login_url: str = "https://login.microsoftonline.com"
    enhanced_group_push: bool = False
    max_members_per_request: int = MAX_BIND
    requests_per_minute: int | None = None
    concurrency: int = 4
    timeout: float = 30.0

    def validate(self, prefix: str) -> Microsoft365Settings:
        """Refuse values Graph cannot work with, naming the key."""
        if self.group_kind not in GROUP_KINDS:
            raise ConfigError(f"{prefix}.group_kind", f"must be security or microsoft365, "
                                                      f"not {self.group_kind!r}")
        if self.max_members_per_request > MAX_BIND:
            raise ConfigError(f"{prefix}.max_members_per_request",
                              f"must be at most {MAX_BIND}: Graph adds 20 members a PATCH "
                              "(and grouppush sends 20 PATCHes a batch)")
        if not self.client_secret:
            if self.certificate_path:
                raise ConfigError(f"{prefix}.certificate_path", "certificate sign-in is not "
                                  "supported yet; set client_secret instead")
            raise ConfigError(f"{prefix}.client_secret", "is required")
        return self


class Microsoft365App:
    """Security or Microsoft 365 groups of one Entra ID tenant as a push target."""

    def __init__(self, name: str, settings: Microsoft365Settings,
                 client: httpx.Client | None = None, sender: HttpSender | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.name = name
        self.settings = settings
        self.api = settings.api_url.rstrip("/")
        self.client = client or httpx.Client(timeout=settings.timeout)
        self.http = sender or HttpSender(self.client, app=name,
                                         requests_per_minute=settings.requests_per_minute)
        token_url = (f"{settings.login_url.rstrip('/')}/{quote(settings.tenant_id, safe='')}"
                     "/oauth2/v2.0/token")
        self.token = AppToken(self.http, token_url, {
            "client_id": settings.client_id, "client_secret": settings.client_secret or "",
            "scope": GRAPH_SCOPE, "grant_type": "client_credentials",
        }, clock)
        self.auth = BearerAuth(self.token)
        self.batch = GraphBatch(name, self.api, self.http, self._call)
        self.capabilities = Capabilities(
            link_existing=settings.enhanced_group_push,
            additive_push_now=False,
            max_members_per_request=settings.max_members_per_request * MAX_BATCH,
            concurrency=settings.concurrency,
            descriptions=True,
        )

    def health(self) -> str:
        """Get a token and read one group: proves the tenant, the credentials and the permission."""
        self._call("GET", f"{self.api}/groups", params={"$top": 1, "$select": "id"},
                   what="a health check")
        return "ok"

    def find_group(self, name: str) -> AppGroup | None:
        """The group whose displayName is exactly `name`."""
        params = {"$filter": f"displayName eq {odata_string(name)}", "$select": "id,displayName"}
        for item in self._pages(f"{self.api}/groups", params, "searching groups"):
            if item.get("displayName") == name:
                return AppGroup(id=item["id"], name=name)
        return None

    def get_group(self, group_id: str) -> AppGroup | None:
        """The group with this id, or None when it is gone."""
        try:
            response = self._call("GET", self._group_url(group_id),
                                  params={"$select": "id,displayName"}, what="reading the group")
        except NotFoundError:
            return None
        body = response.json()
        return AppGroup(id=body["id"], name=body.get("displayName", ""))

    def create_group(self, name: str, description: str = "") -> AppGroup:
        """POST a security group or a Microsoft 365 (Unified) group, as configured."""
        payload: dict[str, Any] = {"displayName": name, "mailNickname": mail_nickname(name)}
        if self.settings.group_kind == "microsoft365":
            payload.update(groupTypes=["Unified"], mailEnabled=True, securityEnabled=False)
        else:
            payload.update(groupTypes=[], mailEnabled=False, securityEnabled=True)
        if description:
            payload["description"] = description
        response = self._call("POST", f"{self.api}/groups", json=payload, ok=(201,),
                              what=f"creating group {name!r}")
        body = response.json()
        return AppGroup(id=body["id"], name=body.get("displayName", name))

    def rename_group(self, group_id: str, name: str) -> None:
        """PATCH displayName; the group's mailNickname (its address) stays."""
        self._call("PATCH", self._group_url(group_id), json={"displayName": name}, ok=(204,),
                   what=f"renaming the group to {name!r}")

    def describe_group(self, group_id: str, description: str) -> None:
        """PATCH description; null clears it (Graph refuses an empty string)."""
        self._call("PATCH", self._group_url(group_id), json={"description": description or None},
                   ok=(204,), what="updating the group's description")

    def delete_group(self, group_id: str) -> None:
        """DELETE the group; one already gone is fine."""
        try:
            self._call("DELETE", self._group_url(group_id), ok=(204,), what="deleting the group")
        except NotFoundError:
            return

    def resolve_users(self, logins: Iterable[str]) -> dict[str, str]:
        """User ids by userPrincipalName: 15 names per `in` filter, 20 filters per batch; or
        the tenant's users listed, when that takes fewer requests."""
        wanted = sorted(set(logins))
        if len(wanted) > LOOKUPS_PER_REQUEST and self._listing_is_cheaper(len(wanted)):
            return self._list_users(wanted)
        batches = [list(b) for b in chunks(wanted, MAX_IN_VALUES)]
        outcome = self.batch.run([self._lookup(str(n), batch)
                                  for n, batch in enumerate(batches, start=1)],
                                 "looking up users")
        outcome.raise_failures(self.name, len(batches), "looking up users")
        by_fold = {login.casefold(): login for login in wanted}
        found: dict[str, str] = {}
        for answer in outcome.answers.values():
            body = answer.get("body") or {}
            items = list(body.get("value") or [])
            if body.get("@odata.nextLink"):
                items += self._pages(body["@odata.nextLink"], None, "looking up users")
            for item in items:
                login = by_fold.get(str(item.get("userPrincipalName", "")).casefold())
                if login is not None:
                    found[login] = item["id"]
        return found

    def _lookup(self, rid: str, logins: list[str]) -> dict[str, Any]:
        clause = ", ".join(odata_string(login) for login in logins)
        query = urlencode({"$filter": f"userPrincipalName in ({clause})",
                           "$select": "id,userPrincipalName", "$top": LIST_PAGE}, quote_via=quote)
        return {"id": rid, "method": "GET", "url": f"/users?{query}"}

    def _listing_is_cheaper(self, logins: int) -> bool:
        """Whether listing the tenant's users takes fewer requests than looking them up."""
        response = self._call("GET", f"{self.api}/users/$count",
                              headers={"ConsistencyLevel": "eventual"},
                              what="counting the tenant's users")
        try:
            users = int(response.text.strip().lstrip("\ufeff"))  # Graph may send a BOM
        except ValueError:
            return False
        return math.ceil(users / LIST_PAGE) < math.ceil(logins / LOOKUPS_PER_REQUEST)

    def _list_users(self, wanted: list[str]) -> dict[str, str]:
        by_fold = {login.casefold(): login for login in wanted}
        found: dict[str, str] = {}
        params = {"$select": "id,userPrincipalName", "$top": LIST_PAGE}
        for item in self._pages(f"{self.api}/users", params, "listing the tenant's users"):
            login = by_fold.get(str(item.get("userPrincipalName", "")).casefold())
            if login is not None:
                found[login] = item["id"]
        return found

    def list_members(self, group_id: str) -> dict[str, str | None]:
        """Direct members by object id, with their userPrincipalName (None for non-users)."""
        params = {"$select": "id,userPrincipalName", "$top": 999}
        return {item["id"]: item.get("userPrincipalName")
                for item in self._pages(f"{self._group_url(group_id)}/members", params,
                                        "listing members")}


    def read_group(self, group_id: str) -> tuple[AppGroup, dict[str, str | None]] | None:
        """The group, then its members (two reads); None when the group is gone."""
        return read_in_two(self, group_id)

    def user_logins(self, user_ids: Iterable[str]) -> dict[str, str]:
        """Nothing to add: list_members names every member that has a login."""
        return {}
    def add_members(self, group_id: str, user_ids: Sequence[str]) -> None:
        """PATCH members@odata.bind (≤ 20 members each), 20 PATCHes per JSON batch."""
        parts = [list(c) for c in chunks(list(user_ids), self.settings.max_members_per_request)]
        outcome = self.batch.run([self._bind(str(n), group_id, part)
                                  for n, part in enumerate(parts, start=1)], "adding members")
        # Graph refuses a whole PATCH when one of its members is already there.
        present = {rid for rid, e in outcome.failures.items() if "already exist" in e.app_message}
        if present:
            members = self.list_members(group_id)
            missing = [uid for rid in sorted(present, key=int) for uid in parts[int(rid) - 1]
                       if uid not in members]
            again = self.batch.run([self._bind(str(n), group_id, part) for n, part in enumerate(
                chunks(missing, self.settings.max_members_per_request), start=1)],
                "adding members")
            again.raise_failures(self.name, len(parts), "adding members")
        for rid in present:
            del outcome.failures[rid]
        outcome.raise_failures(self.name, len(parts), "adding members")

    def remove_members(self, group_id: str, user_ids: Sequence[str]) -> None:
        """DELETE .../members/{id}/$ref, 20 per JSON batch; a member already gone is fine."""
        members_url = f"/groups/{quote(group_id, safe='')}/members"
        requests = [{"id": str(n), "method": "DELETE",
                     "url": f"{members_url}/{quote(uid, safe='')}/$ref"}
                    for n, uid in enumerate(user_ids, start=1)]
        self.batch.run(requests, "removing members").raise_failures(
            self.name, len(requests), "removing members")

    def close(self) -> None:
        """Close the HTTP client."""
        self.client.close()

    def _group_url(self, group_id: str) -> str:
        return f"{self.api}/groups/{quote(group_id, safe='')}"

    def _bind(self, rid: str, group_id: str, user_ids: Sequence[str]) -> dict[str, Any]:
        refs = [f"{self.api}/directoryObjects/{uid}" for uid in user_ids]
        return {"id": rid, "method": "PATCH", "url": f"/groups/{quote(group_id, safe='')}",
                "headers": {"Content-Type": "application/json"},
                "body": {"members@odata.bind": refs}}

    def _pages(self, url: str, params: dict[str, Any] | None,
               what: str) -> Iterator[dict[str, Any]]:
        """Every item of a collection, following @odata.nextLink as given."""
        next_url: str | None = url
        while next_url:
            body = self._call("GET", next_url, params=params, what=what).json()
            yield from body.get("value") or []
            next_url, params = body.get("@odata.nextLink"), None

    def _call(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """Send with the bearer token (a 401 gets a fresh token once: BearerAuth)."""
        return self.http.request(method, url, auth=self.auth, **kwargs)


def build(name: str, options: dict[str, Any],
          client: httpx.Client | None = None) -> Microsoft365App:
    """A Microsoft365App from its `apps.NAME` section."""
    from connectors.settings import settings_from

    prefix = f"apps.{name}"
    settings = settings_from(Microsoft365Settings, prefix, options).validate(prefix)
    return Microsoft365App(name, settings, client)
