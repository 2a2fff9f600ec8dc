"""Okta's own state of a push, as `info` and `check` tell it."""

from __future__ import annotations

from datetime import datetime

from connectors.base import MappingApp
from connectors.errors import ConnectorError
from engine.okta_push.poll import ORIGIN
from engine.preconditions import okta_console as console
from engine.words import okta_pushes
from storage.models import PushMapping


def not_read(app: str) -> str:
    """Why `check` reads no group of this app."""
    return (f"{app} is pushed by Okta itself: Okta's API does not give the members of its "
            f"groups, so grouppush checks no drift there (see them in {app}, and each push's "
            f"state in {console(app)}); its mappings in error are reported.")


def details(app: MappingApp, mapping: PushMapping, active: int | None) -> dict[str, str]:
    """What `info` adds for an app Okta pushes, read from Okta now (one request); `active`:
    the directory group's active members (None: gone from the directory)."""
    fields = {"Members": okta_pushes(active),
              "Skipped (not in the app)": "Okta matches its users to the app's itself"}
    if mapping.created_via == ORIGIN:
        fields["Pushed by"] = (f"outside grouppush, in {console(mapping.app)} (found by a "
                               f"sync at {mapping.created_at:%Y-%m-%d %H:%M:%S} UTC)")
    return {**fields, **okta_state(app, mapping)}


def okta_state(app: MappingApp, mapping: PushMapping) -> dict[str, str]:
    """Okta's own state of the push's mapping, read now (one request): its status, last
    push, target group and error summary."""
    if not mapping.app_group_id:
        return {"Okta status": "no mapping in Okta yet"}
    try:
        state = app.mapping(mapping.app_group_id)
    except ConnectorError as error:
        return {"Okta status": f"could not be read: {error.describe()}"}
    if state is None:
        return {"Okta status": "Okta no longer has this mapping (deleted in Okta)"}
    return {"Okta status": state.status, "Okta last push": _okta_time(state.last_push),
            "Target group": f"{mapping.app_group_name or mapping.group_name} (Okta app group "
                            f"{state.target_group_id or 'not known'}), mapping {state.id}",
            "Okta error summary": state.error_summary or "none"}


def _okta_time(stamp: str) -> str:
    if not stamp:
        return "never"
    return f"{datetime.fromisoformat(stamp.replace('Z', '+00:00')):%Y-%m-%d %H:%M:%S} UTC"
