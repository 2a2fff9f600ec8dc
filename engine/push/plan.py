"""Previews: the exact plan of a push (create, link or rename the app group; members to add
and remove; people skipped) computed with reads only, for --dry-run and approval requests."""

from __future__ import annotations

from connectors.base import App, DirectoryGroup, DirectorySnapshot, MappingApp
from engine.core import Operation, RefusalError
from engine.outcomes import Planned, PlanNote, PushPlan
from engine.push.apply import _plan, plan_mapping
from engine.push.link import GroupTaken, _linkable
from engine.push.members import MemberPlan, plan_members
from engine.push.users import resolve
from engine.service import GroupPushService, quoted
from storage import repo
from storage.models import PushMapping

SHOWN = 10
"""Names shown per list in an approval request's plan text (engine/approvals/held_sync.py)."""


def _from(group: str, app: str, how: str, name: str, group_id: str | None,
          plan: MemberPlan, held: bool = False) -> PushPlan:
    return PushPlan(group=group, app=app, app_group=how, app_group_name=name,
                    app_group_id=group_id, add=tuple(sorted(plan.add)),
                    remove=tuple(sorted(plan.remove)), skipped=tuple(plan.skipped), held=held)


def preview_new_push(service: GroupPushService, snapshot: DirectorySnapshot,
                     group: DirectoryGroup, app: App, memberships: bool = True) -> PushPlan:
    """What `push GROUP to APP` would do; refused exactly as the push would be."""
    service.refuse_unpushable(snapshot, group, app)
    with service.db.session() as session:
        if repo.find_mapping(session, group.id, app.name) is not None:
            raise RefusalError(f"{quoted(group.name)} is already pushed to {app.name}. "
                               f"`now {quoted(group.name)} on {app.name} --dry-run` shows what a "
                               "push now would do.")
    try:
        found = _linkable(service.db, app, 0, group.name)
    except GroupTaken as taken:
        raise RefusalError(str(taken)) from None
    if isinstance(app, MappingApp):  # a mapping in Okta; Okta pushes the members itself
        return _from(group.name, app.name, "create" if found is None else "link",
                     found.name if found else group.name, found.id if found else None,
                     MemberPlan(add={}, remove={}))
    desired = snapshot.active_logins(group) if memberships else set()
    if found is None:
        plan = plan_members(desired, resolve(service.db, app, desired), {})
        return _from(group.name, app.name, "create", group.name, None, plan)
    plan, _, _ = _plan(service.db, app, desired, 0, found.id, full=True, skip=set())
    if not memberships:
        plan = MemberPlan(add={}, remove={})
    return _from(group.name, app.name, "link", found.name, found.id, plan)


def preview_mapping(service: GroupPushService, snapshot: DirectorySnapshot, app: App,
                    mapping: PushMapping, *, full: bool = False, held: bool = False) -> PushPlan:
    """What pushing an existing mapping would do now (a sync; push now when full)."""
    group = snapshot.groups.get(mapping.group_id)
    plan = plan_mapping(service.db, app, snapshot, int(mapping.id or 0), full=full)
    name = mapping.app_group_name or mapping.group_name
    how = "create" if mapping.app_group_id is None else "keep"
    if group is not None and group.name != mapping.group_name and \
            mapping.app_group_name == mapping.group_name and how == "keep":
        how, name = "rename", group.name
    return _from(group.name if group else mapping.group_name, app.name, how, name,
                 mapping.app_group_id, plan, held)


def planned(operation: Operation, plans: list[PushPlan], notes: list[PlanNote] | None = None,
            matches: int = 0) -> Planned:
    """The outcome of a --dry-run: the exact plan, nothing written to any app."""
    return Planned(operation, tuple(plans), tuple(notes or ()), matches)
