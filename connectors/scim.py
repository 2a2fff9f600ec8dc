"""Any SCIM 2.0 app (RFC 7643/7644), with typed payloads from scim2-models sent over httpx."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
from scim2_models import Context, Group, GroupMember, PatchOp, PatchOperation

from connectors.base import AppGroup, Capabilities, chunks
from connectors.errors import BadRequestError, NotFoundError
from connectors.http import HttpSender

SCIM_JSON = "application/scim+json"
FILTER_TERMS = 50


def filter_string(value: str) -> str:
    """A SCIM filter string literal: quoted, with backslash and quote escaped (RFC 7644 3.4.2.2)."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


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
        self.client = client or httpx.Client(timeout=settings.timeout)
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

    def health(self) -> str:
        """Ask for one group: proves the URL and the token."""
        self.http.request("GET", f"{self.base}/Groups", params={"count": 1},
                          what="a health check")
        return "ok"

    def find_group(self, name: str) -> AppGroup | None:
        """The group whose displayName is exactly `name`."""
        for item in self._search("Groups", f"displayName eq {filter_string(name)}",
                                 attributes="displayName"):
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
        payload = Group(display_name=name).model_dump(scim_ctx=Context.RESOURCE_CREATION_REQUEST)
        response = self.http.request("POST", f"{self.base}/Groups", json=payload,
                                     headers={"Content-Type": SCIM_JSON},
                                     ok=(200, 201), what=f"creating group {name!r}")
        body = response.json()
        return AppGroup(id=body["id"], name=body.get("displayName", name))

    def rename_group(self, group_id: str, name: str) -> None:
        """PATCH replace displayName."""
        operation = PatchOperation[Group](op=PatchOperation.Op.replace_, path="displayName",
                                          value=name)
        self._patch(group_id, [operation], f"renaming the group to {name!r}")

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
        found: dict[str, str] = {}
        if len(wanted) > self.settings.list_users_above:
            by_fold = {login.casefold(): login for login in wanted}
            for item in self._search("Users", None, attributes="userName", count=1000):
                login = by_fold.get(str(item.get("userName", "")).casefold())
                if login is not None:
                    found[login] = item["id"]
            return found
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
        found: dict[str, str] = {}
        for batch in chunks(sorted(set(user_ids)), FILTER_TERMS):
            expr = " or ".join(f"id eq {filter_string(uid)}" for uid in batch)
            for item in self._search("Users", expr, attributes="userName"):
                found[item["id"]] = str(item.get("userName", ""))
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
        """PATCH add, up to max_members_per_request members per request."""
        for batch in chunks(list(user_ids), self.capabilities.max_members_per_request):
            operation = PatchOperation[Group](
                op=PatchOperation.Op.add, path="members",
                value=[GroupMember(value=uid) for uid in batch],
            )
            self._patch(group_id, [operation], f"adding {len(batch)} members")

    def remove_members(self, group_id: str, user_ids: Sequence[str]) -> None:
        """PATCH remove, one operation per member, many operations per request."""
        for batch in chunks(list(user_ids), self.capabilities.max_members_per_request):
            operations = [
                PatchOperation[Group](op=PatchOperation.Op.remove,
                                      path=f"members[value eq {filter_string(uid)}]")
                for uid in batch
            ]
            self._patch(group_id, operations, f"removing {len(batch)} members")

    def close(self) -> None:
        """Close the HTTP client."""
        self.client.close()

    def _patch(self, group_id: str, operations: list[Any], what: str) -> None:
        payload = PatchOp[Group](operations=operations).model_dump(
            scim_ctx=Context.RESOURCE_PATCH_REQUEST
        )
        self.http.request("PATCH", f"{self.base}/Groups/{group_id}", json=payload,
                          headers={"Content-Type": SCIM_JSON}, ok=(200, 204), what=what)

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
            params: dict[str, str | int] = {"startIndex": start, "count": count,
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
