"""The settings of an okta_group_push app (its `apps.NAME` section), and the `appConfig` Okta
needs on a mapping to its Active Directory integration.

Okta's reference (GroupPushMapping, CreateGroupPushMappingRequest): `appConfig` is "additional
app configuration for group push mappings, currently only required for Active Directory": an
object of `type: ACTIVE_DIRECTORY` (AppConfigActiveDirectory) with all four of
`distinguishedName` (the group's DN in AD), `groupScope` (DOMAIN_LOCAL | GLOBAL | UNIVERSAL),
`groupType` (DISTRIBUTION | SECURITY) and `samAccountName`. grouppush sends it when the app's
section sets `groups_ou` (the words of `type: active_directory`): the app is then Okta's AD
integration, and each new group is `CN=<name>,<groups_ou>` with a sanitised sAMAccountName.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ldap3.utils.dn import escape_rdn

from connectors.active_directory import GROUP_SCOPES, GROUP_TYPES, domain_of, sam_account_name
from connectors.errors import ConfigError


@dataclass(frozen=True)
class OktaGroupPushSettings:
    """Which Okta app's Group Push grouppush drives (and, for Active Directory, where)."""

    app_id: str
    enhanced_group_push: bool = False
    """Link an app group of the same name (Okta's Group Linking) instead of refusing it."""
    groups_ou: str | None = None
    """Set only for Okta's Active Directory integration: the OU new groups are made in."""
    group_type: str = "security"
    group_scope: str = "global"
    """Of the AD groups Okta makes (with groups_ou), as for `type: active_directory`."""
    concurrency: int = 4
    requests_per_minute: int | None = None
    max_members_per_request: int = 100
    """Accepted as for every app; Okta pushes the members itself."""

    def validate(self, prefix: str, options: dict[str, Any]) -> OktaGroupPushSettings:
        """Refuse an app id that cannot be one, and AD settings that are not whole."""
        if not self.app_id.strip() or any(c in self.app_id for c in "/?#% "):
            raise ConfigError(f"{prefix}.app_id", "must be the Okta app's id, such as "
                              f"0oa1b2c3d4 (the end of its URL in Okta), not {self.app_id!r}")
        choices = {"group_type": tuple(GROUP_TYPES), "group_scope": tuple(GROUP_SCOPES)}
        for key, allowed in choices.items():
            if getattr(self, key) not in allowed:
                raise ConfigError(f"{prefix}.{key}", f"must be one of {', '.join(allowed)}, "
                                  f"not {getattr(self, key)!r}")
            if key in options and self.groups_ou is None:
                raise ConfigError(f"{prefix}.{key}", "is for Okta's Active Directory "
                                  f"integration: set {prefix}.groups_ou too (the OU Okta "
                                  "makes the groups in), or remove it")
        if self.groups_ou is not None and not domain_of(self.groups_ou):
            raise ConfigError(f"{prefix}.groups_ou", "must be a DN ending in DC=..., like "
                              f"OU=Pushed,DC=acme,DC=test, not {self.groups_ou!r}")
        return self

    def app_config(self, name: str) -> dict[str, str] | None:
        """The mapping's appConfig for a group of this name (None: not an AD app)."""
        if self.groups_ou is None:
            return None
        return {"type": "ACTIVE_DIRECTORY",
                "distinguishedName": f"CN={escape_rdn(name)},{self.groups_ou}",
                "groupScope": self.group_scope.upper(), "groupType": self.group_type.upper(),
                "samAccountName": sam_account_name(name)}
