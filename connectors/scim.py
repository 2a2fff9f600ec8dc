"""Any SCIM 2.0 app (RFC 7643/7644), with typed payloads from scim2-models sent over httpx."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import httpx

from connectors.base import AppGroup, Capabilities, chunks
from connectors.batching import AdaptiveBatch
from connectors.errors import BadRequestError, NotFoundError, TimedOutError
from connectors.http import HttpSender
from connectors.scim_provider import ProviderSupport, read_support
from connectors.scim_writes import write_members

SCIM_JSON = "application/scim+json"
FILTER_TERMS = 50


@cache
def _group_patch() -> Any:
    """PatchOp[Group], made once: pydantic keeps a parametrized model only while something
    refers to it, so each PATCH after a garbage collection built it again (1.5-7 ms)."""
    from scim2_models import Group, PatchOp

    return PatchOp[Group]


def filter_string(value: str) -> str:
    """A SCIM filter string literal: a JSON string (RFC 7644 3.4.2.2), so quotes, backslashes
    and control characters (a newline in a group name) are escaped."""
    return json.dumps(value, ensure_ascii=False)


@dataclass(frozen=True)
class ScimSettings:
    """Where the SCIM app is and how hard it may be pushed."""

    url: str
    token: str = field(repr=False)
    enhanced_group_push: bool = False
    max_members_per_request: int = 100
    requests_per_minute: int | None = None
    concurrency: int = 4
    timeout: float = 30.0
    """Seconds to connect."""
    read_timeout: float = 120.0
    """Seconds to wait for the answer to a read (a group of many thousands is a big answer)."""
    write_timeout: float = 300.0
    """Seconds to wait for the answer to a write: some apps take minutes to PATCH big groups.
    A write with no answer in time is not sent again; the group is read to see what it did."""
    slow_write_seconds: float = 20.0
    """A write slower than this halves the members per request; quick ones grow it back."""
    list_users_above: int = 500
    """Resolving more logins than this lists every app user page by page instead of
    filtering: many filter terms are slow on most SCIM servers."""


class ScimApp:
    """A SCIM 2.0 service provider as a push target."""

    def __init__(self, name: str, settings: ScimSettings, client: httpx.Client | None = None,
                 sender: HttpSender | None = None) -> None:
        self.name = name
        self.settings = settings
        self.base = settings.url.rstrip("/")
        self.client = client or httpx.Client(timeout=httpx.Timeout(
            settings.read_timeout, connect=settings.timeout))
        self.client.headers.update(
            {"Authorization": f"Bearer {settings.token}", "Accept": SCIM_JSON}
        )
        self.http = sender or HttpSender(
            self.client, app=name, requests_per_minute=settings.requests_per_minute
        )
        self.capabilities = Capabilities(
            link_existing=settings.enhanced_group_push,
            additive_push_now=False,
            max_members_per_request=settings.max_members_per_request,
            concurrency=settings.concurrency,
        )
        self.batch = AdaptiveBatch(settings.max_members_per_request, settings.slow_write_seconds)
        self._support: ProviderSupport | None = None
        self._support_lock = threading.Lock()

    @property
    def support(self) -> ProviderSupport:
        """What the server says it supports, read once from /ServiceProviderConfig."""
        with self._support_lock:
            if self._support is None:
                self._support = read_support(self.http.request, self.base)
            return self._support

    def health(self) -> str:
        """Ask for one group: proves the URL and the token."""
        self.http.request("GET", f"{self.base}/Groups", params={"count": 1},
                          what="a health check")
        return "ok"

    def find_group(self, name: str) -> AppGroup | None:
        """The group whose displayName is exactly `name`: filtered, or, where the server does
        not filter or refuses this filter (400 invalidFilter), every group listed page by page."""
        expr: str | None = f"displayName eq {filter_string(name)}"
        if not self.support.filter:
            expr = None
        try:
            items = list(self._search("Groups", expr, attributes="displayName"))
        except BadRequestError as error:
            if error.status != 400 or expr is None:
                raise
            items = list(self._search("Groups", None, attributes="displayName", count=1000))
        for item in items:
            if item.get("displayName") == name:
                return AppGroup(id=item["id"], name=item["displayName"])
        return None

    def get_group(self, group_id: str) -> AppGroup | None:
        """The group with this id, or None when the app no longer has it."""
        try:
            body = self._get_group(group_id, "displayName")
        except NotFoundError:
            return None
        return AppGroup(id=body["id"], name=body.get("displayName", ""))

    def create_group(self, name: str, description: str = "") -> AppGroup:
        """POST an empty group."""
        from scim2_models import Context, Group  # typed payloads load with the first write

        payload = Group(display_name=name).model_dump(scim_ctx=Context.RESOURCE_CREATION_REQUEST)
        try:
            response = self.http.request("POST", f"{self.base}/Groups", json=payload,
                                         headers={"Content-Type": SCIM_JSON}, ok=(200, 201),
                                         what=f"creating group {name!r}",
                                         repeat_on_timeout=False, timeout=self._write_timeout)
        except TimedOutError:
            made = self.find_group(name)  # the app may have made it before we hung up
            if made is not None:
                return made
            response = self.http.request("POST", f"{self.base}/Groups", json=payload,
                                         headers={"Content-Type": SCIM_JSON}, ok=(200, 201),
                                         what=f"creating group {name!r}",
                                         timeout=self._write_timeout)
        body = response.json()
        return AppGroup(id=body["id"], name=body.get("displayName", name))

    def rename_group(self, group_id: str, name: str) -> None:
        """PATCH replace displayName."""
        from scim2_models import Group, PatchOperation

        operation = PatchOperation[Group](op=PatchOperation.Op.replace_, path="displayName",
                                          value=name)
        self.patch_group(group_id, [operation], f"renaming the group to {name!r}")

    def describe_group(self, group_id: str, description: str) -> None:
        """Nothing to send: SCIM's core Group has no description."""

    def delete_group(self, group_id: str) -> None:
        """DELETE the group; a group already gone is fine."""
        try:
            self.http.request("DELETE", f"{self.base}/Groups/{group_id}",
                              ok=(200, 204), what="deleting the group")
        except NotFoundError:
            return

    def resolve_users(self, logins: Iterable[str]) -> dict[str, str]:
        """App user ids by login (userName), many logins per filtered search."""
        wanted = sorted(set(logins))
        if len(wanted) > self.settings.list_users_above or not self.support.filter:
            return self._list_users(wanted)
        try:
            return self._filter_users(wanted)
        except BadRequestError as error:
            if error.status != 400:
                raise
            return self._list_users(wanted)  # the server refused the filter: list instead

    def _list_users(self, wanted: list[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        by_fold = {login.casefold(): login for login in wanted}
        for item in self._search("Users", None, attributes="userName", count=1000):
            login = by_fold.get(str(item.get("userName", "")).casefold())
            if login is not None:
                found[login] = item["id"]
        return found

    def _filter_users(self, wanted: list[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for batch in chunks(wanted, FILTER_TERMS):
            by_fold = {login.casefold(): login for login in batch}
            expr = " or ".join(f"userName eq {filter_string(login)}" for login in batch)
            for item in self._search("Users", expr, attributes="userName"):
                login = by_fold.get(str(item.get("userName", "")).casefold())
                if login is not None:
                    found[login] = item["id"]
        return found

    def user_logins(self, user_ids: Iterable[str]) -> dict[str, str]:
        """userName by app user id, for members the app lists without a display name."""
        wanted = sorted(set(user_ids))
        found: dict[str, str] = {}
        try:
            if not self.support.filter:
                raise BadRequestError("the server does not filter", status=400)
            for batch in chunks(wanted, FILTER_TERMS):
                expr = " or ".join(f"id eq {filter_string(uid)}" for uid in batch)
                for item in self._search("Users", expr, attributes="userName"):
                    found[item["id"]] = str(item.get("userName", ""))
        except BadRequestError as error:
            if error.status != 400:
                raise
            ids = set(wanted)
            found = {item["id"]: str(item.get("userName", "")) for item in
                     self._search("Users", None, attributes="userName", count=1000)
                     if item.get("id") in ids}
        return found

    def list_members(self, group_id: str) -> dict[str, str | None]:
        """Members of the group by app user id (with their display name when given)."""
        body = self._get_group(group_id, "members")
        return {m["value"]: m.get("display") for m in body.get("members") or [] if "value" in m}

    def read_group(self, group_id: str) -> tuple[AppGroup, dict[str, str | None]] | None:
        """The group and its members in one GET (get_group + list_members), None when gone."""
        try:
            body = self._get_group(group_id, "displayName,members")
        except NotFoundError:
            return None
        members = {m["value"]: m.get("display") for m in body.get("members") or []
                   if "value" in m}
        return AppGroup(id=body["id"], name=body.get("displayName", "")), members

    def add_members(self, group_id: str, user_ids: Sequence[str]) -> None:
        """PATCH add, as many members per request as the app answers quickly."""
        from scim2_models import Group, GroupMember, PatchOperation

        def operations(batch: Sequence[str]) -> list[Any]:
            return [PatchOperation[Group](op=PatchOperation.Op.add, path="members",
                                          value=[GroupMember(value=uid) for uid in batch])]

        write_members(self, group_id, list(user_ids), operations, adding=True)

    def remove_members(self, group_id: str, user_ids: Sequence[str]) -> None:
        """PATCH remove, one operation per member, many operations per request."""
        from scim2_models import Group, PatchOperation

        def operations(batch: Sequence[str]) -> list[Any]:
            return [PatchOperation[Group](op=PatchOperation.Op.remove,
                                          path=f"members[value eq {filter_string(uid)}]")
                    for uid in batch]

        write_members(self, group_id, list(user_ids), operations, adding=False)

    def close(self) -> None:
        """Close the HTTP client."""
        self.client.close()

    @property
    def _write_timeout(self) -> httpx.Timeout:
        return httpx.Timeout(self.settings.write_timeout, connect=self.settings.timeout)

    def patch_group(self, group_id: str, operations: list[Any], what: str,
                    repeat_on_timeout: bool = True) -> None:
        """PATCH the group with these operations."""
        from scim2_models import Context

        payload = _group_patch()(operations=operations).model_dump(
            scim_ctx=Context.RESOURCE_PATCH_REQUEST
        )
        self.http.request("PATCH", f"{self.base}/Groups/{group_id}", json=payload,
                          headers={"Content-Type": SCIM_JSON}, ok=(200, 204), what=what,
                          repeat_on_timeout=repeat_on_timeout, timeout=self._write_timeout)

    def _get_group(self, group_id: str, attributes: str) -> dict[str, Any]:
        response = self.http.request("GET", f"{self.base}/Groups/{group_id}",
                                     params={"attributes": attributes},
                                     what="reading the group")
        body: dict[str, Any] = response.json()
        return body

    def _search(self, resource: str, expr: str | None, attributes: str,
                count: int = 200) -> Iterator[dict[str, Any]]:
        """Every resource matching the filter (or all), page by page (startIndex/count)."""
        start = 1
        while True:
            params: dict[str, str | int] = {"startIndex": start,
                                            "count": self.support.page_size(count),
                                            "attributes": attributes}
            if expr is not None:
                params["filter"] = expr
            response = self.http.request("GET", f"{self.base}/{resource}", params=params,
                                         what=f"searching {resource}")
            body = response.json()
            if not isinstance(body, dict):
                raise BadRequestError(f"{self.name} answered a search with no list")
            items = body.get("Resources") or []
            yield from items
            total = int(body.get("totalResults", len(items)))
            start += len(items)
            if not items or start > total:
                return


def build(name: str, options: dict[str, Any], client: httpx.Client | None = None) -> ScimApp:
    """A ScimApp from its `apps.NAME` section."""
    from connectors.settings import settings_from

    return ScimApp(name, settings_from(ScimSettings, f"apps.{name}", options), client)
