"""The two protocols every connector speaks: a Directory (the master) and an App (a target)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from connectors.errors import ConnectorError

ACTIVE_STATUSES = frozenset({"ACTIVE", "RECOVERY", "PASSWORD_EXPIRED", "LOCKED_OUT"})
"""Directory statuses whose users are pushed; every other status is left out."""


@dataclass(frozen=True)
class DirectoryUser:
    """A person in the directory."""

    id: str
    login: str
    status: str = "ACTIVE"
    first_name: str = ""
    last_name: str = ""

    @property
    def active(self) -> bool:
        """Whether this user may be pushed into apps."""
        return self.status.upper() in ACTIVE_STATUSES


@dataclass(frozen=True)
class DirectoryGroup:
    """A group of the directory with its member user ids."""

    id: str
    name: str
    description: str = ""
    members: tuple[str, ...] = ()
    type: str = "OKTA_GROUP"
    members_version: str = ""
    """Changes whenever the members change (Okta's lastMembershipUpdated), where known."""
    kept_version: int | None = None
    """The kept directory's version of the group, when read from it: it grows with each
    change of its name, description, members or their logins and statuses."""


@dataclass(frozen=True)
class DirectorySnapshot:
    """Everything the engine needs from the directory at one moment."""

    users: Mapping[str, DirectoryUser]
    groups: Mapping[str, DirectoryGroup]
    assignments: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def group_named(self, name: str) -> DirectoryGroup | None:
        """The group with this exact name, or else the only one equal ignoring case."""
        exact = [g for g in self.groups.values() if g.name == name]
        if exact:
            return exact[0]
        folded = [g for g in self.groups.values() if g.name.casefold() == name.casefold()]
        return folded[0] if len(folded) == 1 else None

    def user_by_login(self, login: str) -> DirectoryUser | None:
        """The user whose login (or id) is this, ignoring case."""
        wanted = login.casefold()
        for user in self.users.values():
            if user.login.casefold() == wanted or user.id.casefold() == wanted:
                return user
        return None

    def active_logins(self, group: DirectoryGroup) -> set[str]:
        """Logins of the group's members whose status lets them be pushed."""
        out = set()
        for uid in group.members:
            user = self.users.get(uid)
            if user is not None and user.active:
                out.add(user.login)
        return out

    def groups_and_logins(self, group_ids: Iterable[str],
                          ) -> dict[str, tuple[DirectoryGroup, set[str]]]:
        """Each of these groups the snapshot has, with the logins of its active members."""
        out: dict[str, tuple[DirectoryGroup, set[str]]] = {}
        for group_id in dict.fromkeys(group_ids):
            group = self.groups.get(group_id)
            if group is not None:
                out[group_id] = (group, self.active_logins(group))
        return out


@dataclass(frozen=True)
class DirectoryChanges:
    """What changed in the directory since a cursor: a delta, or `everything` when the
    directory cannot tell (a file changed since a read this process did not make) and must
    be read whole."""

    cursor: str
    """Where the next delta starts."""
    users: tuple[DirectoryUser, ...] = ()
    groups: tuple[DirectoryGroup, ...] = ()
    """Groups whose profile or membership changed, without their members."""
    membership_changed: frozenset[str] = frozenset()
    """Ids of the changed groups whose members changed (their members must be read again)."""
    deleted_users: frozenset[str] = frozenset()
    deleted_groups: frozenset[str] = frozenset()
    everything: bool = False


@dataclass(frozen=True)
class FullRead:
    """The whole directory, read as it is iterated: every user, then every group with its
    members (or, read without members, the users the directory gives at no cost (none for
    Okta) and every group without its members: the caller reads the members of the groups it
    wants); `cursor` is where the delta after this read starts."""

    cursor: str
    users: Iterable[DirectoryUser]
    groups: Iterable[DirectoryGroup]


@runtime_checkable
class Directory(Protocol):
    """The master of groups and memberships, read as little as each question needs.

    grouppush keeps its own copy (engine/kept.py) and asks the directory for one group, the
    changes since a cursor, or, once a day, everything; a new directory implements these.
    """

    def find_group(self, name: str) -> DirectoryGroup | None:
        """The group with exactly this name (without members), or None."""
        ...

    def get_group(self, group_id: str) -> DirectoryGroup | None:
        """The group with this id (without members), or None when it is gone."""
        ...

    def read_members(self, group_id: str) -> list[DirectoryUser]:
        """The group's members, every status."""
        ...

    def get_user(self, user_id: str) -> DirectoryUser | None:
        """The user with this id, or None when it is gone."""
        ...

    def find_user(self, login: str) -> DirectoryUser | None:
        """The user whose login (or id) is this, ignoring case, or None."""
        ...

    def groups_of_user(self, user_id: str) -> list[str]:
        """Ids of the groups the user is a member of."""
        ...

    def changes(self, cursor: str) -> DirectoryChanges:
        """What changed since the cursor (an earlier DirectoryChanges' or FullRead's)."""
        ...

    def full_read(self, members: bool = True) -> FullRead:
        """Every user, group and membership, read as the result is iterated; without
        `members`, every group without its members (and only the users that cost nothing)."""
        ...

    def assignment_refs(self) -> Mapping[str, Sequence[str]]:
        """Per app, the groups (ids or names) used for its app assignments."""
        ...

    def search_groups(self, text: str, limit: int = 20) -> list[DirectoryGroup]:
        """Groups whose names match the text, for search and autocomplete (no members)."""
        ...


def read_whole(directory: Directory) -> DirectorySnapshot:
    """Everything the directory holds, in memory (tests and small directories only)."""
    read = directory.full_read()
    users = {u.id: u for u in read.users}
    groups = {g.id: g for g in read.groups}
    by_name = {g.name: g.id for g in groups.values()}
    assignments = {app: frozenset(by_name.get(ref, ref) for ref in refs)
                   for app, refs in directory.assignment_refs().items()}
    return DirectorySnapshot(users=users, groups=groups, assignments=assignments)


@dataclass(frozen=True)
class Capabilities:
    """What an app can do; the planner decides with these, not with the app's type."""

    link_existing: bool = False
    additive_push_now: bool = False
    max_members_per_request: int = 100
    concurrency: int = 4
    """Groups pushed, synced or checked at once against this app."""
    descriptions: bool = False
    """App groups have a description, which follows the directory group's."""
    pushes_members: bool = True
    """False: the app's provider pushes the members itself (Okta's Group Push); grouppush
    manages the push mapping only (a MappingApp)."""


@dataclass(frozen=True)
class AppGroup:
    """A group as it exists in an app."""

    id: str
    name: str


@runtime_checkable
class App(Protocol):
    """A provisioning target: groups and their members, by the app's own ids."""

    name: str
    capabilities: Capabilities

    def health(self) -> str:
        """Check the credentials and the reachability of the app; raise on failure."""
        ...

    def find_group(self, name: str) -> AppGroup | None:
        """The app group with exactly this name, if any."""
        ...

    def get_group(self, group_id: str) -> AppGroup | None:
        """The app group with this id, or None when it is gone."""
        ...

    def create_group(self, name: str, description: str = "") -> AppGroup:
        """Create an empty group."""
        ...

    def rename_group(self, group_id: str, name: str) -> None:
        """Give the group a new name (the directory group was renamed)."""
        ...

    def describe_group(self, group_id: str, description: str) -> None:
        """Set the group's description ("" clears it), where capabilities.descriptions."""
        ...

    def delete_group(self, group_id: str) -> None:
        """Delete a group with its memberships."""
        ...

    def resolve_users(self, logins: Iterable[str]) -> dict[str, str]:
        """App user ids for the logins the app knows; unknown logins are left out."""
        ...

    def list_members(self, group_id: str) -> dict[str, str | None]:
        """The group's members: app user id -> login where the app tells it."""
        ...

    def read_group(self, group_id: str) -> tuple[AppGroup, dict[str, str | None]] | None:
        """The group and its members in as few requests as the app allows; None when gone."""
        ...

    def user_logins(self, user_ids: Iterable[str]) -> dict[str, str]:
        """Logins of app users that list_members named without one, where the app tells."""
        ...

    def add_members(self, group_id: str, user_ids: Sequence[str]) -> None:
        """Add members, batched by the app's limit."""
        ...

    def remove_members(self, group_id: str, user_ids: Sequence[str]) -> None:
        """Remove members, batched by the app's limit."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


@dataclass(frozen=True)
class MappingState:
    """A group push mapping as the provider (Okta) keeps it."""

    id: str
    source_group_id: str
    target_group_id: str = ""
    status: str = "ACTIVE"
    """ACTIVE, INACTIVE or ERROR."""
    error_summary: str = ""
    last_push: str = ""
    last_updated: str = ""


@runtime_checkable
class MappingApp(App, Protocol):
    """An app whose provider pushes groups itself (Okta's Group Push): grouppush creates,
    links, pauses and removes the provider's push mappings; the members are its business.
    The app group id grouppush keeps for such an app is the mapping's id."""

    def mapping_of(self, source_group_id: str) -> MappingState | None:
        """The mapping that pushes this directory group, if any."""
        ...

    def map_group(self, source_group_id: str, name: str, target: AppGroup | None) -> MappingState:
        """Push a directory group: create the app group `name`, or link `target`."""
        ...

    def mapping(self, mapping_id: str) -> MappingState | None:
        """One mapping as the provider has it now, or None when it is gone."""
        ...

    def set_mapping_status(self, mapping_id: str, active: bool) -> MappingState:
        """Activate or deactivate a mapping; the mapping as it is after."""
        ...

    def unmap(self, mapping_id: str, delete_target: bool) -> None:
        """Stop a push: deactivate and delete the mapping, with or without the app group."""
        ...

    def mappings(self, updated_since: str | None = None,
                 status: str | None = None) -> Iterable[MappingState]:
        """The app's mappings, all or those updated since a time or in one status."""
        ...

    def failed(self, state: MappingState) -> ConnectorError:
        """The error of a mapping in ERROR: the provider's summary, with a hint."""
        ...


def read_in_two(app: App, group_id: str) -> tuple[AppGroup, dict[str, str | None]] | None:
    """read_group for apps that give a group and its members in separate requests."""
    group = app.get_group(group_id)
    return None if group is None else (group, app.list_members(group_id))


def chunks(items: Sequence[str], size: int) -> Iterable[Sequence[str]]:
    """Split a sequence into slices of at most `size`."""
    step = max(1, size)
    for start in range(0, len(items), step):
        yield items[start : start + step]
