"""Link or create: the app group a push writes into, found, linked, created or recreated,
and kept following the directory group's name and description."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from connectors.base import App, AppGroup
from connectors.errors import NameTakenError, ObjectExistsError
from engine.core import RefusalError, quote
from engine.words import quoted
from storage import repo
from storage.db import Database
from storage.models import PushMapping


class GroupTaken(ObjectExistsError):
    """A new push found an app group by its name that it may not link."""


@dataclass(frozen=True)
class GroupStep:
    """How a push gets its app group, decided with reads only (plan_app_group): keep the group
    it has, link an existing one, adopt its own found by name, create one, or create it again
    (gone from the app)."""

    how: str  # keep | link | adopt | create | recreate
    group: AppGroup | None
    """The group kept, linked or adopted (None when one is created)."""
    name: str
    """The name it has, or is created under."""


def plan_app_group(db: Database, app: App, mapping_id: int, recreate: bool = False,
                   name: str | None = None, row: PushMapping | None = None) -> GroupStep:
    """How the push of this mapping gets its app group (recreate: look whether the group it
    has is still there), with reads only; GroupTaken when it may not link the group found.

    A push that never tried to create its group (no app group name recorded yet) links a group
    of that name only where the app links existing groups (enhanced_group_push) and no other
    push owns it. A push whose creation may have been cut short (the name is recorded before
    the group is created) takes a group found under its name, or under the name it had before
    the directory renamed it, as its own, so no duplicate is ever made. `row`: the push's row
    as the push read it a moment ago (else it is read here).
    """
    if row is None:
        with db.session() as session:
            row = mapping_row(session, mapping_id)
    known, group_id, given = row.group_name, row.app_group_id, row.app_group_name
    name = name or known
    if group_id is not None:
        if not recreate:
            return GroupStep("keep", AppGroup(id=group_id, name=known), name)
        existing = app.get_group(group_id)
        if existing is not None:
            return GroupStep("keep", existing, name)
    if group_id is None and not given:
        found = linkable(db, app, mapping_id, name)
        return GroupStep("link" if found else "create", found, name)
    found = _adoptable(db, app, mapping_id, [name, known])
    if found is not None:
        return GroupStep("adopt", found, name)
    return GroupStep("recreate" if group_id is not None else "create", None, name)


def ensure_app_group(db: Database, app: App, mapping_id: int, recreate: bool = False,
                     name: str | None = None, description: str = "",
                     row: PushMapping | None = None) -> tuple[AppGroup, bool, bool]:
    """The mapping's app group, created or linked if it has none yet (as plan_app_group
    decides): (group, created, recreated). `row`: the push's row as read under its lock, kept
    up to date with what this writes."""
    if row is None:
        with db.session() as session:
            row = mapping_row(session, mapping_id)
    step = plan_app_group(db, app, mapping_id, recreate, name, row)
    if step.how == "keep" and step.group is not None:
        return step.group, False, False
    group_id = row.app_group_id
    if step.group is None:  # a creation cut short after this is resumed, not redone
        with db.session() as session:
            _update(session, mapping_id, app_group_name=step.name)
    group = step.group or app.create_group(step.name, description)
    made: dict[str, object] = {"app_group_id": group.id, "app_group_name": group.name}
    if step.group is None:
        made["app_group_description"] = description
    elif step.how == "link":
        made["linked"] = True
    with db.session() as session:
        _update(session, mapping_id, **made)
        if step.how == "link":
            repo.audit(session, row.created_by, "link",
                       f"{quoted(row.group_name)} to {app.name}'s existing group "
                       f"{quoted(group.name)}")
        if group_id is not None:
            repo.record_removed(session, mapping_id, repo.pushed_members(session, mapping_id))
    for column, value in made.items():  # the row as its push goes on with it
        setattr(row, column, value)
    return group, step.group is None and group_id is None, group_id is not None


def _update(session: Session, mapping_id: int, **values: object) -> None:
    """Set these columns of the push's row, or RefusalError when it was removed meanwhile."""
    if not repo.update_mapping(session, mapping_id, **values):
        raise RefusalError(f"push #{mapping_id} no longer exists")


def _adoptable(db: Database, app: App, mapping_id: int, names: list[str]) -> AppGroup | None:
    for name in dict.fromkeys(names):
        found = app.find_group(name)
        if found is None:
            continue
        with db.session() as session:
            owner = repo.owner_of_app_group(session, app.name, found.id)
        if owner in (None, mapping_id):
            return found
    return None


def linkable(db: Database, app: App, mapping_id: int | None, name: str) -> AppGroup | None:
    """The app group a new push (mapping_id None: not saved yet) links, None when it creates
    one, or GroupTaken."""
    found = app.find_group(name)
    if found is None:
        return None
    with db.session() as session:
        owner_id = repo.owner_of_app_group(session, app.name, found.id)
        owner = session.get(PushMapping, owner_id) if owner_id is not None else None
        if owner is not None and owner.id != mapping_id:
            raise GroupTaken(f"{app.name}'s group {quote(found.name)} is already pushed from "
                             f"the directory group {quote(owner.group_name)}; one app group "
                             "takes the members of one directory group. Rename one of them.")
    if not app.capabilities.link_existing:
        with db.session() as session:
            ours = repo.left_in_app(session, app.name, name)
        raise GroupTaken(f"{app.name} already has a group named {quote(name)}; " + (
            "grouppush pushed it before and unlink with --keep left it there. To push into it "
            f"again, set enhanced_group_push: true for {app.name} (grouppush links it and makes "
            f"its members match the directory), or delete it in {app.name} first." if ours
            else "grouppush does not take over groups it did not create. Rename one of them, "
            f"or set enhanced_group_push: true for {app.name} to link it."))
    return found


def follow_rename(db: Database, app: App, mapping_id: int, name: str, actor: str) -> str | None:
    """Give the app group the directory group's new name; the old name, or None if unchanged.

    Only a group that still has the name grouppush gave it is renamed; one renamed in the app
    keeps its name (drift checks report it). A name another app group has is refused with
    NameTakenError, and the push keeps its old name until the next try.
    """
    with db.session() as session:
        mapping = mapping_row(session, mapping_id)
        old, given, group_id = mapping.group_name, mapping.app_group_name, mapping.app_group_id
    if name == old:
        return None
    if group_id is not None and given == old:
        _rename_in_app(app, group_id, old, name)
        given = name
    with db.session() as session:
        mapping = mapping_row(session, mapping_id)
        mapping.group_name, mapping.app_group_name = name, given
        repo.audit(session, actor, "rename", f"{quoted(old)} -> {quoted(name)} on {app.name}" + (
            "" if given == name else f" (the app group keeps its own name {quoted(given)})"))
    return old


def follow_description(db: Database, app: App, mapping_id: int, group_id: str,
                       description: str, actor: str) -> None:
    """Give the app group the directory group's description, and remember it was given."""
    app.describe_group(group_id, description)
    with db.session() as session:
        mapping = mapping_row(session, mapping_id)
        mapping.app_group_description = description
        repo.audit(session, actor, "describe", f"{quoted(mapping.group_name)} on {app.name}: "
                   f"{description!r}")


def _rename_in_app(app: App, group_id: str, old: str, name: str) -> None:
    taken = app.find_group(name)
    if taken is not None and taken.id == group_id and taken.name == name:
        return  # renamed already: a push cut short after the app's rename
    clash = (f"{app.name} already has another group named {name!r}, the new name of the "
             f"directory group {old!r}; the app group keeps its old name")
    if taken is not None and taken.id != group_id:
        raise NameTakenError(clash)
    try:
        app.rename_group(group_id, name)
    except ObjectExistsError as error:  # one find_group cannot see (another OU, other case)
        raise NameTakenError(clash, status=error.status, app_message=error.app_message) from None


def mapping_row(session: Session, mapping_id: int) -> PushMapping:
    """The push's row, or RefusalError when it was removed meanwhile."""
    mapping = session.get(PushMapping, mapping_id)
    if mapping is None:
        raise RefusalError(f"push #{mapping_id} no longer exists")
    return mapping
