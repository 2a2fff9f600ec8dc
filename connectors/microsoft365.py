"""Microsoft 365 (Entra ID) groups through Microsoft Graph v1.0, signed in as the app itself.

Requests, with the Microsoft pages they follow:
- token: client-credentials grant, https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow
- groups: https://learn.microsoft.com/graph/api/group-list (and group-get, group-post-groups,
  group-delete)
- members: group-list-members (paged by @odata.nextLink), group-post-members (PATCH with
  members@odata.bind, at most 20), group-delete-members (DELETE .../$ref, sent in JSON batches of
  at most 20: https://learn.microsoft.com/graph/json-batching)
- users: GET /users with `$filter=userPrincipalName in (...)`, at most 15 values a clause
  (https://learn.microsoft.com/graph/filter-query-parameter)
- throttling: 429/503 with Retry-After, also inside batch responses (https://learn.microsoft.com/graph/throttling)
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx

from connectors.base import AppGroup, Capabilities, chunks, read_in_two
from connectors.errors import (
    BadRequestError,
    ConfigError,
    ConnectorError,
    NotFoundError,
    from_status,
)
from connectors.http import HttpSender, retry_after_seconds
from connectors.oauth import AppToken, BearerAuth

GRAPH_SCOPE = "https://graph.microsoft.com/.default"
MAX_BIND = 20
MAX_BATCH = 20
MAX_IN_VALUES = 15
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
                              f"must be at most {MAX_BIND}: Graph adds 20 members a request")
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
        self.capabilities = Capabilities(
            link_existing=settings.enhanced_group_push,
            additive_push_now=False,
            max_members_per_request=settings.max_members_per_request,
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
        """User ids by userPrincipalName, 15 names per `in` filter, some requests at once."""
        batches = [list(b) for b in chunks(sorted(set(logins)), MAX_IN_VALUES)]
        workers = max(1, min(self.settings.concurrency, len(batches)))
        found: dict[str, str] = {}
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for part in pool.map(self._resolve_batch, batches):
                found.update(part)
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
        """PATCH members@odata.bind, at most max_members_per_request (≤ 20) per request."""
        for batch in chunks(list(user_ids), self.capabilities.max_members_per_request):
            try:
                self._bind(group_id, batch)
            except BadRequestError as exc:
                if "already exist" not in exc.app_message:
                    raise
                # Graph refuses the whole PATCH when one member is already there.
                present = self.list_members(group_id)
                missing = [uid for uid in batch if uid not in present]
                if missing:
                    self._bind(group_id, missing)

    def remove_members(self, group_id: str, user_ids: Sequence[str]) -> None:
        """DELETE .../members/{id}/$ref, 20 per JSON batch; a member already gone is fine."""
        members_url = f"/groups/{quote(group_id, safe='')}/members"
        for batch in chunks(list(user_ids), MAX_BATCH):
            self._batch([{"id": str(n), "method": "DELETE",
                          "url": f"{members_url}/{quote(uid, safe='')}/$ref"}
                         for n, uid in enumerate(batch, start=1)], "removing members")

    def close(self) -> None:
        """Close the HTTP client."""
        self.client.close()

    def _group_url(self, group_id: str) -> str:
        return f"{self.api}/groups/{quote(group_id, safe='')}"

    def _bind(self, group_id: str, user_ids: Sequence[str]) -> None:
        refs = [f"{self.api}/directoryObjects/{uid}" for uid in user_ids]
        self._call("PATCH", self._group_url(group_id), json={"members@odata.bind": refs},
                   ok=(204,), what=f"adding {len(refs)} members")

    def _resolve_batch(self, logins: list[str]) -> dict[str, str]:
        wanted = {login.casefold(): login for login in logins}
        clause = ", ".join(odata_string(login) for login in logins)
        params = {"$filter": f"userPrincipalName in ({clause})", "$select": "id,userPrincipalName"}
        found = {}
        for item in self._pages(f"{self.api}/users", params, "looking up users"):
            login = wanted.get(str(item.get("userPrincipalName", "")).casefold())
            if login is not None:
                found[login] = item["id"]
        return found

    def _pages(self, url: str, params: dict[str, Any] | None,
               what: str) -> Iterator[dict[str, Any]]:
        """Every item of a collection, following @odata.nextLink as given."""
        next_url: str | None = url
        while next_url:
            body = self._call("GET", next_url, params=params, what=what).json()
            yield from body.get("value") or []
            next_url, params = body.get("@odata.nextLink"), None

    def _batch(self, requests: list[dict[str, Any]], what: str) -> dict[str, dict[str, Any]]:
        """POST /$batch; throttled sub-requests are sent again as HttpSender's policy says
        (their Retry-After, else its backoff). The answers by request id; raises the refused."""
        pending = {r["id"]: r for r in requests}
        answers: dict[str, dict[str, Any]] = {}
        failures: list[ConnectorError] = []
        attempt = 0
        while pending:
            attempt += 1
            body = self._call("POST", f"{self.api}/$batch",
                              json={"requests": list(pending.values())}, ok=(200,),
                              what=what).json()
            answered = {str(r.get("id")): r for r in body.get("responses") or []}
            retry: dict[str, ConnectorError] = {}
            for rid, request in pending.items():
                error = self._sub_error(answered.get(rid), request, what)
                if error is None:
                    answers[rid] = answered[rid]
                elif error.transient:
                    retry[rid] = error
                else:
                    failures.append(error)
            waits = [self.http.policy.wait(attempt, e.retry_after) for e in retry.values()]
            if any(w is None for w in waits):
                failures += retry.values()
                break
            if retry:
                self.http.sleep(max(w for w in waits if w is not None))
            pending = {rid: pending[rid] for rid in retry}
        if failures:
            first = failures[0]
            raise type(first)(f"{self.name} refused {len(failures)} of {len(requests)} requests "
                              f"{what}", status=first.status, app_message=first.app_message,
                              retry_after=first.retry_after)
        return answers

    def _sub_error(self, answer: dict[str, Any] | None, request: dict[str, Any],
                   what: str) -> ConnectorError | None:
        """The error of one batch sub-response, or None when it succeeded (or was already done)."""
        if answer is None:
            return from_status(503, f"{self.name} left a request out of its batch answer")
        status = int(answer.get("status", 0))
        if status < 300 or (status == 404 and request["method"] == "DELETE"):
            return None
        headers = {str(k).lower(): str(v) for k, v in (answer.get("headers") or {}).items()}
        error = (answer.get("body") or {}).get("error") or {}
        message = str(error.get("message") or error.get("code") or "")
        return from_status(status, f"{self.name} refused {what}", message,
                           retry_after_seconds(headers.get("retry-after")))

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
