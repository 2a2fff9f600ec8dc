"""The kept directory's queries and writes: users, groups, memberships and the delta cursor."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Table, bindparam
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, delete, func, select, update

from storage.db import execute
from storage.models import (
    HookEvent,
    KeptDirectoryState,
    KeptGroup,
    KeptMembership,
    KeptUser,
)

BATCH = 500
USER_COLUMNS = ("login", "status", "first_name", "last_name", "seen")
GROUP_COLUMNS = ("name", "description", "type", "members_stale", "members_version", "seen")


def _table(model: Any) -> Table:
    return model.__table__  # type: ignore[no-any-return]


def upsert(session: Session, model: Any, rows: Sequence[dict[str, Any]],
           columns: Sequence[str]) -> None:
    """Insert rows, or update `columns` where the primary key exists: one statement, built
    and compiled once per process and sent with the rows as its parameters (executemany; a
    statement of many VALUES is compiled anew for every batch, which cost more than the
    rows' writes)."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    execute(session, _upsert(model, dialect, tuple(columns)), list(rows))


@cache
def _upsert(model: Any, dialect: str, columns: tuple[str, ...]) -> Any:
    insert: Any = sqlite_insert if dialect == "sqlite" else postgresql_insert
    table = _table(model)
    keys = [c.name for c in table.primary_key]
    statement = insert(table)
    if columns:
        return statement.on_conflict_do_update(
            index_elements=keys, set_={c: getattr(statement.excluded, c) for c in columns})
    return statement.on_conflict_do_nothing(index_elements=keys)


def state(session: Session) -> KeptDirectoryState:
    """The one state row, made on first use."""
    row = session.get(KeptDirectoryState, 1)
    if row is None:  # two threads may get here at once: one insert wins, both read it
        upsert(session, KeptDirectoryState,
               [{"id": 1, "cursor": "", "full_read_at": None, "generation": 0}], ())
        row = session.get(KeptDirectoryState, 1)
        assert row is not None
    return row


def generation(session: Session) -> int:
    """The number of the last full read (0 before the first), read as a column."""
    found = execute(session, _generation()).first()
    return int(found[0] if found else 0)


@cache
def _generation() -> Any:
    return select(col(KeptDirectoryState.generation)).where(col(KeptDirectoryState.id) == 1)


def _bump(session: Session, group_ids: Iterable[str]) -> None:
    """These groups changed for their pushes: their version grows."""
    ids = list(dict.fromkeys(group_ids))
    for start in range(0, len(ids), BATCH):
        session.execute(update(KeptGroup).where(col(KeptGroup.id).in_(ids[start:start + BATCH]))
                        .values(version=col(KeptGroup.version) + 1))


def _bump_groups_of(session: Session, user_ids: Iterable[str]) -> None:
    """The groups these users are members of changed for their pushes."""
    ids = list(user_ids)
    for start in range(0, len(ids), BATCH):
        members = select(KeptMembership.group_id).where(
            col(KeptMembership.user_id).in_(ids[start:start + BATCH]))
        session.execute(update(KeptGroup).where(col(KeptGroup.id).in_(members))
                        .values(version=col(KeptGroup.version) + 1))


USER_FIELDS = ("login", "status", "first_name", "last_name")
GROUP_FIELDS = ("name", "description", "type", "members_stale", "members_version")


def _kept(session: Session, model: Any, rows: list[dict[str, Any]],
          fields: Sequence[str]) -> dict[str, tuple[Any, ...]]:
    """id -> the fields as kept now, of the rows' ids that are kept."""
    statement = _fields_of(model, tuple(fields))
    out: dict[str, tuple[Any, ...]] = {}
    for start in range(0, len(rows), BATCH):
        part = [r["id"] for r in rows[start:start + BATCH]]
        out.update((row[0], tuple(row[1:]))
                   for row in execute(session, statement, {"b_ids": part}))
    return out


@cache
def _fields_of(model: Any, fields: tuple[str, ...]) -> Any:
    table = _table(model)
    return select(table.c.id, *(table.c[f] for f in fields)).where(
        table.c.id.in_(bindparam("b_ids", expanding=True)))


def put_users(session: Session, users: Iterable[dict[str, Any]]) -> None:
    """Keep users (id, login, status, first_name, last_name, seen), writing only those new or
    changed; the groups of those whose login or status changed get a new version."""
    rows = list(users)
    before = _kept(session, KeptUser, rows, USER_FIELDS)
    changed = [r for r in rows if before.get(r["id"]) != tuple(r[f] for f in USER_FIELDS)]
    _bump_groups_of(session, [r["id"] for r in changed if r["id"] in before
                              and before[r["id"]][:2] != (r["login"], r["status"])])
    upsert(session, KeptUser, changed, USER_COLUMNS)


def put_groups(session: Session, groups: Iterable[dict[str, Any]],
               columns: Sequence[str] = GROUP_COLUMNS) -> None:
    """Keep groups (id, name, description, type, members_stale, seen), writing only the
    `columns` that changed; those whose name or description changed, or whose members became
    stale, get a new version."""
    rows = list(groups)
    before = _kept(session, KeptGroup, rows, GROUP_FIELDS)
    compared = [GROUP_FIELDS.index(c) for c in columns if c in GROUP_FIELDS]
    changed = [r for r in rows if r["id"] not in before or any(
        before[r["id"]][i] != r[GROUP_FIELDS[i]] for i in compared)]
    upsert(session, KeptGroup, changed, columns)
    _bump(session, [r["id"] for r in changed if r["id"] in before
                    and _changed(before[r["id"]], r)])


def _changed(before: tuple[Any, ...], row: dict[str, Any]) -> bool:
    name, description, _, stale, _ = before
    return (row.get("name", name) != name or row.get("description", description) != description
            or (bool(row.get("members_stale", stale)) and not stale))


def set_members_of(session: Session, members: dict[str, Iterable[str]]) -> None:
    """Replace these groups' members: their kept members read in a few queries, and only the
    memberships that differ written; each group whose members differ gets a new version."""
    wanted = {group_id: set(user_ids) for group_id, user_ids in members.items()}
    ids = list(wanted)
    kept: dict[str, set[str]] = {group_id: set() for group_id in ids}
    for start in range(0, len(ids), BATCH):
        rows = execute(session, _members_of(), {"b_ids": ids[start:start + BATCH]})
        for group_id, user_id in rows:
            kept[group_id].add(user_id)
    changed = [group_id for group_id in ids if kept[group_id] != wanted[group_id]]
    for group_id in changed:
        gone = sorted(kept[group_id] - wanted[group_id])
        for start in range(0, len(gone), BATCH):
            session.execute(delete(KeptMembership).where(
                col(KeptMembership.group_id) == group_id,
                col(KeptMembership.user_id).in_(gone[start:start + BATCH])))
    upsert(session, KeptMembership, [{"group_id": group_id, "user_id": user_id}
                                     for group_id in changed
                                     for user_id in sorted(wanted[group_id] - kept[group_id])],
           ())
    _bump(session, changed)


@cache
def _members_of() -> Any:
    return select(col(KeptMembership.group_id), col(KeptMembership.user_id)).where(
        col(KeptMembership.group_id).in_(bindparam("b_ids", expanding=True)))


def clear_members(session: Session, group_ids: Iterable[str]) -> None:
    """Forget the kept members of these groups (they are read again when needed)."""
    ids = list(group_ids)
    for start in range(0, len(ids), BATCH):
        session.execute(delete(KeptMembership).where(
            col(KeptMembership.group_id).in_(ids[start:start + BATCH])))


def versions(session: Session, group_ids: Iterable[str]) -> dict[str, int]:
    """group id -> its version (groups not kept are left out)."""
    ids = list(group_ids)
    out: dict[str, int] = {}
    for start in range(0, len(ids), BATCH):
        out.update(execute(session, _versions(), {"b_ids": ids[start:start + BATCH]}).all())
    return out


@cache
def _versions() -> Any:
    return select(col(KeptGroup.id), col(KeptGroup.version)).where(
        col(KeptGroup.id).in_(bindparam("b_ids", expanding=True)))


def forget_groups(session: Session, group_ids: Iterable[str]) -> None:
    """Forget groups that are gone, with their memberships."""
    ids = list(group_ids)
    for start in range(0, len(ids), BATCH):
        part = ids[start:start + BATCH]
        session.execute(delete(KeptMembership).where(col(KeptMembership.group_id).in_(part)))
        session.execute(delete(KeptGroup).where(col(KeptGroup.id).in_(part)))


def forget_users(session: Session, user_ids: Iterable[str]) -> None:
    """Forget users that are gone, with their memberships."""
    ids = list(user_ids)
    for start in range(0, len(ids), BATCH):
        part = ids[start:start + BATCH]
        _bump_groups_of(session, part)
        session.execute(delete(KeptMembership).where(col(KeptMembership.user_id).in_(part)))
        session.execute(delete(KeptUser).where(col(KeptUser.id).in_(part)))


def forget_all_but(session: Session, user_ids: set[str], group_ids: set[str]) -> None:
    """After a full read: forget the users and groups it did not see."""
    forget_groups(session, [gid for gid in session.exec(select(KeptGroup.id))
                            if gid not in group_ids])
    forget_users(session, [uid for uid in session.exec(select(KeptUser.id))
                           if uid not in user_ids])


def group(session: Session, group_id: str) -> KeptGroup | None:
    """A kept group by id."""
    return session.get(KeptGroup, group_id)


def groups_named(session: Session, name: str) -> list[KeptGroup]:
    """Kept groups with this name, ignoring case."""
    return list(session.exec(select(KeptGroup).where(
        func.lower(KeptGroup.name) == name.lower())))


def group_rows(session: Session) -> list[tuple[str, str, str, str]]:
    """(id, name, description, type) of every kept group, by name."""
    rows = session.exec(select(col(KeptGroup.id), col(KeptGroup.name),
                               col(KeptGroup.description), col(KeptGroup.type))
                        .order_by(col(KeptGroup.name)))
    return [tuple(r) for r in rows]  # type: ignore[misc]


def members_versions(session: Session, group_ids: Iterable[str]) -> dict[str, str]:
    """group id -> the members_version its kept members were read at."""
    ids = list(group_ids)
    out: dict[str, str] = {}
    for start in range(0, len(ids), BATCH):
        out.update(session.exec(select(col(KeptGroup.id), col(KeptGroup.members_version))
                                .where(col(KeptGroup.id).in_(ids[start:start + BATCH]))
                                .where(col(KeptGroup.members_stale).is_(False))).all())
    return out


def member_ids(session: Session, group_id: str) -> list[str]:
    """The user ids of a kept group's members."""
    return list(session.exec(select(KeptMembership.user_id)
                             .where(KeptMembership.group_id == group_id)))


def active_logins(session: Session, group_id: str, statuses: Iterable[str]) -> set[str]:
    """Logins of a kept group's members whose status is one of these."""
    return active_logins_of(session, [group_id], statuses)[group_id]


def groups(session: Session, group_ids: Iterable[str]) -> list[KeptGroup]:
    """The kept groups of these ids (those not kept are left out)."""
    ids = list(dict.fromkeys(group_ids))
    out: list[KeptGroup] = []
    for start in range(0, len(ids), BATCH):
        out += session.exec(select(KeptGroup).where(
            col(KeptGroup.id).in_(ids[start:start + BATCH])))
    return out


def active_logins_of(session: Session, group_ids: Iterable[str],
                     statuses: Iterable[str]) -> dict[str, set[str]]:
    """group id -> logins of its kept members whose status is one of these (every group
    asked for is in it)."""
    ids, wanted = list(dict.fromkeys(group_ids)), list(statuses)
    out: dict[str, set[str]] = {group_id: set() for group_id in ids}
    for start in range(0, len(ids), BATCH):
        rows = session.exec(select(KeptMembership.group_id, KeptUser.login)
                            .join(KeptUser, col(KeptMembership.user_id) == KeptUser.id)
                            .where(col(KeptMembership.group_id).in_(ids[start:start + BATCH]),
                                   col(KeptUser.status).in_(wanted)))
        for group_id, login in rows:
            out[group_id].add(login)
    return out


def groups_of(session: Session, user_ids: Iterable[str]) -> set[str]:
    """Ids of the kept groups these users are members of."""
    ids = list(user_ids)
    out: set[str] = set()
    for start in range(0, len(ids), BATCH):
        out.update(session.exec(select(KeptMembership.group_id).where(
            col(KeptMembership.user_id).in_(ids[start:start + BATCH]))))
    return out


def users(session: Session, user_ids: Iterable[str]) -> list[KeptUser]:
    """Kept users by id."""
    ids = list(user_ids)
    out: list[KeptUser] = []
    for start in range(0, len(ids), BATCH):
        out.extend(session.exec(select(KeptUser).where(
            col(KeptUser.id).in_(ids[start:start + BATCH]))))
    return out


def user_by_login(session: Session, login: str) -> KeptUser | None:
    """The kept user whose login (or id) is this, ignoring case."""
    wanted = login.lower()
    return session.exec(select(KeptUser).where(
        (func.lower(KeptUser.login) == wanted) | (func.lower(KeptUser.id) == wanted))).first()


def count(session: Session, model: Any) -> int:
    """Rows of one kept table."""
    return int(session.exec(select(func.count()).select_from(model)).one())


def first_delivery(session: Session, event_id: str, now: datetime) -> bool:
    """Record a hook event id; False when it was delivered before. Ids older than a day go."""
    session.execute(delete(HookEvent).where(col(HookEvent.received_at) < now - timedelta(days=1)))
    dialect = session.get_bind().dialect.name
    insert: Any = sqlite_insert if dialect == "sqlite" else postgresql_insert
    inserted = session.execute(insert(HookEvent).values(id=event_id, received_at=now)
                               .on_conflict_do_nothing(index_elements=["id"])
                               .returning(col(HookEvent.id))).first()
    return inserted is not None  # two deliveries at once: one insert wins


def user_ids(session: Session) -> list[str]:
    """Ids of every kept user."""
    return list(session.exec(select(KeptUser.id)))


def user_logins(session: Session) -> list[str]:
    """Logins of every kept user."""
    return list(session.exec(select(KeptUser.login)))


def group_names(session: Session) -> list[str]:
    """Names of every kept group."""
    return list(session.exec(select(KeptGroup.name)))


def mark_stale(session: Session, group_ids: Iterable[str]) -> None:
    """Note that these kept groups' members changed and were not read again."""
    ids = list(group_ids)
    for start in range(0, len(ids), BATCH):
        session.execute(update(KeptGroup).where(col(KeptGroup.id).in_(ids[start:start + BATCH]))
                        .values(members_stale=True, members_version="",
                                version=col(KeptGroup.version) + 1))
