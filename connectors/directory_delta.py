"""What changed from one reading of a directory file to the next, and across the readings
since a cursor, as a delta (pure)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from connectors.base import DirectoryChanges, DirectoryGroup, DirectorySnapshot


def snapshot_changes(before: DirectorySnapshot, after: DirectorySnapshot,
                     cursor: str) -> DirectoryChanges:
    """The users and groups new or changed in `after` (groups without their members), the
    groups whose members differ, and those gone; `cursor` is where the next delta starts."""
    users = tuple(u for uid, u in after.users.items() if before.users.get(uid) != u)
    groups: list[DirectoryGroup] = []
    membership: set[str] = set()
    for gid, group in after.groups.items():
        old = before.groups.get(gid)
        if old is None:
            groups.append(replace(group, members=()))
            if group.members:
                membership.add(gid)
            continue
        members = old.members != group.members and set(old.members) != set(group.members)
        if members or _profile(old) != _profile(group):
            groups.append(replace(group, members=()))
        if members:
            membership.add(gid)
    return DirectoryChanges(
        cursor=cursor, users=users, groups=tuple(groups),
        membership_changed=frozenset(membership),
        deleted_users=frozenset(before.users.keys() - after.users.keys()),
        deleted_groups=frozenset(before.groups.keys() - after.groups.keys()))


def _profile(group: DirectoryGroup) -> tuple[str, str, str, str]:
    return group.name, group.description, group.type, group.members_version


@dataclass
class Touched:
    """Ids of the users and groups that changed in a file across its readings since a
    cursor (each reading compared with the one before), told at the end as they are now: a
    change put back before the delta is asked for is told too (a command may have kept it)."""

    users: dict[str, None] = field(default_factory=dict)
    groups: dict[str, None] = field(default_factory=dict)
    members: dict[str, None] = field(default_factory=dict)

    def add(self, changes: DirectoryChanges) -> None:
        """Note what changed from one reading to the next."""
        self.users.update(dict.fromkeys(u.id for u in changes.users))
        self.users.update(dict.fromkeys(changes.deleted_users))
        self.groups.update(dict.fromkeys(g.id for g in changes.groups))
        self.groups.update(dict.fromkeys(changes.deleted_groups))
        self.members.update(dict.fromkeys(changes.membership_changed))

    def changes(self, now: DirectorySnapshot, cursor: str) -> DirectoryChanges:
        """What was touched, as the file has it now (gone: deleted)."""
        return DirectoryChanges(
            cursor=cursor, users=tuple(now.users[u] for u in self.users if u in now.users),
            groups=tuple(replace(now.groups[g], members=()) for g in self.groups
                         if g in now.groups),
            membership_changed=frozenset(g for g in self.members if g in now.groups),
            deleted_users=frozenset(u for u in self.users if u not in now.users),
            deleted_groups=frozenset(g for g in self.groups if g not in now.groups))
