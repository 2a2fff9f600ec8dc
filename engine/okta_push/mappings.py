"""An Okta group push mapping made, paused, resumed and removed for one push."""

from __future__ import annotations

from connectors.base import DirectorySnapshot, MappingApp
from connectors.errors import ConnectorError, DirectoryError
from engine.failures import StepFailed, clear_failure
from engine.outcomes import Activated, Deactivated
from engine.push.link import linkable
from engine.push.link import mapping_row as _get
from engine.push.outcome import PushOutcome, finished
from engine.words import gone_from_directory, quoted
from storage import repo
from storage.db import Database
from storage.models import PushMapping, utcnow
from storage.statuses import PushStatus


def push(db: Database, app: MappingApp, snapshot: DirectorySnapshot, mapping_id: int,
         operation: str, actor: str, run_id: int | None = None) -> PushOutcome:
    """push_mapping (engine/push/apply.py) for an app Okta pushes: make the mapping if it
    has none; a mapping with a failure is set ACTIVE again (Okta's retry); no members are
    sent. `run_id`: its run, opened by the caller (else here)."""
    name = app.name
    with db.session() as session:
        mapping = _get(session, mapping_id)
        run_id = run_id or repo.start_run(session, mapping, operation, actor)
        failing, active = bool(mapping.error_message), mapping.status == PushStatus.ACTIVE
    group = snapshot.groups.get(mapping.group_id)  # a kept group may be read (and written)
    try:
        if group is None:
            raise DirectoryError(gone_from_directory(mapping.group_name, name))
        created, linked = ensure_mapping(db, app, mapping_id, group.name)
        if failing and active and not created:
            state = app.set_mapping_status(str(mapping.app_group_id), True)
            if state.status == "ERROR":
                raise app.failed(state)
    except ConnectorError as error:
        finished(name, mapping.group_name, operation, actor, run_id, "failed", error.describe())
        raise StepFailed(error, run_id) from error
    renamed_from = None
    with db.session() as session:
        row = _get(session, mapping_id)
        if created or failing:
            row.last_push_at = utcnow()
        if row.group_name != group.name:  # Okta renames the app group itself
            renamed_from, row.group_name, row.app_group_name = row.group_name, group.name, \
                group.name
            repo.audit(session, actor, "rename",
                       f"{quoted(renamed_from)} -> {quoted(group.name)} on {name} "
                       "(Okta renames the app group)")
        clear_failure(row)
        repo.finish_run(session, run_id, "ok")
    finished(name, group.name, operation, actor, run_id, "ok")
    return PushOutcome(group=group.name, app=name, created=created and not linked,
                       linked=linked, renamed_from=renamed_from)


def ensure_mapping(db: Database, app: MappingApp, mapping_id: int,
                   name: str) -> tuple[bool, bool]:
    """The push's Okta mapping, made now if it has none: (made now, linked an app group).
    A mapping Okta already has for the group (a push cut short) is taken as it is."""
    with db.session() as session:
        row = _get(session, mapping_id)
        if row.app_group_id:
            return False, row.linked
        source = row.group_id
    state = app.mapping_of(source)
    linked = False
    if state is None:
        found = linkable(db, app, mapping_id, name)
        state = app.map_group(source, name, found)
        linked = found is not None
    with db.session() as session:
        row = _get(session, mapping_id)
        row.app_group_id, row.app_group_name, row.linked = state.id, name, linked
        if linked:
            repo.audit(session, row.created_by, "link",
                       f"{quoted(row.group_name)} to {row.app}'s existing group {quoted(name)} "
                       "(in Okta)")
    if state.status == "ERROR":
        raise app.failed(state)
    return True, linked


def set_status(db: Database, app: MappingApp, mapping: PushMapping, active: bool,
               actor: str) -> Activated | Deactivated:
    """Activate or deactivate the Okta mapping, then the push; a mapping Okta puts in ERROR
    on activation is the push's failure (raised, recorded)."""
    mapping_id = int(mapping.id or 0)
    state = app.set_mapping_status(str(mapping.app_group_id), active) \
        if mapping.app_group_id else None
    with db.session() as session:
        row = _get(session, mapping_id)
        row.status = PushStatus.ACTIVE if active else PushStatus.INACTIVE
        repo.audit(session, actor, "activate" if active else "deactivate",
                   f"{quoted(row.group_name)} on {row.app} (in Okta)")
        if state is not None and state.status != "ERROR":
            clear_failure(row)
    if state is not None and state.status == "ERROR":
        raise app.failed(state)
    if not active:
        return Deactivated(mapping.group_name, mapping.app)
    return Activated(mapping.group_name, mapping.app, by_okta=True)


def unmap(app: MappingApp, mapping: PushMapping, delete: bool) -> None:
    """Unlink: the Okta mapping is set inactive and deleted, with or without the app group."""
    if mapping.app_group_id:
        app.unmap(mapping.app_group_id, delete_target=delete)
