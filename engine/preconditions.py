"""Why an operation on one push would be refused: the run and its --dry-run ask the same
function, so a preview is refused exactly as the run would be."""

from __future__ import annotations

from connectors.base import DirectoryGroup
from engine.core import RefusalError, quote
from engine.names import one_line
from engine.words import gone_from_directory
from storage.models import PushMapping


def _quoted(name: str) -> str:
    return quote(one_line(name))


def okta_console(app: str) -> str:
    """Where an admin does, in Okta, what grouppush cannot do for an app Okta pushes."""
    return f"Okta's Admin Console: Applications > {app}'s app > Push Groups"


def refuse_okta_push_now(app: str, group: str) -> RefusalError:
    """Push now of an app Okta pushes (okta_group_push): not in Okta's API."""
    return RefusalError(f"{app} is pushed by Okta itself (okta_group_push), and Okta's "
                        "Group Push Mappings API has no push now: Okta pushes "
                        f"{group} whenever it changes. To push it at once, use "
                        f"{okta_console(app)} > {group} > Push Now.")


def refuse_push_now(group: DirectoryGroup | None, mapping: PushMapping, app: str) -> None:
    """Refused: `now` of a push whose directory group is gone or that is deactivated."""
    if group is None:
        raise RefusalError(gone_from_directory(mapping.group_name, app))
    if mapping.status != "active":
        raise RefusalError(f"{_quoted(group.name)} on {app} is deactivated. "
                      f"`activate {_quoted(group.name)} on {app}` resumes it first.")


def status_refusal(group: DirectoryGroup | None, mapping: PushMapping, app: str,
                   active: bool) -> str | None:
    """Why (de)activating this push changes nothing (it is so already), or None; refused
    outright when activating a push whose directory group is gone."""
    if group is None and active:
        raise RefusalError(gone_from_directory(mapping.group_name, app))
    name = group.name if group is not None else mapping.group_name
    if mapping.status == ("active" if active else "inactive"):
        return (f"{_quoted(name)} on {app} is already "
                f"{'active' if active else 'deactivated'}; nothing changed.")
    return None
