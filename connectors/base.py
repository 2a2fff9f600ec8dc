"""The two protocols every connector speaks: a Directory (the master) and an App (a target)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

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


@runtime_checkable
class Directory(Protocol):
    """The master of groups and memberships."""

    def snapshot(self) -> DirectorySnapshot:
        """Read users, groups and assignment groups afresh."""
        ...

    def search_groups(self, text: str, limit: int = 20) -> list[DirectoryGroup]:
        """Groups whose names contain the text, for search and autocomplete."""
        ...


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


def read_in_two(app: App, group_id: str) -> tuple[AppGroup, dict[str, str | None]] | None:
    """read_group for apps that give a group and its members in separate requests."""
    group = app.get_group(group_id)
    return None if group is None else (group, app.list_members(group_id))


def chunks(items: Sequence[str], size: int) -> Iterable[Sequence[str]]:
    """Split a sequence into slices of at most `size`."""
    step = max(1, size)
    for start in range(0, len(items), step):
        yield items[start : start + step]
