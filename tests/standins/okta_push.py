"""The Okta stand-in's apps and their Group Push Mappings API, as Okta's reference documents it
(https://developer.okta.com/docs/api/openapi/okta-management/management/tag/GroupPushMapping):

- GET /api/v1/apps/{appId}/group-push/mappings?after=&limit=&lastUpdated=&sourceGroupId=&status=
  (limit 1..1000, default 100; lastUpdated YYYY-MM-DDTHH:mm:ssZ: updated on or after it;
  paging by the Link rel="next" header with `after`)
- POST .../mappings {sourceGroupId, status, targetGroupName | targetGroupId} (either, not
  both): targetGroupName creates the app group, or links the app's group of that name when it
  exists; targetGroupId links an existing app group (where the app supports Group Linking).
  `appConfig` is "currently only required for Active Directory" (an app whose `name` is
  `active_directory`): {type: ACTIVE_DIRECTORY, distinguishedName, groupScope: DOMAIN_LOCAL |
  GLOBAL | UNIVERSAL, groupType: DISTRIBUTION | SECURITY, samAccountName}, all required
  (AppConfigActiveDirectory); the stand-in refuses it missing or incomplete there, and refuses
  it on another app (undocumented: strict, so a client sending it wrongly is caught)
- GET .../mappings/{mappingId}; PATCH .../mappings/{mappingId} {status: ACTIVE | INACTIVE};
  DELETE .../mappings/{mappingId}?deleteTargetGroup=true|false, only for an INACTIVE mapping
- errors: 400 E0000001 (validation, with errorCauses), 404 E0000007; 401/429 as every endpoint

The app's groups are Okta groups of type APP_GROUP whose `source.id` is the app (as Okta lists
groups it imported from an app); a pushed mapping's target group is one of them, which Okta then
no longer lists with the org's groups ("once linked, Group B is Okta sourced"), only by its
source. Okta's pushes
themselves are not modelled: `fail_pushes` makes an app's pushes of a group fail (the mapping
goes to ERROR with Okta's summary) until `fix_pushes`.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from typing import Any

from tests.standins import Recorded, Reply
from tests.standins.okta_org import Org

STATUSES = ("ACTIVE", "INACTIVE", "ERROR")
AD_CONFIG = {"distinguishedName": None, "samAccountName": None,
             "groupScope": ("DOMAIN_LOCAL", "GLOBAL", "UNIVERSAL"),
             "groupType": ("DISTRIBUTION", "SECURITY")}
"""AppConfigActiveDirectory's required fields, with their allowed values (None: any text)."""
SECOND = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def _app_config_refused(app: dict[str, Any], config: Any) -> tuple[str, ...]:
    """Why a mapping's appConfig is refused for this app (empty: accepted)."""
    if app["name"] != "active_directory":
        return ("appConfig: only Active Directory takes an appConfig",) \
            if config is not None else ()
    if not isinstance(config, dict) or config.get("type") != "ACTIVE_DIRECTORY":
        return ("appConfig: Active Directory needs an appConfig of type ACTIVE_DIRECTORY",)
    causes = []
    for key, allowed in AD_CONFIG.items():
        value = config.get(key)
        if not isinstance(value, str) or not value.strip():
            causes.append(f"appConfig.{key}: The field cannot be left blank")
        elif allowed is not None and value not in allowed:
            causes.append(f"appConfig.{key}: must be one of {', '.join(allowed)}")
    dn = str(config.get("distinguishedName") or "")
    if dn and not dn.upper().startswith("CN="):
        causes.append("appConfig.distinguishedName: must be a group DN, CN=...")
    return tuple(causes)


def _error(status: int, summary: str, causes: tuple[str, ...] = ()) -> Reply:
    code = {400: "E0000001", 404: "E0000007"}.get(status, "E0000001")
    return Reply(status, {"errorCode": code, "errorSummary": summary, "errorLink": code,
                          "errorId": "oaeGroupPush",
                          "errorCauses": [{"errorSummary": c} for c in causes]})


class GroupPushApps(Org):
    """An org's apps with Push Groups (the Okta stand-in serves them)."""

    def __init__(self, base: str, clock: Callable[[], float]) -> None:
        super().__init__(base, clock)
        self.apps: dict[str, dict[str, Any]] = {}
        self.push_mappings: dict[str, dict[str, Any]] = {}
        self.failing: dict[tuple[str, str], str] = {}
        self._mapping_ids = itertools.count(1)

    # -- what an admin does in the console -------------------------------------------------

    def add_app(self, label: str, linking: bool = True, group_push: bool = True,
                name: str = "office365") -> str:
        """An app with provisioning; `linking`: it supports Group Linking; `name`: its app
        definition (`active_directory` for Okta's AD integration)."""
        with self.lock:
            app_id = f"0oa{len(self.apps) + 1:017d}"
            self.apps[app_id] = {"label": label, "linking": linking, "group_push": group_push,
                                 "name": name}
            return app_id

    def add_app_group(self, app_id: str, name: str) -> str:
        """A group of the app, imported into Okta (an APP_GROUP sourced from the app)."""
        gid: str = self.add_group(name, type="APP_GROUP")
        self.groups[gid]["source"] = {"id": app_id}
        return gid

    def console_mapping(self, app_id: str, source_gid: str, status: str = "ACTIVE") -> str:
        """A mapping made in Okta's admin console (Push Groups > Push Groups by name)."""
        with self.lock:
            name = self.groups[source_gid]["profile"]["name"]
            target = self._target_named(app_id, name) or self.add_app_group(app_id, name)
            return self._new_mapping(app_id, source_gid, target, status)["id"]

    def fail_pushes(self, app_id: str, source_gid: str, summary: str) -> None:
        """Okta's pushes of this group to the app fail from now on (the mapping goes ERROR)."""
        with self.lock:
            self.failing[(app_id, source_gid)] = summary
            for mapping in self.push_mappings.values():
                if (mapping["appId"], mapping["sourceGroupId"]) == (app_id, source_gid) \
                        and mapping["status"] == "ACTIVE":
                    mapping.update(status="ERROR", errorSummary=summary)

    def fix_pushes(self, app_id: str, source_gid: str) -> None:
        """The cause is fixed: the next activation pushes."""
        with self.lock:
            self.failing.pop((app_id, source_gid), None)

    def mappings_of(self, app_id: str) -> list[dict[str, Any]]:
        """The app's mappings, as Okta would list them (without its _links)."""
        return [m for m in self.push_mappings.values() if m["appId"] == app_id]

    # -- the API ---------------------------------------------------------------------------

    def group_push_api(self, request: Recorded, parts: list[str],
                       query: dict[str, str]) -> Reply:
        """/api/v1/apps/{appId}/group-push/mappings[/{mappingId}]."""
        if len(parts) < 4 or parts[2:4] != ["group-push", "mappings"] or len(parts) > 5:
            return _error(404, f"Not found: Resource not found: {request.path}")
        app_id = parts[1]
        if app_id not in self.apps:
            return _error(404, f"Not found: Resource not found: {app_id} (AppInstance)")
        if len(parts) == 4:
            if request.method == "GET":
                return self._list(app_id, query, request.path)
            if request.method == "POST":
                return self._create(app_id, request.body if isinstance(request.body, dict)
                                    else {})
            return _error(405, "Method not allowed")
        mapping = self.push_mappings.get(parts[4])
        if mapping is None or mapping["appId"] != app_id:
            return _error(404, f"Not found: Resource not found: {parts[4]} (GroupPushMapping)")
        if request.method == "GET":
            return Reply(200, self._shown(mapping))
        if request.method == "PATCH":
            return self._patch(mapping, request.body if isinstance(request.body, dict) else {})
        if request.method == "DELETE":
            return self._delete(mapping, query)
        return _error(405, "Method not allowed")

    def _list(self, app_id: str, query: dict[str, str], path: str) -> Reply:
        limit = query.get("limit", "100")
        if not limit.isdigit() or not 1 <= int(limit) <= 1000:
            return _error(400, "Api validation failed: limit", ("limit: 1 to 1000",))
        items = self.mappings_of(app_id)
        if "status" in query:
            if query["status"] not in STATUSES:
                return _error(400, "Api validation failed: status")
            items = [m for m in items if m["status"] == query["status"]]
        if "sourceGroupId" in query:
            items = [m for m in items if m["sourceGroupId"] == query["sourceGroupId"]]
        if "lastUpdated" in query:
            since = query["lastUpdated"]
            if not SECOND.match(since):
                return _error(400, "Api validation failed: lastUpdated",
                              ("lastUpdated: the format is YYYY-MM-DDTHH:mm:ssZ",))
            items = [m for m in items if m["lastUpdated"][:19] + "Z" >= since]
        return self._page([self._shown(m) for m in items], {**query, "limit": limit}, path, 1000)

    def _create(self, app_id: str, body: dict[str, Any]) -> Reply:
        source = str(body.get("sourceGroupId") or "")
        name, target = body.get("targetGroupName"), body.get("targetGroupId")
        if not source:
            return _error(400, "Api validation failed: sourceGroupId",
                          ("sourceGroupId: The field cannot be left blank",))
        if (name is None) == (target is None):
            return _error(400, "Api validation failed: targetGroupId, targetGroupName",
                          ("Either targetGroupId or targetGroupName must be provided, "
                           "but not both",))
        if source not in self.groups:
            return _error(404, f"Not found: Resource not found: {source} (UserGroup)")
        app = self.apps[app_id]
        if not app["group_push"]:
            return _error(400, "Api validation failed: Group Push is not enabled for this app")
        refused = _app_config_refused(app, body.get("appConfig"))
        if refused:
            return _error(400, "Api validation failed: appConfig", refused)
        if any(m["sourceGroupId"] == source for m in self.mappings_of(app_id)):
            return _error(400, "Api validation failed: sourceGroupId",
                          ("The group is already pushed to this app",))
        if target is not None:
            if not app["linking"]:
                return _error(400, "Api validation failed: targetGroupId",
                              ("This app does not support linking to existing groups",))
            group = self.groups.get(str(target))
            if group is None or (group.get("source") or {}).get("id") != app_id:
                return _error(404, f"Not found: Resource not found: {target} (UserGroup)")
            linked = str(target)
        else:
            linked = self._target_named(app_id, str(name)) or self.add_app_group(app_id,
                                                                                  str(name))
        if any(m["targetGroupId"] == linked for m in self.mappings_of(app_id)):
            return _error(400, "Api validation failed: targetGroupId",
                          ("The target group is already linked to another group",))
        status = str(body.get("status") or "ACTIVE")
        made = self._new_mapping(app_id, source, linked, status)
        if body.get("appConfig") is not None:
            made["appConfig"] = body["appConfig"]
        return Reply(201, self._shown(made))

    def _patch(self, mapping: dict[str, Any], body: dict[str, Any]) -> Reply:
        status = body.get("status")
        if status not in ("ACTIVE", "INACTIVE"):
            return _error(400, "Api validation failed: status",
                          ("status: ACTIVE or INACTIVE",))
        stamp = self.stamp()
        mapping["lastUpdated"] = stamp
        if status == "INACTIVE":
            mapping["status"] = "INACTIVE"
        else:
            self._push(mapping, stamp)
        return Reply(200, self._shown(mapping))

    def _delete(self, mapping: dict[str, Any], query: dict[str, str]) -> Reply:
        delete = query.get("deleteTargetGroup")
        if delete not in ("true", "false"):
            return _error(400, "Api validation failed: deleteTargetGroup",
                          ("deleteTargetGroup: true or false",))
        if mapping["status"] != "INACTIVE":
            return _error(400, "Api validation failed: The group push mapping must be in an "
                          "INACTIVE state to be deleted")
        del self.push_mappings[mapping["id"]]
        if delete == "true":
            self.groups.pop(mapping["targetGroupId"], None)
            self.members.pop(mapping["targetGroupId"], None)
        return Reply(204)

    def _page(self, items: list[dict[str, Any]], query: dict[str, str], path: str,
              max_limit: int) -> Reply:
        """One page with its Link header (the stand-in's paging)."""
        raise NotImplementedError

    # -- the stand-in's own state ----------------------------------------------------------

    def _new_mapping(self, app_id: str, source: str, target: str, status: str) -> dict[str, Any]:
        stamp = self.stamp()
        mid = f"gPm{next(self._mapping_ids):017d}"
        mapping = {"id": mid, "appId": app_id, "created": stamp, "lastUpdated": stamp,
                   "lastPush": None, "sourceGroupId": source, "targetGroupId": target,
                   "status": "INACTIVE", "errorSummary": ""}
        self.push_mappings[mid] = mapping
        if status == "ACTIVE":
            self._push(mapping, stamp)
        return mapping

    def _push(self, mapping: dict[str, Any], stamp: str) -> None:
        """Okta pushes the group: ERROR with the summary while its pushes fail."""
        summary = self.failing.get((mapping["appId"], mapping["sourceGroupId"]))
        if summary:
            mapping.update(status="ERROR", errorSummary=summary)
        else:
            mapping.update(status="ACTIVE", errorSummary="", lastPush=stamp)

    def _target_named(self, app_id: str, name: str) -> str | None:
        for gid, group in self.groups.items():
            if (group.get("source") or {}).get("id") == app_id \
                    and group["profile"]["name"] == name:
                return str(gid)
        return None

    def _shown(self, mapping: dict[str, Any]) -> dict[str, Any]:
        shown = {k: v for k, v in mapping.items() if k != "appId"}
        shown["_links"] = {"app": {"href": f"/api/v1/apps/{mapping['appId']}"},
                           "sourceGroup": {"href": f"/api/v1/groups/{mapping['sourceGroupId']}"},
                           "targetGroup": {"href": f"/api/v1/groups/{mapping['targetGroupId']}"}}
        return shown
