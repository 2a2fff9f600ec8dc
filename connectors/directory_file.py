"""The directory as a YAML file (`directory.yml`), re-read whenever it changes."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import yaml

from connectors.base import DirectoryGroup, DirectorySnapshot, DirectoryUser
from connectors.errors import DirectoryError

KNOWN_STATUSES = {
    "ACTIVE", "RECOVERY", "PASSWORD_EXPIRED", "LOCKED_OUT",
    "STAGED", "PROVISIONED", "SUSPENDED", "DEPROVISIONED",
}
Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _where(node: yaml.Node) -> str:
    return f"line {node.start_mark.line + 1}"


def _scalar(node: yaml.Node, what: str, path: str) -> str:
    if not isinstance(node, yaml.ScalarNode) or node.value == "":
        raise DirectoryError(f"directory file {path}, {_where(node)}: {what} must be a text value")
    return str(node.value)


def _mapping(node: yaml.Node, what: str, path: str) -> dict[str, yaml.Node]:
    if not isinstance(node, yaml.MappingNode):
        raise DirectoryError(f"directory file {path}, {_where(node)}: {what} must be a mapping")
    return {str(k.value): v for k, v in node.value}


def _sequence(node: yaml.Node, what: str, path: str) -> list[yaml.Node]:
    if not isinstance(node, yaml.SequenceNode):
        raise DirectoryError(f"directory file {path}, {_where(node)}: {what} must be a list")
    return list(node.value)


def _field(entry: dict[str, yaml.Node], key: str, owner: yaml.Node, what: str,
           path: str) -> str:
    if key not in entry:
        raise DirectoryError(
            f"directory file {path}, {_where(owner)}: {what} has no `{key}`"
        )
    return _scalar(entry[key], f"`{key}` of {what}", path)


def parse_directory(text: str, path: str = "directory.yml") -> DirectorySnapshot:
    """Parse and check a directory file; errors name the line and the key."""
    try:
        root = yaml.compose(text, Loader=Loader)
    except yaml.YAMLError as exc:
        raise DirectoryError(f"directory file {path} is not valid YAML: {exc}") from None
    if root is None:
        raise DirectoryError(f"directory file {path} is empty: it needs `users:` and `groups:`")
    top = _mapping(root, "the file", path)
    unknown = set(top) - {"users", "groups", "assignments"}
    if unknown:
        key = sorted(unknown)[0]
        raise DirectoryError(
            f"directory file {path}, {_where(top[key])}: unknown key `{key}` "
            "(expected users, groups, assignments)"
        )
    users: dict[str, DirectoryUser] = {}
    for node in _sequence(top["users"], "`users`", path) if "users" in top else []:
        entry = _mapping(node, "a user", path)
        uid = _field(entry, "id", node, "a user", path)
        status = entry["status"].value.upper() if "status" in entry else "ACTIVE"
        if status not in KNOWN_STATUSES:
            raise DirectoryError(
                f"directory file {path}, {_where(entry['status'])}: user {uid} has unknown "
                f"status {status!r} (one of {', '.join(sorted(KNOWN_STATUSES))})"
            )
        if uid in users:
            raise DirectoryError(f"directory file {path}, {_where(node)}: user id {uid} twice")
        users[uid] = DirectoryUser(
            id=uid, login=_field(entry, "login", node, f"user {uid}", path), status=status,
            first_name=str(entry["first_name"].value) if "first_name" in entry else "",
            last_name=str(entry["last_name"].value) if "last_name" in entry else "",
        )
    groups: dict[str, DirectoryGroup] = {}
    for node in _sequence(top["groups"], "`groups`", path) if "groups" in top else []:
        entry = _mapping(node, "a group", path)
        gid = _field(entry, "id", node, "a group", path)
        members = []
        if "members" in entry:
            for member in _sequence(entry["members"], f"`members` of group {gid}", path):
                uid = _scalar(member, f"a member of group {gid}", path)
                if uid not in users:
                    raise DirectoryError(
                        f"directory file {path}, {_where(member)}: group {gid} lists member "
                        f"{uid}, who is not in `users`"
                    )
                members.append(uid)
        if gid in groups:
            raise DirectoryError(f"directory file {path}, {_where(node)}: group id {gid} twice")
        groups[gid] = DirectoryGroup(
            id=gid, name=_field(entry, "name", node, f"group {gid}", path),
            description=str(entry["description"].value) if "description" in entry else "",
            members=tuple(dict.fromkeys(members)),
        )
    assignments: dict[str, frozenset[str]] = {}
    if "assignments" in top and not (
        isinstance(top["assignments"], yaml.ScalarNode) and top["assignments"].value in ("", "~")
    ):
        for app, node in _mapping(top["assignments"], "`assignments`", path).items():
            ids = [_scalar(n, f"a group of assignments.{app}", path)
                   for n in _sequence(node, f"`assignments.{app}`", path)]
            assignments[app] = frozenset(ids)
    return DirectorySnapshot(users=users, groups=groups, assignments=assignments)


class FileDirectory:
    """A directory kept in a YAML file; changes to the file are seen at the next read."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._cached: tuple[tuple[int, int], DirectorySnapshot] | None = None
        self._reading = threading.Lock()

    def snapshot(self) -> DirectorySnapshot:
        """Read the file again if it changed since the last read."""
        try:
            stat = self.path.stat()
        except OSError as exc:
            raise DirectoryError(f"directory file {self.path} cannot be read: "
                                 f"{exc.strerror}") from None
        key = (stat.st_mtime_ns, stat.st_size)
        with self._reading:  # many commands at once: one reads the file, the others wait for it
            if self._cached is None or self._cached[0] != key:
                text = self.path.read_text(encoding="utf-8")
                self._cached = (key, parse_directory(text, str(self.path)))
            return self._cached[1]

    def search_groups(self, text: str, limit: int = 20) -> list[DirectoryGroup]:
        """Groups whose names contain the text, ignoring case, shortest names first."""
        needle = text.casefold().strip()
        found = [g for g in self.snapshot().groups.values() if needle in g.name.casefold()]
        found.sort(key=lambda g: (not g.name.casefold().startswith(needle), len(g.name), g.name))
        return found[:limit]
