"""Queries and writes the engine needs; every function takes the Session it works in."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import bindparam, case, func, or_
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, delete, insert, select, update

from storage.db import execute
from storage.kept import upsert
from storage.models import (
    ApprovalRequest,
    AppUser,
    AuditEvent,
    JobLease,
    KeptGroup,
    PushedMember,
    PushMapping,
    PushRule,
    PushRun,
    RunError,
    utcnow,
)
from storage.statuses import PushStatus, RequestStatus


def find_mapping(session: Session, group_id: str, app: str) -> PushMapping | None:
    """The mapping of a directory group to an app, if it is pushed there."""
    return session.exec(
        select(PushMapping).where(PushMapping.group_id == group_id, PushMapping.app == app)
    ).first()


@cache
def _update_mapping(columns: tuple[str, ...]) -> Any:
    return (update(PushMapping).where(col(PushMapping.id) == bindparam("b_push"))
            .values({column: bindparam(f"b_{column}") for column in columns}))


def update_mapping(session: Session, mapping_id: int, **values: Any) -> bool:
    """Set these columns of a push's row without reading it; False when it is gone."""
    params = {"b_push": mapping_id, **{f"b_{key}": value for key, value in values.items()}}
    result = execute(session, _update_mapping(tuple(sorted(values))), params)
    return bool(result.rowcount == 1)


NO_FAILURE: dict[str, Any] = {"error_operation": "", "error_message": "", "error_hint": "",
                              "error_status": None, "error_at": None}
"""A push's current-error columns once its work succeeded (its RunError rows stay)."""


class Recorded(NamedTuple):
    """What a push goes on with once recorded: its row's names and whether it linked."""

    group_name: str
    app_group_description: str
    linked: bool


@cache
def _record_push(told: bool, version: bool, skipped: bool) -> Any:
    """record_push's statement for this kind of push, built once; its values are bound."""
    now = bindparam("b_at", type_=PushMapping.__table__.c.last_push_at.type)  # type: ignore[attr-defined]
    values: dict[str, Any] = {
        **NO_FAILURE,
        "last_push_at": now if told else func.coalesce(col(PushMapping.last_push_at), now),
        "members_pushed": select(func.count()).select_from(PushedMember)
        .where(col(PushedMember.mapping_id) == bindparam("b_push")).scalar_subquery()}
    if skipped:
        values["skipped_logins"] = bindparam("b_skipped")
    if version:
        values["synced_version"] = bindparam("b_version")
    return (update(PushMapping).where(col(PushMapping.id) == bindparam("b_push")).values(**values)
            .returning(col(PushMapping.group_name), col(PushMapping.app_group_description),
                       col(PushMapping.linked)))


def record_push(session: Session, mapping_id: int, *, told: bool, version: int | None,
                skipped: str | None) -> Recorded | None:
    """Record a push that went through, in one statement: its time (when it `told` the app
    anything, or never had one), its members counted, the logins it skipped, the kept
    version it pushed whole, no current error; what it goes on with (None when gone)."""
    statement = _record_push(told, version is not None, skipped is not None)
    row = execute(session, statement, {"b_push": mapping_id, "b_at": utcnow(),
                                       "b_skipped": skipped, "b_version": version}).first()
    return Recorded(*row) if row is not None else None


def set_synced_versions(session: Session, versions: Mapping[int, int]) -> None:
    """push id -> the kept version it was last pushed whole at, in one statement sent with
    the pushes as its parameters (pushes removed meanwhile are left out)."""
    if versions:  # on the connection: the ORM's bulk form would refuse a row gone
        session.connection().execute(
            update(PushMapping).where(col(PushMapping.id) == bindparam("push_id"))
            .values(synced_version=bindparam("version")),
            [{"push_id": m, "version": v} for m, v in versions.items()])


def owner_of_app_group(session: Session, app: str, app_group_id: str) -> int | None:
    """The mapping that pushes into this app group, if any."""
    return session.exec(select(PushMapping.id).where(
        PushMapping.app == app, PushMapping.app_group_id == app_group_id)).first()


def list_mappings(session: Session, app: str | None = None,
                  status: PushStatus | None = None) -> list[PushMapping]:
    """Mappings, optionally of one app and one status, by app then group name."""
    query = select(PushMapping)
    if app is not None:
        query = query.where(PushMapping.app == app)
    if status is not None:
        query = query.where(PushMapping.status == status)
    return list(session.exec(query.order_by(col(PushMapping.app), col(PushMapping.group_name))))


def pushed_group_ids(session: Session, app: str | None = None) -> set[str]:
    """The directory groups pushed (to this app, or to any), whatever their status."""
    query = select(PushMapping.group_id)
    if app is not None:
        query = query.where(PushMapping.app == app)
    return set(session.exec(query))


def pushed_names(session: Session, app: str) -> list[tuple[str, str]]:
    """(directory group id, the app group's name, else the group's) of every push to an app,
    read as plain columns."""
    rows = execute(session, _pushed_names(), {"b_app": app})
    return [(gid, app_name or name) for gid, app_name, name in rows]


@cache
def _pushed_names() -> Any:
    return select(col(PushMapping.group_id), col(PushMapping.app_group_name),
                  col(PushMapping.group_name)).where(col(PushMapping.app) == bindparam("b_app"))


def _moved(also: Iterable[int]) -> Any:
    """A push a sync must plan: its kept group's version moved since its last whole push (or
    the group is not kept), it has an error or no app group yet, or its id is in `also`."""
    return or_(col(PushMapping.synced_version).is_(None), col(KeptGroup.id).is_(None),
               col(KeptGroup.version) != col(PushMapping.synced_version),
               col(PushMapping.error_message) != "", col(PushMapping.app_group_id).is_(None),
               col(PushMapping.id).in_(list(also)))


def active_and_moved(session: Session, app: str, also: Iterable[int] = ()) -> tuple[int, int]:
    """(the active pushes of an app, how many of them a sync must plan), in one pass that
    loads no row."""
    moved = func.coalesce(func.sum(case((_moved(also), 1), else_=0)), 0)
    total, planned = session.exec(
        select(func.count(), moved).select_from(PushMapping)
        .outerjoin(KeptGroup, col(KeptGroup.id) == PushMapping.group_id)
        .where(PushMapping.app == app, PushMapping.status == PushStatus.ACTIVE)).one()
    return int(total), int(planned)


def moved_mappings(session: Session, app: str, also: Iterable[int] = ()) -> list[PushMapping]:
    """The active pushes of an app a sync must plan (see _moved), by group name. The others
    are left in the database."""
    query = (select(PushMapping)
             .outerjoin(KeptGroup, col(KeptGroup.id) == PushMapping.group_id)
             .where(PushMapping.app == app, PushMapping.status == PushStatus.ACTIVE)
             .where(_moved(also)))
    return list(session.exec(query.order_by(col(PushMapping.group_name))))


def pushed_members(session: Session, mapping_id: int) -> dict[str, str]:
    """login -> app user id, as last pushed (read as plain columns: groups can be large)."""
    rows = execute(session, _pushed_members(), {"b_mapping": mapping_id})
    return {login: uid for login, uid in rows}


@cache
def _pushed_members() -> Any:
    return select(col(PushedMember.login), col(PushedMember.app_user_id)).where(
        col(PushedMember.mapping_id) == bindparam("b_mapping"))


def record_added(session: Session, mapping_id: int, added: Mapping[str, str]) -> None:
    """Remember members as pushed."""
    rows = [{"mapping_id": mapping_id, "login": login, "app_user_id": uid}
            for login, uid in added.items()]
    upsert(session, PushedMember, rows, ("app_user_id",))  # on its key, mapping and login


def record_removed(session: Session, mapping_id: int, logins: Iterable[str]) -> None:
    """Forget members as removed."""
    keys = list(logins)
    if keys:
        session.exec(delete(PushedMember).where(  # type: ignore[call-overload]
            col(PushedMember.mapping_id) == mapping_id, col(PushedMember.login).in_(keys)))


def forget_mapping(session: Session, mapping: PushMapping, history: bool = False) -> None:
    """Delete a mapping and its pushed members (and its runs and errors, with history)."""
    session.exec(delete(PushedMember).where(  # type: ignore[call-overload]
        col(PushedMember.mapping_id) == mapping.id))
    if history:
        session.exec(delete(RunError).where(  # type: ignore[call-overload]
            col(RunError.mapping_id) == mapping.id))
        session.exec(delete(PushRun).where(  # type: ignore[call-overload]
            col(PushRun.mapping_id) == mapping.id))
    session.delete(mapping)


def cached_app_users(session: Session, app: str, logins: Iterable[str]) -> dict[str, str]:
    """login -> app user id already resolved for this app (read as plain columns)."""
    wanted = list(logins)
    found: dict[str, str] = {}
    for start in range(0, len(wanted), 500):
        part = wanted[start:start + 500]
        found.update(execute(session, _app_users(), {"b_app": app, "b_logins": part}).all())
    return found


@cache
def _app_users() -> Any:
    return select(col(AppUser.login), col(AppUser.app_user_id)).where(
        col(AppUser.app) == bindparam("b_app"),
        col(AppUser.login).in_(bindparam("b_logins", expanding=True)))


def logins_by_app_id(session: Session, app: str, ids: Iterable[str]) -> dict[str, str]:
    """app user id -> login, for the ids this app has resolved before (plain columns)."""
    wanted = list(ids)
    found: dict[str, str] = {}
    for start in range(0, len(wanted), 500):
        part = wanted[start : start + 500]
        found.update(session.exec(select(col(AppUser.app_user_id), col(AppUser.login)).where(
            AppUser.app == app, col(AppUser.app_user_id).in_(part))).all())
    return found


def cache_app_users(session: Session, app: str, resolved: Mapping[str, str]) -> None:
    """Remember app user ids by login."""
    rows = [{"app": app, "login": login, "app_user_id": uid} for login, uid in resolved.items()]
    upsert(session, AppUser, rows, ("app_user_id",))  # on its key, app and login


def find_rule(session: Session, name: str) -> PushRule | None:
    """The rule with this name, ignoring case."""
    for rule in session.exec(select(PushRule)):
        if rule.name.casefold() == name.casefold():
            return rule
    return None


def list_rules(session: Session, app: str | None = None) -> list[PushRule]:
    """Rules, optionally of one app."""
    query = select(PushRule)
    if app is not None:
        query = query.where(PushRule.app == app)
    return list(session.exec(query.order_by(col(PushRule.name))))


_ORIGIN = {"text": ""}


def set_audit_origin(origin: str) -> None:
    """Name where this process's changes come from (the OS user behind `exec --as`), written
    next to every audit event it records."""
    _ORIGIN["text"] = origin


def audit(session: Session, actor: str, action: str, detail: str) -> None:
    """Write one audit event."""
    origin = _ORIGIN["text"]
    session.add(AuditEvent(actor=actor, action=action,
                           detail=f"{detail} [{origin}]" if origin else detail))


def recent_audit(session: Session, limit: int) -> list[AuditEvent]:
    """The last `limit` audit events, newest first."""
    return list(session.exec(
        select(AuditEvent).order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
        .limit(limit)))


@cache
def _start_run() -> Any:
    return insert(PushRun).returning(col(PushRun.id))


def start_run(session: Session, mapping: PushMapping, operation: str, actor: str) -> int:
    """Open a run record: its id (one INSERT ... RETURNING, no object kept)."""
    run_id = execute(session, _start_run(), {
        "mapping_id": mapping.id, "group_name": mapping.group_name, "app": mapping.app,
        "operation": operation, "actor": actor, "started_at": utcnow(), "finished_at": None,
        "outcome": "running", "added": 0, "removed": 0, "skipped": 0}).scalar_one()
    return int(run_id)


def last_run_id(session: Session, mapping_id: int) -> int | None:
    """The id of the newest push run of a mapping (None: never run)."""
    found = session.exec(select(func.max(PushRun.id))
                         .where(PushRun.mapping_id == mapping_id)).first()
    return int(found) if found is not None else None


def last_run(session: Session, mapping_id: int) -> PushRun | None:
    """The newest push run of a mapping."""
    return session.exec(select(PushRun).where(PushRun.mapping_id == mapping_id)
                        .order_by(col(PushRun.id).desc())).first()


def last_error(session: Session, mapping_id: int) -> RunError | None:
    """The newest run error of a mapping."""
    return session.exec(select(RunError).where(RunError.mapping_id == mapping_id)
                        .order_by(col(RunError.at).desc(), col(RunError.id).desc())).first()


def finish_run(session: Session, run_id: int | None, outcome: str, added: int = 0,
               removed: int = 0, skipped: int = 0) -> None:
    """Close a run record (one statement; a run removed meanwhile is left alone)."""
    if run_id:
        execute(session, _finish_run(), {"b_run": run_id, "b_outcome": outcome,
                                         "b_at": utcnow(), "b_added": added,
                                         "b_removed": removed, "b_skipped": skipped})


@cache
def _finish_run() -> Any:
    return (update(PushRun).where(col(PushRun.id) == bindparam("b_run"))
            .values(outcome=bindparam("b_outcome"), finished_at=bindparam("b_at"),
                    added=bindparam("b_added"), removed=bindparam("b_removed"),
                    skipped=bindparam("b_skipped")))


def pending_requests(session: Session) -> list[ApprovalRequest]:
    """Approval requests still waiting, oldest first."""
    return list(session.exec(select(ApprovalRequest)
                             .where(ApprovalRequest.status == RequestStatus.PENDING)
                             .order_by(col(ApprovalRequest.requested_at))))


def claim_request(session: Session, request_id: str, status: RequestStatus, actor: str,
                  at: datetime) -> bool:
    """Decide a pending request atomically; False when someone decided it first."""
    result = session.exec(update(ApprovalRequest)  # type: ignore[call-overload]
                          .where(col(ApprovalRequest.id) == request_id,
                                 col(ApprovalRequest.status) == RequestStatus.PENDING)
                          .values(status=status, decided_by=actor, decided_at=at))
    return bool(result.rowcount == 1)


def claim_error_alert(session: Session, mapping_id: int, message: str) -> bool:
    """Take the telling of a push's current error atomically; False when it is told already
    (or being told by another instance), or when it is no longer the current error."""
    result = session.exec(update(PushMapping)  # type: ignore[call-overload]
                          .where(col(PushMapping.id) == mapping_id,
                                 col(PushMapping.error_message) == message,
                                 col(PushMapping.error_alerted) != message)
                          .values(error_alerted=message))
    return bool(result.rowcount == 1)


def take_lease(session: Session, name: str, holder: str, now: datetime,
               until: datetime) -> bool:
    """Hold (or keep holding) a lease unless another holder's lease is still running."""
    result = session.exec(update(JobLease)  # type: ignore[call-overload]
                          .where(col(JobLease.name) == name,
                                 (col(JobLease.holder) == holder)
                                 | (col(JobLease.expires_at) < now))
                          .values(holder=holder, expires_at=until))
    if result.rowcount == 1:
        return True
    if session.get(JobLease, name) is not None:
        return False
    dialect = session.get_bind().dialect.name
    insert: Any = sqlite_insert if dialect == "sqlite" else postgresql_insert
    inserted: Any = session.execute(insert(JobLease).values(name=name, holder=holder,
                                                       expires_at=until)
                               .on_conflict_do_nothing(index_elements=["name"]))
    return bool(inserted.rowcount == 1)


def release_lease(session: Session, name: str, holder: str) -> None:
    """Give a lease up at once, so another instance takes over without waiting."""
    session.exec(delete(JobLease).where(  # type: ignore[call-overload]
        col(JobLease.name) == name, col(JobLease.holder) == holder))


def count_pushed_members(session: Session, mapping_id: int) -> int:
    """How many members were last pushed to the mapping's app group."""
    query = select(func.count()).select_from(PushedMember).where(
        PushedMember.mapping_id == mapping_id)
    return int(session.exec(query).one())


def left_in_app(session: Session, app: str, group_name: str) -> bool:
    """Whether an approved `unlink --keep` left this group's app group in the app."""
    detail = f"{group_name} from {app} (kept in the app)%"
    return session.exec(select(AuditEvent).where(
        AuditEvent.action == "unlink", col(AuditEvent.detail).like(detail))).first() is not None
