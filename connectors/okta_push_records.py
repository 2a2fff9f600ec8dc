"""What Okta answers about group push mappings, as grouppush records it: a mapping's state,
Okta's error words, the errors of this app type and their troubleshooting hints."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx

from connectors.base import MappingState
from connectors.errors import ConnectorError
from connectors.http import app_message


def hints(app: str) -> dict[str, str]:
    """Troubleshooting hints for the errors of one okta_group_push app."""
    console = f"Okta's Admin Console: Applications > {app}'s app > Push Groups"
    return {
        "auth": "Okta refused grouppush's token for Group Push: the token (directory.token) "
        "must be allowed okta.apps.manage and okta.groups.read (an API token of an admin who "
        "manages this app, or an OAuth token with those scopes).",
        "not_found": f"Okta has no such app or mapping: check apps.{app}.app_id (the id at the "
        f"end of the app's URL in Okta); a mapping deleted in Okta is gone from {console}.",
        "bad_request": "Okta refused the change; its message above says why (Group Push must "
        "be enabled in the app's Provisioning settings, linking needs an app that supports "
        f"Group Linking, and Okta's Active Directory integration needs apps.{app}.groups_ou, "
        f"the OU Okta makes the groups in). See {console}.",
        "exists": f"The app already has a group of this name. Set apps.{app}."
        "enhanced_group_push: true to link it, or rename the directory group.",
        "rate_limited": "Okta is rate limiting grouppush; lower directory.max_rate_share or "
        "wait for the limit to reset.",
        "server": "Okta failed on its side; grouppush retries. See status.okta.com.",
        "unreachable": "Okta did not answer: check directory.org_url, the network and "
        "status.okta.com.",
        "okta_push": "Okta could not push this group to the app (often a member not assigned "
        "to the app, a name the app refuses, or the app's own credentials in Okta). Fix the "
        f"cause, then Retry (grouppush sets the mapping active again), or in {console} use "
        "Retry All Groups.",
        "not_offered": f"Do it in {console}.",
    }


class MappingFailed(ConnectorError):
    """Okta's mapping is in ERROR: Okta could not push the group; errorSummary says why."""

    kind = "okta_push"


class NotOffered(ConnectorError):
    """Okta's API does not offer this; the hint says where to do it in Okta."""

    kind = "not_offered"


def okta_words(response: httpx.Response) -> str:
    """Okta's errorSummary with its errorCauses (where Okta says which field and why)."""
    words = app_message(response)
    try:
        causes = [str(c.get("errorSummary")) for c in response.json().get("errorCauses") or ()
                  if isinstance(c, dict) and c.get("errorSummary")]
    except (ValueError, AttributeError):
        causes = []
    return "; ".join([words, *causes]) if words else "; ".join(causes)


def mapping_state(item: dict[str, Any]) -> MappingState:
    """A mapping as Okta answers it."""
    return MappingState(id=str(item["id"]), source_group_id=str(item.get("sourceGroupId") or ""),
                        target_group_id=str(item.get("targetGroupId") or ""),
                        status=str(item.get("status") or ""),
                        error_summary=str(item.get("errorSummary") or ""),
                        last_push=str(item.get("lastPush") or ""),
                        last_updated=str(item.get("lastUpdated") or ""))


def okta_second(at: datetime) -> str:
    """A time as the `lastUpdated` filter takes it: YYYY-MM-DDTHH:mm:ssZ (UTC)."""
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")
