"""`explain LOGIN in GROUP on APP` for an app Okta pushes: the directory's facts as for any
app; whether the app knows the user and has them in its group Okta's API does not tell, and
Okta, not a sync of grouppush's, pushes the membership."""

from __future__ import annotations

from connectors.base import DirectoryGroup, DirectoryUser
from engine.outcomes import Explained
from engine.preconditions import okta_console
from engine.words import quoted
from storage.models import PushMapping
from storage.statuses import PushStatus


def explained_by_okta(user: DirectoryUser, group: DirectoryGroup | None, name: str, app: str,
                      mapping: PushMapping | None, reasons: dict[str, str]) -> Explained:
    """The facts for one person in a group Okta pushes; `reasons` holds the directory's "no"s
    already (in_directory_group, active)."""
    member = group is not None and user.id in group.members
    where, shown = okta_console(app), quoted(name)
    reasons["app_user"] = (f"Okta matches its users to {app}'s itself (the user must "
                           f"be assigned to {app} in Okta); its API does not tell grouppush")
    reasons["pushed"] = f"Okta pushes the members of {shown} to {app} itself, not grouppush"
    reasons["in_app_group"] = (f"Okta's API does not list the members of {app}'s "
                               f"groups; see them in {app}, and the push's state in {where}")
    if mapping is None:
        reasons["next_sync"] = f"{shown} is not pushed to {app}: `push {shown} to {app}` asks Okta"
    elif mapping.status != PushStatus.ACTIVE:
        reasons["next_sync"] = (f"Okta's push of {shown} is deactivated: Okta pushes nothing "
                                f"until `activate {shown} on {app}`")
    elif mapping.error_message:
        reasons["next_sync"] = (f"Okta's push of {shown} is in error ({mapping.error_message}); "
                                "Retry sets it active again")
    else:
        reasons["next_sync"] = (f"Okta pushes {user.login} with {shown} whenever it changes"
                                if member and user.active else
                                f"Okta pushes only the active members of {shown}")
    return Explained(user.login, name, app, member, user.active, user.status, None,
                     mapping.status if mapping is not None else "none", False, None, "none",
                     tuple(reasons.items()), by_okta=True)
