"""Previews: the exact plan of a push (create, link or rename the app group; members to add
and remove; people skipped) computed with reads only, for --dry-run and approval requests."""

from __future__ import annotations

from connectors.base import App, DirectoryGroup, DirectorySnapshot, MappingApp
from connectors.errors import DirectoryError
from engine.core import Operation, RefusalError
from engine.outcomes import Planned, PlanNote, PushPlan
from engine.push.link import GroupTaken, linkable, plan_app_group
from engine.push.member_plans import plan_against_app, plan_against_pushed, plan_push
from engine.push.members import MemberPlan, plan_members
from engine.push.users import resolve
from engine.service import GroupPushService, quoted
from engine.words import gone_from_directory
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
        found = linkable(service.db, app, None, group.name)
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
    plan = plan_against_app(service.db, app, desired, None, found.id).plan
    if not memberships:
        plan = MemberPlan(add={}, remove={})
    return _from(group.name, app.name, "link", found.name, found.id, plan)


def preview_mapping(service: GroupPushService, snapshot: DirectorySnapshot, app: App,
                    mapping: PushMapping, *, full: bool = False, held: bool = False) -> PushPlan:
    """What pushing an existing mapping would do now (a sync; push now when full), decided
    as the push decides it: the app group kept, created, created again or linked, and the
    members (push_mapping carries out the same plan_app_group and members plan)."""
    mapping_id = int(mapping.id or 0)
    group = snapshot.groups.get(mapping.group_id)
    if group is None:
        raise DirectoryError(gone_from_directory(mapping.group_name, app.name))
    step = plan_app_group(service.db, app, mapping_id, recreate=full, name=group.name)
    desired = snapshot.active_logins(group)
    skipped = set(filter(None, mapping.skipped_logins.split("\n")))
    if isinstance(app, MappingApp):  # a mapping in Okta; Okta pushes the members itself
        plan = MemberPlan(add={}, remove={})
    elif step.how in ("create", "recreate"):
        plan = plan_members(desired, resolve(service.db, app, desired, refresh=full), {})
    elif step.how == "keep":
        plan = plan_push(service.db, app, snapshot, mapping_id, full=full).plan
    elif step.how == "link" or full:  # link takes over the group found: made to match
        assert step.group is not None
        plan = plan_against_app(service.db, app, desired, mapping_id, step.group.id).plan
    else:  # its own group found by name is adopted, members as last pushed
        plan = plan_against_pushed(service.db, app, desired, mapping_id, skipped).plan
    how = {"adopt": "keep"}.get(step.how, step.how)
    name = step.group.name if step.group is not None and step.how != "keep" else \
        mapping.app_group_name or mapping.group_name
    if how == "keep" and group.name != mapping.group_name and \
            mapping.app_group_name == mapping.group_name:
        how, name = "rename", group.name
    if how in ("create", "recreate"):
        name = step.name
    return _from(group.name, app.name, how, name,
                 step.group.id if step.group is not None else None, plan, held)


def planned(operation: Operation, plans: list[PushPlan], notes: list[PlanNote] | None = None,
            matches: int = 0) -> Planned:
    """The outcome of a --dry-run: the exact plan, nothing written to any app."""
    return Planned(operation, tuple(plans), tuple(notes or ()), matches)
