"""Apps whose provider pushes groups itself (`type: okta_group_push`: Okta's own Group Push;
connectors/okta_group_push.py). grouppush keeps one PushMapping per Okta mapping (its app
group id is the mapping's id), creates, links, pauses and removes mappings, and learns from
Okta what Okta did: mappings made in Okta's admin console, status changes and errors. Okta
pushes the members, so the member plan of such a push is always empty.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from connectors.base import DirectorySnapshot, MappingApp, MappingState
from connectors.errors import ConnectorError, DirectoryError
from connectors.okta_group_push import okta_second
from engine.core import RefusalError
from engine.failures import Failure, StepFailed, clear_failure, current_failure, record_failure
from engine.outcomes import Activated, Deactivated
from engine.push.apply import PushOutcome, _finished, push_mapped_with
from engine.push.link import linkable
from engine.push.link import mapping_row as _get
from engine.words import gone_from_directory, quoted
from storage import repo
from storage.db import Database
from storage.models import MappingPoll, PushMapping, PushRun, utcnow
from storage.statuses import PushStatus

ORIGIN = "okta"
"""created_via of a mapping made in Okta's admin console (pushed outside grouppush)."""
BY_OKTA = "Okta (admin console)"
"""created_by of such a mapping."""
FOUND = "okta push"
"""The operation of a failure Okta reported (a mapping in ERROR)."""
OVERLAP = timedelta(minutes=5)
"""How far before its cursor a poll asks again (Okta's clock, late writes)."""


def console(app: str) -> str:
    """Where an admin does it in Okta."""
    return f"Okta's Admin Console: Applications > {app}'s app > Push Groups"


def refuse_push_now(app: str, group: str) -> RefusalError:
    """Push now is not in Okta's API."""
    return RefusalError(f"{app} is pushed by Okta itself (okta_group_push), and Okta's "
                        "Group Push Mappings API has no push now: Okta pushes "
                        f"{group} whenever it changes. To push it at once, use "
                        f"{console(app)} > {group} > Push Now.")


def not_read(app: str) -> str:
    """Why `check` reads no group of this app."""
    return (f"{app} is pushed by Okta itself: Okta's API does not give the members of its "
            f"groups, so grouppush checks no drift there (see them in {app}, and each push's "
            f"state in {console(app)}); its mappings in error are reported.")


def push(db: Database, app: MappingApp, snapshot: DirectorySnapshot, mapping_id: int,
         operation: str, actor: str) -> PushOutcome:
    """pusher.push_mapping for a mapping app: make the mapping if it has none; a mapping
    with a failure is set ACTIVE again (Okta's retry); no members are sent."""
    name = app.name
    with db.session() as session:
        mapping = _get(session, mapping_id)
        run_id = repo.start_run(session, mapping, operation, actor).id
        failing, active = bool(mapping.error_message), mapping.status == "active"
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
        _finished(name, mapping.group_name, operation, actor, run_id, "failed", error.describe())
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
        run = session.get(PushRun, run_id)
        if run is not None:
            repo.finish_run(run, "ok")
    _finished(name, group.name, operation, actor, run_id, "ok")
    return PushOutcome(group=group.name, app=name, created=created and not linked,
                       linked=linked, renamed_from=renamed_from)


push_mapped_with(push)


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


Names = Callable[[str], str | None]
"""A directory group's name by its id (None: not known)."""


@dataclass(frozen=True)
class Polled:
    """What a poll learnt: mappings made in Okta's admin console, failures newly recorded."""

    found: list[str]
    failures: list[Failure]


def poll(db: Database, app: MappingApp, names: Names, full: bool = False,
         actor: str = "sync") -> Polled:
    """Learn what Okta did since the last poll: mappings updated since its cursor (every
    mapping the first time and with `full`) and those in ERROR."""
    app_name = app.name
    started = utcnow()
    with db.session() as session:
        row = session.get(MappingPoll, app_name)
        cursor = "" if full or row is None else row.cursor
    since = okta_second(datetime.fromisoformat(cursor) - OVERLAP) if cursor else None
    seen = {s.id: s for s in app.mappings(updated_since=since)}
    seen.update({s.id: s for s in app.mappings(status="ERROR")})
    learnt = [_learn(db, app, state, names, actor) for state in seen.values()]
    errored = {s.id for s in seen.values() if s.status == "ERROR"}
    with db.session() as session:
        for mapping in repo.list_mappings(session, app_name):
            if mapping.error_operation == FOUND and mapping.app_group_id not in errored:
                clear_failure(mapping)  # Okta pushes it again (retried in Okta)
        state = session.get(MappingPoll, app_name) or MappingPoll(app=app_name)
        state.cursor = started.isoformat()
        session.add(state)
    if full or not cursor:
        _gone(db, app, set(seen))
    return Polled([name for name, _ in learnt if name], [f for _, f in learnt if f])


def errors(db: Database, app: MappingApp, names: Names) -> list[Failure]:
    """`check` of a mapping app: the mappings Okta has in ERROR (one listing), recorded."""
    states = list(app.mappings(status="ERROR"))
    for state in states:
        _learn(db, app, state, names, "check")
    with db.session() as session:
        rows = [repo.find_mapping(session, s.source_group_id, app.name) for s in states]
        return [f for f in (current_failure(r) for r in rows if r is not None) if f]


def _learn(db: Database, app: MappingApp, state: MappingState, names: Names,
           actor: str) -> tuple[str, Failure | None]:
    """One mapping as Okta has it, into grouppush's records: its name when it is new, and
    its failure when Okta newly has it in error."""
    app_name = app.name
    new = ""
    with db.session() as session:
        row = repo.find_mapping(session, state.source_group_id, app_name)
        if row is None:
            new = names(state.source_group_id) or f"id:{state.source_group_id}"
            row = PushMapping(group_id=state.source_group_id, group_name=new, app=app_name,
                              app_group_name=new, created_by=BY_OKTA, created_via=ORIGIN)
            session.add(row)
            repo.audit(session, actor, "found",
                       f"{quoted(new)} on {app_name}: pushed in Okta's admin console")
        row.app_group_id = row.app_group_id or state.id
        if state.status in ("ACTIVE", "INACTIVE"):
            row.status = PushStatus(state.status.lower())
        if state.last_push:
            row.last_push_at = datetime.fromisoformat(state.last_push.replace("Z", "+00:00"))
        session.flush()
        mapping_id, told = int(row.id or 0), row.error_message
    if state.status == "ERROR" and app.failed(state).describe() != told:
        return new, record_failure(db, mapping_id, FOUND, app.failed(state))
    return new, None


def _gone(db: Database, app: MappingApp, listed: set[str]) -> None:
    """After a whole listing: a known mapping Okta no longer has was deleted in Okta; it
    stays pushed here with that failure (Retry makes it again, unlink forgets it)."""
    with db.session() as session:
        gone = []
        for mapping in repo.list_mappings(session, app.name):
            if mapping.app_group_id and mapping.app_group_id not in listed:
                mapping.app_group_id = None
                gone.append((int(mapping.id or 0), mapping.group_name))
    for mapping_id, group in gone:
        record_failure(db, mapping_id, FOUND, ConnectorError(
            f"Okta no longer has the group push mapping of {group} on {app.name} (deleted in "
            f"Okta); Retry pushes it again, `unlink ... --keep` forgets it here"))


def details(app: MappingApp, mapping: PushMapping) -> dict[str, str]:
    """What `info` adds for a mapping app, read from Okta now (one request)."""
    fields = {"Members": "Okta pushes the members itself (its API does not tell grouppush "
                         "who is in the app group)",
              "Skipped (not in the app)": "Okta matches its users to the app's itself"}
    if mapping.created_via == ORIGIN:
        fields["Pushed by"] = (f"outside grouppush, in {console(mapping.app)} (found by a "
                               f"sync at {mapping.created_at:%Y-%m-%d %H:%M:%S} UTC)")
    if not mapping.app_group_id:
        return {**fields, "Okta status": "no mapping in Okta yet"}
    try:
        state = app.mapping(mapping.app_group_id)
    except ConnectorError as error:
        return {**fields, "Okta status": f"could not be read: {error.describe()}"}
    if state is None:
        return {**fields, "Okta status": "Okta no longer has this mapping (deleted in Okta)"}
    return {**fields, "Okta status": state.status,
            "Okta last push": _okta_time(state.last_push),
            "Target group": f"{mapping.app_group_name or mapping.group_name} (Okta app group "
                            f"{state.target_group_id or 'not known'}), mapping {state.id}",
            "Okta error summary": state.error_summary or "none"}


def _okta_time(stamp: str) -> str:
    if not stamp:
        return "never"
    return f"{datetime.fromisoformat(stamp.replace('Z', '+00:00')):%Y-%m-%d %H:%M:%S} UTC"
