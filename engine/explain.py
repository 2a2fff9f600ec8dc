"""`explain LOGIN in GROUP on APP`: each fact that decides whether one person is in one app
group, in the order an admin checks them. A read: the kept directory first (one directory
read of the user when it does not have them), at most two app reads (the app user, when
not resolved before, and the app group's members)."""

from __future__ import annotations

from connectors.base import App, DirectoryGroup, DirectorySnapshot, DirectoryUser, MappingApp
from connectors.errors import NotFoundError
from connectors.settings import closest
from engine.core import Context, RefusalError
from engine.okta_push.explain import explained_by_okta
from engine.operations import Explain
from engine.outcomes import Explained
from engine.push.users import resolve
from engine.registry import handles
from engine.service import GroupPushService, quoted
from storage.models import PushedMember, PushMapping
from storage.statuses import PushStatus


@handles(Explain)
def explain(ctx: Context, op: Explain) -> Explained:
    """The facts for one person, one directory group and one app, each "no" with its why."""
    service = ctx.service
    app = service.find_app(op.app)
    snapshot = service.snapshot()
    user = _user(service, snapshot, op.login)
    group, mapping, unpushable = _push(service, snapshot, op.group, app)
    name = group.name if group is not None else mapping.group_name if mapping else op.group
    facts = Facts(user.login, quoted(name), app.name, f"`{mapping_cmd(name, app.name)}`")
    facts.ignored_by = mapping.drift_ignored_by if mapping is not None else ""
    member = group is not None and user.id in group.members
    if not member:
        facts.no("in_directory_group", f"{user.login} is not a member of {quoted(name)} in "
                 "the directory" + ("" if group is not None else
                                    " (the group is gone from the directory)"))
    if not user.active:
        facts.no("active", f"{user.status} in the directory: only active users are pushed "
                 "(ACTIVE, RECOVERY, PASSWORD_EXPIRED, LOCKED_OUT)")
    if isinstance(app, MappingApp):  # Okta pushes the members: nothing to read in the app
        return explained_by_okta(user, group, name, app.name, mapping, facts.reasons)
    app_user = resolve(service.db, app, [user.login]).get(user.login)
    if app_user is None:
        skipped = mapping is not None and user.login in mapping.skipped_logins.split("\n")
        facts.no("app_user", f"not provisioned in {app.name}: no app user has the login "
                 f"{user.login}; assign the app in the directory (Okta) or create the user "
                 "there first" + ("; skipped as \"not in the app\" at the last push"
                                  if skipped else ""))
    pushed = mapping is not None and _was_pushed(service, mapping, user.login)
    in_group = _in_app_group(app, mapping, app_user, facts)
    status = mapping.status if mapping is not None else "none"
    if mapping is None:
        facts.no("pushed", unpushable or f"{quoted(name)} is not pushed to {app.name}: "
                 f"`push {quoted(name)} to {app.name}` pushes it")
    elif not pushed:
        facts.no("pushed", _why_not_pushed(mapping, member, user, app_user))
    wanted = member and user.active and app_user is not None
    next_sync = facts.next_sync(mapping, wanted, pushed, in_group, app_user is not None)
    return Explained(user.login, name, app.name, member, user.active, user.status, app_user,
                     status, pushed, in_group, next_sync, tuple(facts.reasons.items()),
                     facts.ignored_by)


def mapping_cmd(group: str, app: str) -> str:
    """The command that overwrites the app group with the directory's members."""
    return f"now {quoted(group)} on {app}"


class Facts:
    """The reasons gathered for each "no", and what the next sync will do."""

    def __init__(self, login: str, group: str, app: str, push_now: str) -> None:
        self.login, self.group, self.app, self.push_now = login, group, app, push_now
        self.reasons: dict[str, str] = {}
        self.ignored_by = ""

    def no(self, fact: str, why: str) -> None:
        """Keep why a fact is "no"."""
        self.reasons[fact] = why

    def next_sync(self, mapping: PushMapping | None, wanted: bool, pushed: bool,
                  in_group: bool | None, known: bool) -> str:
        """add, remove or none, with the reason kept under next_sync."""
        if mapping is None:
            return self._none("the group is not pushed to the app")
        if mapping.status != PushStatus.ACTIVE:
            return self._none("the push is deactivated: directory changes are not pushed "
                              f"until `activate {self.group} on {self.app}`")
        if wanted and not pushed:
            return self._then("add", f"{self.login} is an active member the app knows and "
                              "was not pushed yet")
        if pushed and not wanted:
            return self._then("remove", f"{self.login} was pushed and is no longer an "
                              "active member the app knows")
        if pushed and in_group is False:
            return self._none("the sync compares the directory with what it pushed and "
                              f"reads no app group; {self.push_now} puts {self.login} back "
                              "(removed in the app: drift" + (
                                  f", ignored by {self.ignored_by})" if self.ignored_by
                                  else ")"))
        if not pushed and in_group:
            return self._none("grouppush did not push this membership and a sync removes "
                              f"only what it pushed; {self.push_now} removes it (added in "
                              "the app: drift" + (f", ignored by {self.ignored_by})"
                                                  if self.ignored_by else ")"))
        if not known and "in_directory_group" not in self.reasons and \
                "active" not in self.reasons:
            return self._none(f"the app has no user for {self.login}; once it does, "
                              f"`repush {self.login}` adds it")
        return self._none("nothing differs from what was pushed" if pushed else
                          f"{self.login} is not an active member: nothing to push")

    def _none(self, why: str) -> str:
        return self._then("none", why)

    def _then(self, action: str, why: str) -> str:
        self.reasons["next_sync"] = why
        return action


def _user(service: GroupPushService, snapshot: DirectorySnapshot,
          login: str) -> DirectoryUser:
    """The user by login: the kept directory first, else one directory read."""
    user = snapshot.user_by_login(login) or service.kept.find_user(login)
    if user is None:
        near = closest(login, service.kept.user_logins())
        tip = f" Closest: {', '.join(near)}." if near else ""
        raise RefusalError(f"No directory user with login {login}.{tip}")
    return user


def _push(service: GroupPushService, snapshot: DirectorySnapshot, name: str,
          app: App) -> tuple[DirectoryGroup | None, PushMapping | None, str]:
    """(the directory group with its members, its push to the app or None, why it can never
    be pushed)."""
    try:
        found, mapping = service.find_push(snapshot, name, app)
    except RefusalError:
        mapping = None
        try:
            found = service.find_group(snapshot, name)
        except RefusalError:  # not kept: read from the directory (refused with the closest)
            snapshot = service.snapshot(name)
            found = service.find_group(snapshot, name)
    group = snapshot.groups.get(found.id) if found is not None else None  # with members
    if mapping is None and group is not None:
        try:
            service.refuse_unpushable(snapshot, group, app)
        except RefusalError as never:
            return group, None, str(never)
    return group, mapping, ""


def _was_pushed(service: GroupPushService, mapping: PushMapping, login: str) -> bool:
    with service.db.session() as session:
        return session.get(PushedMember, (int(mapping.id or 0), login)) is not None


def _why_not_pushed(mapping: PushMapping, member: bool, user: DirectoryUser,
                    app_user: str | None) -> str:
    if not member:
        return "not a member of the directory group"
    if not user.active:
        return "the user is not active"
    if app_user is None:
        return "the app has no user for the login"
    if mapping.status != PushStatus.ACTIVE:
        return "the push is deactivated"
    return "not pushed yet: the next sync adds it"


def _in_app_group(app: App, mapping: PushMapping | None, app_user: str | None,
                  facts: Facts) -> bool | None:
    """Whether the app group has the person now (one read of the app group's members)."""
    if mapping is None or not mapping.app_group_id:
        facts.no("in_app_group", "there is no app group yet")
        return None
    if app_user is None:
        facts.no("in_app_group", "the app has no user for the login")
        return False
    try:
        members = app.list_members(mapping.app_group_id)
    except NotFoundError:
        facts.no("in_app_group", f"the app group is gone from {app.name} (deleted there); "
                 f"{facts.push_now} creates it again")
        return False
    if app_user in members:
        return True
    facts.no("in_app_group", f"{app.name}'s group {quoted(mapping.app_group_name)} does not "
             "have this user now")
    return False

