"""The kept directory's queries and writes: users, groups, memberships and the delta cursor."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, delete, func, select, update

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
    """Insert rows, or update `columns` where the primary key exists, 500 rows a statement."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert: Any = sqlite_insert if dialect == "sqlite" else postgresql_insert
    keys = [c.name for c in _table(model).primary_key]
    for start in range(0, len(rows), BATCH):
        statement = insert(model).values(list(rows[start:start + BATCH]))
        if columns:
            statement = statement.on_conflict_do_update(
                index_elements=keys, set_={c: getattr(statement.excluded, c) for c in columns})
        else:
            statement = statement.on_conflict_do_nothing(index_elements=keys)
        session.execute(statement)


def state(session: Session) -> KeptDirectoryState:
    """The one state row, made on first use."""
    row = session.get(KeptDirectoryState, 1)
    if row is None:  # two threads may get here at once: one insert wins, both read it
        upsert(session, KeptDirectoryState,
               [{"id": 1, "cursor": "", "full_read_at": None, "generation": 0}], ())
        row = session.get(KeptDirectoryState, 1)
        assert row is not None
    return row


def put_users(session: Session, users: Iterable[dict[str, Any]]) -> None:
    """Keep users (id, login, status, first_name, last_name, seen)."""
    upsert(session, KeptUser, list(users), USER_COLUMNS)


def put_groups(session: Session, groups: Iterable[dict[str, Any]],
               columns: Sequence[str] = GROUP_COLUMNS) -> None:
    """Keep groups (id, name, description, type, members_stale, seen)."""
    upsert(session, KeptGroup, list(groups), columns)


def set_members(session: Session, group_id: str, user_ids: Iterable[str]) -> None:
    """Replace a group's members."""
    session.execute(delete(KeptMembership).where(col(KeptMembership.group_id) == group_id))
    rows = [{"group_id": group_id, "user_id": uid} for uid in dict.fromkeys(user_ids)]
    upsert(session, KeptMembership, rows, ())


def clear_members(session: Session, group_ids: Iterable[str]) -> None:
    """Forget the kept members of these groups (they are read again when needed)."""
    ids = list(group_ids)
    for start in range(0, len(ids), BATCH):
        session.execute(delete(KeptMembership).where(
            col(KeptMembership.group_id).in_(ids[start:start + BATCH])))


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
        session.execute(delete(KeptMembership).where(col(KeptMembership.user_id).in_(part)))
        session.execute(delete(KeptUser).where(col(KeptUser.id).in_(part)))


def forget_unseen(session: Session, generation: int) -> None:
    """After a full read: forget what it did not see."""
    gone_groups = select(KeptGroup.id).where(col(KeptGroup.seen) < generation)
    gone_users = select(KeptUser.id).where(col(KeptUser.seen) < generation)
    session.execute(delete(KeptMembership).where(col(KeptMembership.group_id).in_(gone_groups)))
    session.execute(delete(KeptMembership).where(col(KeptMembership.user_id).in_(gone_users)))
    session.execute(delete(KeptGroup).where(col(KeptGroup.seen) < generation))
    session.execute(delete(KeptUser).where(col(KeptUser.seen) < generation))


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
    rows = session.exec(select(KeptUser.login)
                        .join(KeptMembership, col(KeptMembership.user_id) == KeptUser.id)
                        .where(KeptMembership.group_id == group_id,
                               col(KeptUser.status).in_(list(statuses))))
    return set(rows)


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
                        .values(members_stale=True, members_version=""))
