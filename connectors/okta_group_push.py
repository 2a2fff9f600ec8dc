"""An app Okta itself pushes groups to (`type: okta_group_push`): grouppush drives Okta's own
Push Groups tab of that app through the Group Push Mappings API; Okta pushes the members.

Requests (https://developer.okta.com/docs/api/openapi/okta-management/management/tag/
GroupPushMapping), on the directory's Okta org with its token:
- list: GET /api/v1/apps/{appId}/group-push/mappings?limit=&after=&status=&sourceGroupId=
  &lastUpdated= (up to 1000 a page, the Link rel="next" header for more; `lastUpdated`
  YYYY-MM-DDTHH:mm:ssZ: mappings updated on or after it)
- create: POST .../mappings {sourceGroupId, status, targetGroupName} (a new app group) or
  {sourceGroupId, status, targetGroupId} (link an existing app group), with an `appConfig`
  for Okta's Active Directory integration (connectors/okta_push_settings.py)
- get: GET .../mappings/{mappingId}; status: PATCH .../mappings/{mappingId} {status: ACTIVE |
  INACTIVE}; delete: DELETE .../mappings/{mappingId}?deleteTargetGroup=true|false, which Okta
  allows only for an INACTIVE mapping
- an app group of that name: the groups Okta imported from the app are Okta groups of type
  APP_GROUP whose source is the app: GET /api/v1/groups?search=type eq "APP_GROUP" and
  source.id eq "{appId}" and profile.name eq "NAME" (Group/listGroups). Where the app's groups
  are not imported, Okta does not tell whether the name exists (and links it if it does).
- rate limits: connectors/okta_limits.py, as for the directory (`max_rate_share`, 429).

Okta's API has no "push now" and does not list an app group's members, so grouppush refuses
both for this app (engine/preconditions.py says where to do them in Okta).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any
from urllib.parse import quote

import httpx

from connectors.base import AppGroup, Capabilities, MappingState
from connectors.errors import ConfigError, ConnectorError
from connectors.http import HttpSender
from connectors.okta import OktaSettings
from connectors.okta_limits import RateLimits, send
from connectors.okta_push_records import MappingFailed, NotOffered, hints, mapping_state, okta_words
from connectors.okta_push_settings import OktaGroupPushSettings

PAGE = 1000
"""Okta's largest page of mappings."""


class OktaGroupPushApp:
    """One Okta app's Push Groups: mappings, not members (a connectors.base.MappingApp)."""

    def __init__(self, name: str, settings: OktaGroupPushSettings, okta: OktaSettings,
                 client: httpx.Client | None = None, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.time) -> None:
        self.name, self.settings = name, settings
        self.capabilities = Capabilities(link_existing=settings.enhanced_group_push,
                                         concurrency=settings.concurrency, pushes_members=False)
        self.base = okta.org_url.rstrip("/")
        self.path = f"/api/v1/apps/{quote(settings.app_id, safe='')}/group-push/mappings"
        self.client = client or httpx.Client(timeout=okta.timeout)
        self.http = HttpSender(self.client, app="Okta", sleep=sleep, target=name,
                               requests_per_minute=settings.requests_per_minute,
                               hints=hints(name), describe=okta_words)
        self.limits = RateLimits(okta.max_rate_share, sleep, clock)
        scheme = f"SSWS {okta.token}" if okta.token else f"Bearer {okta.access_token}"
        self.headers = {"Authorization": scheme, "Accept": "application/json"}

    # -- the App protocol ------------------------------------------------------------------

    def health(self) -> str:
        """List one mapping: proves the token, its scopes and the app id."""
        self._send("GET", self.path, "listing group push mappings", params={"limit": 1})
        return "ok"

    def find_group(self, name: str) -> AppGroup | None:
        """The app's group of exactly this name, where Okta imported the app's groups."""
        search = (f'type eq "APP_GROUP" and source.id eq "{_quoted(self.settings.app_id)}" '
                  f'and profile.name eq "{_quoted(name)}"')
        items = self._send("GET", "/api/v1/groups", "looking for the app group",
                           params={"search": search, "limit": 20}).json()
        found = [AppGroup(id=str(i["id"]), name=str((i.get("profile") or {}).get("name", "")))
                 for i in items]
        exact = [g for g in found if g.name == name]
        return exact[0] if exact else None

    def get_group(self, group_id: str) -> AppGroup | None:
        """The mapping by its id (grouppush's app group id for this app), or None."""
        state = self.mapping(group_id)
        return None if state is None else AppGroup(id=state.id, name="")

    def create_group(self, name: str, description: str = "") -> AppGroup:
        """Never used: a mapping needs its directory group (map_group)."""
        raise NotOffered("Okta creates the app group from a group push mapping")

    def rename_group(self, group_id: str, name: str) -> None:
        """Nothing to send: Okta pushes its group's new name itself."""

    def describe_group(self, group_id: str, description: str) -> None:
        """Nothing to send: Okta pushes its group's description itself."""

    def delete_group(self, group_id: str) -> None:
        """Deactivate the mapping and delete it with the app group."""
        self.unmap(group_id, delete_target=True)

    def resolve_users(self, logins: Iterable[str]) -> dict[str, str]:
        """None: Okta matches its users to the app's itself."""
        return {}

    def list_members(self, group_id: str) -> dict[str, str | None]:
        """Refused: Okta's API does not give the members of the app group."""
        raise NotOffered("Okta's API does not list the members of an app group it pushes")

    def read_group(self, group_id: str) -> tuple[AppGroup, dict[str, str | None]] | None:
        """Refused, as list_members."""
        raise NotOffered("Okta's API does not list the members of an app group it pushes")

    def user_logins(self, user_ids: Iterable[str]) -> dict[str, str]:
        """None known: see list_members."""
        return {}

    def add_members(self, group_id: str, user_ids: Sequence[str]) -> None:
        """Refused: Okta pushes the members."""
        raise NotOffered("Okta pushes the members of this app's groups itself")

    def remove_members(self, group_id: str, user_ids: Sequence[str]) -> None:
        """Refused: Okta pushes the members."""
        raise NotOffered("Okta pushes the members of this app's groups itself")

    def close(self) -> None:
        """Close the HTTP client."""
        self.client.close()

    # -- the mappings ----------------------------------------------------------------------

    def mapping_of(self, source_group_id: str) -> MappingState | None:
        """The mapping pushing this Okta group to the app, if any (one request)."""
        items = self._send("GET", self.path, "looking for the group's push mapping",
                           params={"sourceGroupId": source_group_id, "limit": 1}).json()
        return mapping_state(items[0]) if items else None

    def map_group(self, source_group_id: str, name: str, target: AppGroup | None) -> MappingState:
        """Create a mapping: a new app group named `name`, or a link to `target`."""
        body: dict[str, Any] = {"sourceGroupId": source_group_id, "status": "ACTIVE"}
        if target is None:
            body["targetGroupName"] = name
        else:
            body["targetGroupId"] = target.id
        config = self.settings.app_config(name)
        if config is not None:  # Okta's Active Directory integration: where and what kind
            body["appConfig"] = config
        response = self._send("POST", self.path, "creating a group push mapping", json=body,
                              ok=(200, 201))
        return mapping_state(response.json())

    def mapping(self, mapping_id: str) -> MappingState | None:
        """One mapping, or None when Okta no longer has it."""
        response = self._send("GET", self._one(mapping_id), "reading a group push mapping",
                              ok=(200, 404))
        return mapping_state(response.json()) if response.status_code == 200 else None

    def set_mapping_status(self, mapping_id: str, active: bool) -> MappingState:
        """PATCH the mapping's status."""
        status = "ACTIVE" if active else "INACTIVE"
        response = self._send("PATCH", self._one(mapping_id),
                              f"setting a group push mapping {status}", json={"status": status})
        return mapping_state(response.json())

    def unmap(self, mapping_id: str, delete_target: bool) -> None:
        """INACTIVE first (Okta deletes only inactive mappings), then DELETE; gone is done."""
        try:
            self.set_mapping_status(mapping_id, active=False)
        except ConnectorError as error:
            if error.status == 404:
                return
            raise
        self._send("DELETE", self._one(mapping_id), "deleting a group push mapping",
                   params={"deleteTargetGroup": "true" if delete_target else "false"},
                   ok=(200, 204, 404))

    def mappings(self, updated_since: str | None = None,
                 status: str | None = None) -> Iterator[MappingState]:
        """Every mapping (or those updated on or after a time, or in one status)."""
        params: dict[str, Any] = {"limit": PAGE}
        if updated_since:
            params["lastUpdated"] = updated_since
        if status:
            params["status"] = status
        url: str | None = self.path
        query: dict[str, Any] | None = params
        while url:
            response = self._send("GET", url, "listing group push mappings", params=query)
            yield from (mapping_state(item) for item in response.json())
            url, query = response.links.get("next", {}).get("url"), None
            if url:
                if not url.startswith(self.base + "/"):
                    raise ConnectorError(f"Okta sent a next page outside {self.base}: refused")
                url = url[len(self.base):]

    def failed(self, state: MappingState) -> MappingFailed:
        """The error of a mapping in ERROR, with Okta's summary and the hint."""
        error = MappingFailed(f"Okta could not push the group to {self.name}",
                              app_message=state.error_summary or "Okta gave no summary")
        error.hints = self.http.hints or {}
        return error

    # -- requests --------------------------------------------------------------------------

    def _one(self, mapping_id: str) -> str:
        return f"{self.path}/{quote(mapping_id, safe='')}"

    def _send(self, method: str, path: str, what: str, *, params: dict[str, Any] | None = None,
              json: Any = None, ok: tuple[int, ...] = (200,)) -> httpx.Response:
        """One request within grouppush's share of the rate limit; a 429 waits for the reset."""
        return send(self.http, self.limits, method, f"{self.base}{path}", path, what, ok=ok,
                    params=params, json=json, headers=self.headers,
                    repeat_on_timeout=method in ("GET", "PATCH"))

def _quoted(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def build(name: str, options: dict[str, Any], client: httpx.Client | None = None,
          directory: dict[str, Any] | None = None) -> OktaGroupPushApp:
    """An OktaGroupPushApp from its `apps.NAME` section and the okta `directory:` section."""
    from connectors.settings import settings_from

    prefix = f"apps.{name}"
    settings = settings_from(OktaGroupPushSettings, prefix, options).validate(prefix, options)
    directory = directory or {}
    if directory.get("type") != "okta":
        raise ConfigError(f"{prefix}.type", "an okta_group_push app needs directory.type: okta "
                          "(its org and token drive the app's Push Groups)")
    okta_keys = {k: v for k, v in directory.items() if k in OktaSettings.__dataclass_fields__}
    okta = settings_from(OktaSettings, "directory", okta_keys).validate()
    return OktaGroupPushApp(name, settings, okta, client)
