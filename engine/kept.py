"""The kept directory: grouppush's own copy of the directory's users, groups and memberships,
in storage, brought up to date by deltas, by event hooks and by a full read once a day.

A command reads only the group it names (and its members) from the directory; a sync asks
the directory what changed since its cursor and re-reads the members of the changed groups
that are pushed or that a rule matches; `sync --full` and `schedule.full_read_seconds` read
the whole directory again, so a missed change is caught within a day. A restart reads
nothing: the copy and the cursor are in the database.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from connectors.base import (
    Directory,
    DirectoryChanges,
    DirectoryGroup,
    DirectorySnapshot,
    DirectoryUser,
)
from engine.kept_view import KeptView, LazyAssignments
from engine.rules import rule_matches
from storage import kept as store
from storage import repo
from storage.db import Database

log = logging.getLogger(__name__)
USERS_PER_WRITE = GROUPS_PER_WRITE = 1000
Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Refreshed:
    """What one refresh of the kept directory did."""

    full: bool
    users: int = 0
    groups: int = 0
    members_read: int = 0
    """Groups whose members were read again."""


def _user_row(user: DirectoryUser, seen: int) -> dict[str, object]:
    return {"id": user.id, "login": user.login, "status": user.status,
            "first_name": user.first_name, "last_name": user.last_name, "seen": seen}


def _group_row(group: DirectoryGroup, seen: int, stale: bool = False) -> dict[str, object]:
    return {"id": group.id, "name": group.name, "description": group.description,
            "type": group.type, "members_stale": stale,
            "members_version": "" if stale else group.members_version, "seen": seen}


class KeptDirectory:
    """The directory as grouppush keeps it, and the reads that keep it true."""

    def __init__(self, db: Database, directory: Directory, full_read_seconds: float,
                 clock: Clock) -> None:
        self.db, self.directory, self.clock = db, directory, clock
        self.full_read_every = timedelta(seconds=full_read_seconds)
        self._refreshing = threading.Lock()

    # -- what commands ask ---------------------------------------------------------------

    def snapshot_of(self, names: Iterable[str]) -> DirectorySnapshot:
        """The named groups with their members, read from the directory now (names it does
        not have are left out); nothing else is read."""
        groups: dict[str, DirectoryGroup] = {}
        users: dict[str, DirectoryUser] = {}
        for name in dict.fromkeys(names):
            found = self._find(name)
            if found is None:
                continue
            for group in [found, *self._namesakes(name, found)]:
                members, version = self._read_group(group)
                groups[group.id] = replace(group, members=tuple(u.id for u in members),
                                           kept_version=version)
                users.update((u.id, u) for u in members)
        return DirectorySnapshot(users=users, groups=groups,
                                 assignments=self.assignments(groups.values()))

    def view(self) -> KeptView:
        """The kept directory as a snapshot answered by storage (no directory request)."""
        return KeptView(self.db, self.refresh_groups, LazyAssignments(self.assignments))

    def group_names(self) -> list[str]:
        """Names of every kept group (for suggestions; no directory request)."""
        with self.db.session() as session:
            return store.group_names(session)

    def names_like(self, name: str) -> list[str]:
        """Names of groups that start like this one, from the directory's search."""
        return [g.name for g in self.directory.search_groups(name.strip()[:3], limit=50)]

    def user_logins(self) -> list[str]:
        """Logins of every kept user (for suggestions; no directory request)."""
        with self.db.session() as session:
            return store.user_logins(session)

    def find_user(self, login: str) -> DirectoryUser | None:
        """The user with this login (or id), read from the directory now, and kept."""
        user = self.directory.find_user(login)
        if user is not None:
            with self.db.session() as session:
                store.put_users(session, [_user_row(user, self._generation(session))])
        return user

    def groups_of(self, user_id: str) -> set[str]:
        """Ids of the groups the user is a member of, read from the directory now."""
        return set(self.directory.groups_of_user(user_id))

    def current_name(self, group_id: str) -> str | None:
        """The group's name in the directory now (one request), or None when it is gone."""
        group = self.directory.get_group(group_id)
        with self.db.session() as session:
            if group is None:
                store.forget_groups(session, [group_id])
            else:
                store.put_groups(session, [_group_row(group, self._generation(session))],
                                 ("name", "description", "type"))
        return group.name if group else None

    def assignments(self, also: Iterable[DirectoryGroup] = ()) -> dict[str, frozenset[str]]:
        """Per app, the ids of the groups used for its app assignments (names resolved
        against the kept groups and `also`)."""
        by_name = {g.name: g.id for g in also}
        out: dict[str, frozenset[str]] = {}
        wanted = self.directory.assignment_refs()
        if not wanted:
            return out
        with self.db.session() as session:
            for app, refs in wanted.items():
                ids = set()
                for ref in refs:
                    if ref in by_name:
                        ids.add(by_name[ref])
                    elif store.group(session, ref) is not None:
                        ids.add(ref)
                    else:  # a name, or an id the kept groups do not hold yet
                        named = {g.id for g in store.groups_named(session, ref)
                                 if g.name == ref}
                        ids.update(named or {ref})
                out[app] = frozenset(ids)
        return out

    # -- keeping it true -----------------------------------------------------------------

    def ensure_read(self) -> None:
        """Read the whole directory once if it was never read (a first start)."""
        with self.db.session() as session:
            never = store.state(session).full_read_at is None
        if never:
            self.refresh(full=True)

    def refresh(self, full: bool = False) -> Refreshed:
        """Bring the kept directory up to date: the delta since the cursor, or a full read
        when asked, when never done, or when `full_read_seconds` have passed."""
        with self._refreshing:
            with self.db.session() as session:
                state = store.state(session)
                cursor, last_full = state.cursor, state.full_read_at
            now = self.clock()
            if full or last_full is None or now - _aware(last_full) >= self.full_read_every:
                return self._full_read()
            changes = self.directory.changes(cursor)
            if changes.everything:
                return self._full_read()
            if changes == DirectoryChanges(cursor=cursor):  # nothing changed: nothing to write
                return Refreshed(full=False)
            return self._apply(changes)

    def refresh_groups(self, group_ids: Iterable[str]) -> None:
        """Read these groups and their members again (a hook said they changed)."""
        for group_id in dict.fromkeys(group_ids):
            group = self.directory.get_group(group_id)
            if group is None:
                with self.db.session() as session:
                    store.forget_groups(session, [group_id])
                continue
            self._read_group(group)

    def mark_stale(self, group_ids: Iterable[str]) -> None:
        """Note that these groups' members changed; they are read when next needed."""
        with self.db.session() as session:
            store.mark_stale(session, group_ids)

    def refresh_users(self, user_ids: Iterable[str]) -> None:
        """Read these users again (a hook said their status changed)."""
        for user_id in dict.fromkeys(user_ids):
            user = self.directory.get_user(user_id)
            with self.db.session() as session:
                if user is None:
                    store.forget_users(session, [user_id])
                else:
                    store.put_users(session, [_user_row(user, self._generation(session))])

    # -- inside --------------------------------------------------------------------------

    def _find(self, name: str) -> DirectoryGroup | None:
        if name.startswith("id:"):
            return self.directory.get_group(name[3:].strip())
        found = self.directory.find_group(name)
        if found is not None:
            return found
        with self.db.session() as session:  # the only kept group equal ignoring case
            candidates = [g.id for g in store.groups_named(session, name)]
        if len(candidates) != 1:
            return None
        group = self.directory.get_group(candidates[0])
        return group if group is not None and group.name.casefold() == name.casefold() \
            else None

    def _namesakes(self, name: str, found: DirectoryGroup) -> list[DirectoryGroup]:
        """Other groups with the very name found (one search), so that two groups of one
        name are told apart rather than one of them taken silently."""
        if name.startswith("id:"):
            return []
        return [g for g in self.directory.search_groups(found.name)
                if g.id != found.id and g.name.casefold() == found.name.casefold()]

    def _read_group(self, group: DirectoryGroup) -> tuple[list[DirectoryUser], int]:
        """Read the group's members from the directory and keep the group with them:
        (members, the kept version)."""
        versions: dict[str, int] = {}
        members = self._read_groups([group], versions=versions)[group.id]
        return members, versions[group.id]

    def _read_groups(self, groups: Iterable[DirectoryGroup], seen: int | None = None,
                     put: dict[str, DirectoryUser] | None = None,
                     versions: dict[str, int] | None = None,
                     ) -> dict[str, list[DirectoryUser]]:
        """Read these groups' members from the directory and keep the groups with them, a
        thousand groups a write (seen by the full read `seen`, or by the current one): group
        id -> its members. Users exactly as `put` (kept by this read already) are not
        compared again, and `put` gains the others; `versions` gains the groups' kept
        versions once written."""
        put = {} if put is None else put
        read: dict[str, list[DirectoryUser]] = {}
        listed = list(groups)
        for start in range(0, len(listed), GROUPS_PER_WRITE):
            part = listed[start:start + GROUPS_PER_WRITE]
            members = {g.id: [] if g.type == "BUILT_IN" else self.directory.read_members(g.id)
                       for g in part}
            new = {u.id: u for users in members.values() for u in users if put.get(u.id) != u}
            with self.db.session() as session:
                seen_now = self._generation(session) if seen is None else seen
                store.put_users(session, [_user_row(u, seen_now) for u in new.values()])
                store.put_groups(session, [_group_row(g, seen_now) for g in part])
                store.set_members_of(session, {gid: [u.id for u in users]
                                               for gid, users in members.items()})
                if versions is not None:
                    versions.update(store.versions(session, [g.id for g in part]))
            put.update(new)
            read.update(members)
        return read

    def _generation(self, session: Session) -> int:
        return store.generation(session)

    def _apply(self, changes: DirectoryChanges) -> Refreshed:
        with self.db.session() as session:
            seen = self._generation(session)
            store.forget_groups(session, changes.deleted_groups)
            store.forget_users(session, changes.deleted_users)
            store.put_users(session, [_user_row(u, seen) for u in changes.users])
            outdated = self._outdated(session, changes)  # before the new groups are kept
            ids = {g.id for g in outdated}
            store.put_groups(session, [_group_row(g, seen, stale=g.id in ids)
                                       for g in changes.groups],
                             ("name", "description", "type"))
            wanted = self._wanted(session, outdated)
            store.put_groups(session, [_group_row(g, seen, stale=True) for g in outdated
                                       if g.id not in wanted],
                             ("members_stale", "members_version"))
        reread = [g for g in outdated if g.id in wanted]
        self._read_groups(reread)
        with self.db.session() as session:
            store.state(session).cursor = changes.cursor
        return Refreshed(full=False, users=len(changes.users), groups=len(changes.groups),
                         members_read=len(reread))

    def _outdated(self, session: Session, changes: DirectoryChanges) -> list[DirectoryGroup]:
        """The changed groups whose kept members are older than the directory's (a group
        seen again in a delta's overlap window, at the version already read, is not)."""
        changed = [g for g in changes.groups if g.id in changes.membership_changed]
        known = store.members_versions(session, [g.id for g in changed])
        return [g for g in changed
                if not (g.members_version and known.get(g.id) == g.members_version)]

    def _wanted(self, session: Session, groups: Iterable[DirectoryGroup]) -> set[str]:
        """Of these groups, those whose members are read now: pushed ones and rules' matches;
        the others' members are read when they are first needed."""
        pushed = repo.pushed_group_ids(session)
        rules = repo.list_rules(session)
        return {g.id for g in groups
                if g.id in pushed or any(rule_matches(r.kind, r.pattern, g.name)
                                         for r in rules)}

    def _full_read(self) -> Refreshed:
        """Every group (its pages: names, for rules and search), then the members of the
        groups wanted (pushed, or matched by a rule) and the users as they carry them; the
        other groups' members are read when first needed."""
        log.info("reading the directory's groups and the members of those pushed or matched")
        with self.db.session() as session:
            seen = self._generation(session) + 1
        read = self.directory.full_read(members=False)
        put: dict[str, DirectoryUser] = {}
        for batch in _batches(read.users, USERS_PER_WRITE):
            with self.db.session() as session:
                store.put_users(session, [_user_row(u, seen) for u in batch])
            put.update((u.id, u) for u in batch)
        users = set(put)
        listed = list(read.groups)
        with self.db.session() as session:
            wanted = self._wanted(session, listed)
        others = [g for g in listed if g.id not in wanted]
        for start in range(0, len(others), GROUPS_PER_WRITE):
            part = others[start:start + GROUPS_PER_WRITE]
            with self.db.session() as session:
                store.put_groups(session, [_group_row(g, seen, stale=True) for g in part])
                store.clear_members(session, [g.id for g in part])
        for members in self._read_groups([g for g in listed if g.id in wanted], seen,
                                         put).values():
            users.update(u.id for u in members)
        with self.db.session() as session:
            store.forget_all_but(session, users, {g.id for g in listed})
            state = store.state(session)
            state.generation, state.cursor, state.full_read_at = seen, read.cursor, self.clock()
        log.info("read the directory: %d groups, the members of %d (%d users)",
                 len(listed), len(wanted), len(users))
        return Refreshed(full=True, users=len(users), groups=len(listed),
                         members_read=len(wanted))


def _batches(items: Iterable[DirectoryUser], size: int) -> Iterable[list[DirectoryUser]]:
    """The items in lists of at most `size`."""
    batch: list[DirectoryUser] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _aware(at: datetime) -> datetime:
    """A time read back from SQLite has lost its zone; it was written in UTC."""
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)

