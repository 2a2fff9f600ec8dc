"""Box groups through the Box Platform API 2.0, signed in with a Client Credentials Grant.

Requests, with the Box pages they follow:
- token: https://developer.box.com/guides/authentication/client-credentials/ (box_subject_type
  enterprise) and https://developer.box.com/reference/post-oauth2-token/
- groups: https://developer.box.com/reference/get-groups/ (filter_term, offset/limit),
  post-groups (409 when the name is taken), get-groups-id, delete-groups-id
- members: https://developer.box.com/reference/get-groups-id-memberships/,
  post-group-memberships, delete-group-memberships-id
- users: https://developer.box.com/reference/get-users/ (filter_term matches the start of the
  name or login; the exact login is picked here). More than `list_users_above` logins list
  the enterprise's users instead, 1000 a page with marker paging (`usemarker=true`, only
  `fields=login`): https://developer.box.com/guides/api-calls/pagination/marker-based/
- rate: 1000 API requests a minute per user (`requests_per_minute`, default 1000), 429 with
  Retry-After past it: https://developer.box.com/guides/api-calls/permissions-and-errors/rate-limits/
- errors: https://developer.box.com/guides/api-calls/permissions-and-errors/common-errors/

Box has no bulk membership call: every member added or removed is one request. They are sent
`concurrency` at a time (a thread pool sharing one rate limiter), never all at once.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import quote

import httpx

from connectors.base import AppGroup, Capabilities, read_in_two
from connectors.errors import ConnectorError, NotFoundError, ObjectExistsError
from connectors.http import HttpSender, app_message
from connectors.oauth import AppToken, BearerAuth

PAGE_LIMIT = 1000
T = TypeVar("T")


def box_message(response: httpx.Response) -> str:
    """Box's own words: the error body's message, or the WWW-Authenticate text of a bare 401."""
    message = app_message(response)
    if message:
        return message
    challenge = response.headers.get("WWW-Authenticate", "")
    marker = 'error_description="'
    if marker in challenge:
        return challenge.split(marker, 1)[1].split('"', 1)[0]
    return ""


@dataclass(frozen=True)
class BoxSettings:
    """Which Box enterprise and CCG app to use, and how hard Box may be pushed."""

    client_id: str
    client_secret: str = field(repr=False)
    enterprise_id: str
    api_url: str = "https://api.box.com/2.0"
    token_url: str = "https://api.box.com/oauth2/token"
    enhanced_group_push: bool = False
    max_members_per_request: int = 100
    requests_per_minute: int | None = 1000
    concurrency: int = 4
    timeout: float = 30.0
    list_users_above: int = 500
    """More logins than this are found by listing the enterprise's users (1000 a request)
    rather than one search each: cheaper for every enterprise up to 500,000 users."""


class BoxApp:
    """The groups of one Box enterprise as a push target."""

    def __init__(self, name: str, settings: BoxSettings, client: httpx.Client | None = None,
                 sender: HttpSender | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.name = name
        self.settings = settings
        self.api = settings.api_url.rstrip("/")
        self.client = client or httpx.Client(timeout=settings.timeout)
        self.http = sender or HttpSender(self.client, app=name, describe=box_message,
                                         requests_per_minute=settings.requests_per_minute)
        self.token = AppToken(self.http, settings.token_url, {
            "grant_type": "client_credentials", "client_id": settings.client_id,
            "client_secret": settings.client_secret, "box_subject_type": "enterprise",
            "box_subject_id": settings.enterprise_id,
        }, clock)
        self.auth = BearerAuth(self.token)
        # max_members_per_request only sizes the planner's batches: Box takes one member a call.
        self.capabilities = Capabilities(
            link_existing=settings.enhanced_group_push,
            additive_push_now=False,
            max_members_per_request=settings.max_members_per_request,
            concurrency=settings.concurrency,
            descriptions=True,
        )
        self._memberships: dict[str, dict[str, str]] = {}
        self._lock = threading.Lock()

    def health(self) -> str:
        """Get a token and list one group: proves the credentials and the Manage Groups scope."""
        self._call("GET", f"{self.api}/groups", params={"limit": 1}, what="a health check")
        return "ok"

    def find_group(self, name: str) -> AppGroup | None:
        """The group named exactly `name` (Box's filter_term matches the start of names)."""
        params = {"filter_term": name, "fields": "id,name"}
        for item in self._pages(f"{self.api}/groups", params, "searching groups"):
            if item.get("name") == name:
                return AppGroup(id=str(item["id"]), name=name)
        return None

    def get_group(self, group_id: str) -> AppGroup | None:
        """The group with this id, or None when it is gone."""
        try:
            body = self._call("GET", self._group_url(group_id), params={"fields": "id,name"},
                              what="reading the group").json()
        except NotFoundError:
            return None
        return AppGroup(id=str(body["id"]), name=body.get("name", ""))

    def create_group(self, name: str, description: str = "") -> AppGroup:
        """POST a group; Box answers 409 when the name is taken in the enterprise."""
        payload = {"name": name, **({"description": description[:255]} if description else {})}
        try:
            body = self._call("POST", f"{self.api}/groups", json=payload, ok=(201,),
                              what=f"creating group {name!r}").json()
        except ObjectExistsError as exc:
            raise self._name_taken(name, exc) from None
        return AppGroup(id=str(body["id"]), name=body.get("name", name))

    def rename_group(self, group_id: str, name: str) -> None:
        """PUT the new name; Box answers 409 when the name is taken in the enterprise."""
        try:
            self._call("PUT", self._group_url(group_id), json={"name": name}, ok=(200,),
                       what=f"renaming the group to {name!r}")
        except ObjectExistsError as exc:
            raise self._name_taken(name, exc) from None

    def _name_taken(self, name: str, exc: ObjectExistsError) -> ObjectExistsError:
        return ObjectExistsError(f"{self.name} already has a group named {name!r}",
                                 status=exc.status, app_message=exc.app_message)

    def describe_group(self, group_id: str, description: str) -> None:
        """PUT the description (Box keeps 255 characters)."""
        self._call("PUT", self._group_url(group_id), json={"description": description[:255]},
                   ok=(200,), what="updating the group's description")

    def delete_group(self, group_id: str) -> None:
        """DELETE the group (Box drops its memberships); one already gone is fine."""
        with contextlib.suppress(NotFoundError):
            self._call("DELETE", self._group_url(group_id), ok=(204,), what="deleting the group")
        with self._lock:
            self._memberships.pop(group_id, None)

    def resolve_users(self, logins: Iterable[str]) -> dict[str, str]:
        """User ids by login (the email): one search per login, some at once; or, for more
        than `list_users_above` logins, the enterprise's users listed 1000 a page."""
        wanted = sorted(set(logins))
        if len(wanted) > self.settings.list_users_above:
            return self._list_users(wanted)
        found = self._each(wanted, self._find_user)
        return {login: uid for login, uid in zip(wanted, found, strict=True) if uid is not None}

    def _list_users(self, wanted: list[str]) -> dict[str, str]:
        """Every enterprise user's login, page by page (marker paging); keep the wanted."""
        by_fold = {login.casefold(): login for login in wanted}
        found: dict[str, str] = {}
        params: dict[str, Any] = {"fields": "login", "limit": PAGE_LIMIT, "usemarker": "true"}
        while True:
            body = self._call("GET", f"{self.api}/users", params=params,
                              what="listing the enterprise's users").json()
            for item in body.get("entries") or []:
                login = by_fold.get(str(item.get("login", "")).casefold())
                if login is not None:
                    found[login] = str(item["id"])
            marker = body.get("next_marker")
            if not marker or not body.get("entries"):
                return found
            params = {**params, "marker": marker}

    def list_members(self, group_id: str) -> dict[str, str | None]:
        """Members by user id with their login; remembers each membership id for removals."""
        members: dict[str, str | None] = {}
        memberships: dict[str, str] = {}
        for item in self._pages(f"{self._group_url(group_id)}/memberships", {},
                                "listing members"):
            user = item.get("user") or {}
            members[str(user["id"])] = user.get("login")
            memberships[str(user["id"])] = str(item["id"])
        with self._lock:
            self._memberships[group_id] = memberships
        return members


    def read_group(self, group_id: str) -> tuple[AppGroup, dict[str, str | None]] | None:
        """The group, then its members (two reads); None when the group is gone."""
        return read_in_two(self, group_id)

    def user_logins(self, user_ids: Iterable[str]) -> dict[str, str]:
        """Nothing to add: list_members names every member that has a login."""
        return {}
    def add_members(self, group_id: str, user_ids: Sequence[str]) -> None:
        """POST one group membership per user, `concurrency` at a time."""
        self._each(list(user_ids), lambda uid: self._add(group_id, uid))

    def remove_members(self, group_id: str, user_ids: Sequence[str]) -> None:
        """DELETE each user's group membership, `concurrency` at a time."""
        with self._lock:
            known = dict(self._memberships.get(group_id, {}))
        if any(uid not in known for uid in user_ids):
            self.list_members(group_id)
            with self._lock:
                known = dict(self._memberships.get(group_id, {}))
        targets = [known[uid] for uid in user_ids if uid in known]
        self._each(targets, self._delete_membership)
        with self._lock:
            cached = self._memberships.get(group_id, {})
            for uid in user_ids:
                cached.pop(uid, None)

    def close(self) -> None:
        """Close the HTTP client."""
        self.client.close()

    def _group_url(self, group_id: str) -> str:
        return f"{self.api}/groups/{quote(group_id, safe='')}"

    def _find_user(self, login: str) -> str | None:
        params = {"filter_term": login, "fields": "id,login"}
        for item in self._pages(f"{self.api}/users", params, "looking up a user"):
            if str(item.get("login", "")).casefold() == login.casefold():
                return str(item["id"])
        return None

    def _add(self, group_id: str, user_id: str) -> None:
        payload = {"user": {"id": user_id}, "group": {"id": group_id}}
        try:
            body = self._call("POST", f"{self.api}/group_memberships", json=payload, ok=(201,),
                              what="adding a member").json()
        except ObjectExistsError:
            return  # already a member: its membership id is learnt at the next listing
        with self._lock:
            self._memberships.setdefault(group_id, {})[user_id] = str(body["id"])

    def _delete_membership(self, membership_id: str) -> None:
        try:
            self._call("DELETE", f"{self.api}/group_memberships/{quote(membership_id, safe='')}",
                       ok=(204,), what="removing a member")
        except NotFoundError:
            return

    def _each(self, items: Sequence[str], action: Callable[[str], T]) -> list[T | None]:
        """Run `action` on every item, `concurrency` at a time; raise the first failure after."""
        if not items:
            return []
        outcomes: list[T | None] = [None] * len(items)
        errors: list[ConnectorError] = []

        def run(index: int) -> None:
            try:
                outcomes[index] = action(items[index])
            except ConnectorError as exc:
                errors.append(exc)

        with ThreadPoolExecutor(max_workers=min(self.settings.concurrency, len(items))) as pool:
            list(pool.map(run, range(len(items))))
        if errors:
            first = errors[0]
            if len(errors) == 1:
                raise first
            raise type(first)(f"{self.name} refused {len(errors)} of {len(items)} requests; "
                              f"first: {first}", status=first.status,
                              app_message=first.app_message, retry_after=first.retry_after)
        return outcomes

    def _pages(self, url: str, params: dict[str, Any], what: str) -> Iterator[dict[str, Any]]:
        """Every entry of an offset-paged collection."""
        offset = 0
        while True:
            body = self._call("GET", url, params={**params, "limit": PAGE_LIMIT, "offset": offset},
                              what=what).json()
            entries = body.get("entries") or []
            yield from entries
            offset += len(entries)
            if not entries or offset >= int(body.get("total_count", 0)):
                return

    def _call(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """Send with the bearer token (a 401 gets a fresh token once: BearerAuth)."""
        return self.http.request(method, url, auth=self.auth, **kwargs)


def build(name: str, options: dict[str, Any], client: httpx.Client | None = None) -> BoxApp:
    """A BoxApp from its `apps.NAME` section."""
    from connectors.settings import settings_from

    return BoxApp(name, settings_from(BoxSettings, f"apps.{name}", options), client)
