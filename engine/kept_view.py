"""The kept directory seen as a DirectorySnapshot, read from storage as it is asked.

A sync pushes many groups; holding 100,000 users and every membership in memory for it is
what this avoids. Iterating `groups` gives every kept group without its members (enough to
match rules by name); `groups.get(id)` and `groups[id]` give one group with its members.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from connectors.base import ACTIVE_STATUSES, DirectoryGroup, DirectorySnapshot, DirectoryUser
from storage import kept as store
from storage.db import Database
from storage.models import KeptUser

Refresh = Callable[[list[str]], None]


def directory_user(row: KeptUser) -> DirectoryUser:
    """A kept user as the engine knows users."""
    return DirectoryUser(id=row.id, login=row.login, status=row.status,
                         first_name=row.first_name, last_name=row.last_name)


class KeptGroups(dict[str, DirectoryGroup]):
    """Every kept group by id, without members (read from storage when first iterated); a
    lookup by id reads that group's members (first reading them again from the directory
    when they are stale)."""

    def __init__(self, db: Database, refresh: Refresh) -> None:
        super().__init__()
        self.db, self.refresh, self._loaded = db, refresh, False

    def _load(self) -> None:
        if self._loaded:
            return
        with self.db.session() as session:
            rows = store.group_rows(session)
        self.update((gid, DirectoryGroup(id=gid, name=name, description=desc, type=kind))
                    for gid, name, desc, kind in rows)
        self._loaded = True

    def __iter__(self) -> Iterator[str]:
        self._load()
        return super().__iter__()

    def __len__(self) -> int:
        self._load()
        return super().__len__()

    def values(self) -> Any:
        """Every kept group, without members."""
        self._load()
        return super().values()

    def items(self) -> Any:
        """(id, group without members) of every kept group."""
        self._load()
        return super().items()

    def keys(self) -> Any:
        """Ids of every kept group."""
        self._load()
        return super().keys()

    def get(self, group_id: str, default: Any = None) -> Any:  # type: ignore[override]
        """The group with its members, or `default` when it is not kept."""
        with self.db.session() as session:
            row = store.group(session, group_id)
            stale = row is not None and row.members_stale
        if stale:
            self.refresh([group_id])
        with self.db.session() as session:
            row = store.group(session, group_id)  # its version before its members: a change
            if row is None:                        # in between is pushed again, never missed
                return default
            members = tuple(store.member_ids(session, group_id))
        return DirectoryGroup(id=row.id, name=row.name, description=row.description,
                              members=members, type=row.type, kept_version=row.version)

    def __getitem__(self, group_id: str) -> DirectoryGroup:
        found = self.get(group_id)
        if found is None:
            raise KeyError(group_id)
        return found  # type: ignore[no-any-return]


class KeptUsers(Mapping[str, DirectoryUser]):
    """Kept users by id, each read when asked."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def __getitem__(self, user_id: str) -> DirectoryUser:
        with self.db.session() as session:
            rows = store.users(session, [user_id])
        if not rows:
            raise KeyError(user_id)
        return directory_user(rows[0])

    def __iter__(self) -> Iterator[str]:
        with self.db.session() as session:
            return iter(store.user_ids(session))

    def __len__(self) -> int:
        with self.db.session() as session:
            return store.count(session, KeptUser)


class LazyAssignments(Mapping[str, frozenset[str]]):
    """The assignment groups per app, resolved against storage when first asked."""

    def __init__(self, load: Callable[[], dict[str, frozenset[str]]]) -> None:
        self.load = load
        self._value: dict[str, frozenset[str]] | None = None

    def _get(self) -> dict[str, frozenset[str]]:
        if self._value is None:
            self._value = self.load()
        return self._value

    def __getitem__(self, app: str) -> frozenset[str]:
        return self._get()[app]

    def __iter__(self) -> Iterator[str]:
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())


class KeptView(DirectorySnapshot):
    """The kept directory as a snapshot whose questions are answered by storage."""

    def __init__(self, db: Database, refresh: Refresh,
                 assignments: Mapping[str, frozenset[str]]) -> None:
        super().__init__(users=KeptUsers(db), groups=KeptGroups(db, refresh),
                         assignments=assignments)
        object.__setattr__(self, "db", db)
        object.__setattr__(self, "refresh", refresh)

    def active_logins(self, group: DirectoryGroup) -> set[str]:
        """Logins of the group's active members, asked of storage (a group whose members
        are not kept, or stale, is read from the directory first)."""
        db: Database = self.db  # type: ignore[attr-defined]
        with db.session() as session:
            row = store.group(session, group.id)
            unknown = row is None or row.members_stale
        if unknown:
            self.refresh([group.id])  # type: ignore[attr-defined]
        with db.session() as session:
            return store.active_logins(session, group.id, ACTIVE_STATUSES)

    def groups_and_logins(self, group_ids: Iterable[str],
                          ) -> dict[str, tuple[DirectoryGroup, set[str]]]:
        """Each of these groups that is kept (without its members: its name, description
        and version), with the logins of its active members, asked of storage in a few
        queries for all (groups whose members are stale are read from the directory first)."""
        db: Database = self.db  # type: ignore[attr-defined]
        ids = list(dict.fromkeys(group_ids))
        with db.session() as session:
            stale = [row.id for row in store.groups(session, ids) if row.members_stale]
        if stale:
            self.refresh(stale)  # type: ignore[attr-defined]
        with db.session() as session:
            rows = store.groups(session, ids)  # their versions before their members
            logins = store.active_logins_of(session, [row.id for row in rows], ACTIVE_STATUSES)
        return {row.id: (DirectoryGroup(id=row.id, name=row.name, description=row.description,
                                        type=row.type, kept_version=row.version),
                         logins[row.id]) for row in rows}

    def user_by_login(self, login: str) -> DirectoryUser | None:
        """The kept user whose login (or id) is this, ignoring case."""
        with self.db.session() as session:  # type: ignore[attr-defined]
            row = store.user_by_login(session, login)
        return directory_user(row) if row is not None else None
