"""What Okta did since the last look: mappings made in Okta's admin console, status changes,
mappings in ERROR (a failure of that push) and mappings deleted in Okta."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from connectors.base import MappingApp, MappingState
from connectors.errors import ConnectorError
from connectors.okta_push_records import okta_second
from engine.failures import Failure, clear_failure, current_failure, record_failure
from engine.words import quoted
from storage import repo
from storage.db import Database
from storage.models import MappingPoll, PushMapping, utcnow
from storage.statuses import PushStatus

ORIGIN = "okta"
"""created_via of a mapping made in Okta's admin console (pushed outside grouppush)."""
BY_OKTA = "Okta (admin console)"
"""created_by of such a mapping."""
FOUND = "okta push"
"""The operation of a failure Okta reported (a mapping in ERROR)."""
OVERLAP = timedelta(minutes=5)
"""How far before its cursor a poll asks again (Okta's clock, late writes)."""


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
