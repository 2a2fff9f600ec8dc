"""What changed from one reading of a directory file to the next, as a delta (pure)."""

from __future__ import annotations

from dataclasses import replace

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
