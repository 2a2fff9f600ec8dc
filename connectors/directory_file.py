"""The directory as a YAML file (`directory.yml`), re-read whenever it changes; a sync is told
what changed since the file it read last."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from connectors.base import (
    DirectoryChanges,
    DirectoryGroup,
    DirectorySnapshot,
    DirectoryUser,
    FullRead,
)
from connectors.directory_delta import snapshot_changes
from connectors.errors import DirectoryError

KNOWN_STATUSES = {
    "ACTIVE", "RECOVERY", "PASSWORD_EXPIRED", "LOCKED_OUT",
    "STAGED", "PROVISIONED", "SUSPENDED", "DEPROVISIONED",
}
Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Node:
    """A parsed YAML value and the line it starts on, lighter than a yaml.Node."""

    __slots__ = ("value", "line")

    def __init__(self, value: Any, line: int) -> None:
        self.value = value
        self.line = line


class _Scalar(_Node):
    __slots__ = ()
    value: str


class _List(_Node):
    __slots__ = ()
    value: list[_Node]


class _Map(_Node):
    __slots__ = ()
    value: dict[str, _Node]


class _Reader:
    """YAML events of one document, read one at a time so a large file is never held whole."""

    def __init__(self, text: str, path: str) -> None:
        self.path = path
        self._events: Iterator[yaml.Event] = yaml.parse(text, Loader=Loader)
        self._anchors: dict[str, _Node] = {}

    def next(self) -> yaml.Event:
        """The next event; a YAML syntax error becomes a DirectoryError."""
        try:
            return next(self._events)
        except yaml.YAMLError as exc:
            raise DirectoryError(f"directory file {self.path} is not valid YAML: "
                                 f"{_problem(exc)}") from None

    def node(self, event: yaml.Event) -> _Node:
        """The whole value that starts with this event."""
        if type(event) is yaml.ScalarEvent and not event.anchor:  # most of a file: first
            return _Scalar(event.value, _line(event))
        line = _line(event)
        built: _Node
        if isinstance(event, yaml.AliasEvent):
            if event.anchor not in self._anchors:
                raise self.error(line, f"unknown alias *{event.anchor}")
            anchored = self._anchors[event.anchor]
            return type(anchored)(anchored.value, line)
        if isinstance(event, yaml.ScalarEvent):
            built = _Scalar(event.value, line)
        elif isinstance(event, yaml.SequenceStartEvent):
            built = _List([self.node(e) for e in self.items()], line)
        elif isinstance(event, yaml.MappingStartEvent):
            built = _Map(dict(self.pairs()), line)
        else:
            raise self.error(line, f"unexpected {type(event).__name__}")
        anchor = getattr(event, "anchor", None)
        if anchor:
            self._anchors[anchor] = built
        return built

    def items(self) -> Iterator[yaml.Event]:
        """The first event of each item of the sequence just opened."""
        while not isinstance(event := self.next(), yaml.SequenceEndEvent):
            yield event

    def mapping_keys(self) -> Iterator[_Node]:
        """Each key of the mapping just opened; the caller reads its value next."""
        while not isinstance(event := self.next(), yaml.MappingEndEvent):
            yield self.node(event)

    def pairs(self) -> Iterator[tuple[str, _Node]]:
        """The keys and values of the mapping just opened."""
        for key in self.mapping_keys():
            yield _name(key), self.node(self.next())

    def error(self, line: int, message: str) -> DirectoryError:
        """An error naming the file and the line."""
        return DirectoryError(f"directory file {self.path}, line {line}: {message}")


def _problem(exc: yaml.YAMLError) -> str:
    """What the YAML parser found wrong and where, without the file's text around it."""
    problem = getattr(exc, "problem", None) or "it cannot be parsed"
    mark = getattr(exc, "problem_mark", None)
    where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
    return f"{problem}{where}"


def _line(event: yaml.Event) -> int:
    return event.start_mark.line + 1 if event.start_mark else 0


def _name(key: _Node) -> str:
    return str(key.value) if isinstance(key, _Scalar) else "?"


def _scalar(node: _Node, what: str, reader: _Reader) -> str:
    if not isinstance(node, _Scalar) or node.value == "":
        raise reader.error(node.line, f"{what} must be a text value")
    return node.value


def _mapping(node: _Node, what: str, reader: _Reader) -> dict[str, _Node]:
    if not isinstance(node, _Map):
        raise reader.error(node.line, f"{what} must be a mapping")
    return node.value


def _list(node: _Node, what: str, reader: _Reader) -> list[_Node]:
    if not isinstance(node, _List):
        raise reader.error(node.line, f"{what} must be a list")
    return node.value


def _field(entry: dict[str, _Node], key: str, owner: _Node, what: str, reader: _Reader) -> str:
    if key not in entry:
        raise reader.error(owner.line, f"{what} has no `{key}`")
    return _scalar(entry[key], f"`{key}` of {what}", reader)


def _text(entry: dict[str, _Node], key: str) -> str:
    node = entry.get(key)
    return str(node.value) if isinstance(node, _Scalar) else ""


def _each(reader: _Reader, start: yaml.Event, what: str) -> Iterator[_Node]:
    """The items of a top-level list, one at a time."""
    if isinstance(start, yaml.SequenceStartEvent) and not start.anchor:
        for event in reader.items():
            yield reader.node(event)
    else:
        yield from _list(reader.node(start), what, reader)


def parse_directory(text: str, path: str = "directory.yml") -> DirectorySnapshot:
    """Parse and check a directory file; errors name the line and the key."""
    reader = _Reader(text, path)
    event = reader.next()  # StreamStartEvent
    event = reader.next()
    if isinstance(event, yaml.StreamEndEvent):
        raise DirectoryError(f"directory file {path} is empty: it needs `users:` and `groups:`")
    root = reader.next()  # after DocumentStartEvent
    if isinstance(root, yaml.ScalarEvent) and root.value == "" and not root.anchor:
        raise DirectoryError(f"directory file {path} is empty: it needs `users:` and `groups:`")
    if not isinstance(root, yaml.MappingStartEvent):
        raise reader.error(_line(root), "the file must be a mapping")
    users: dict[str, DirectoryUser] = {}
    groups: dict[str, DirectoryGroup] = {}
    assignments: dict[str, frozenset[str]] = {}
    pending: list[tuple[str, str, int]] | None = []  # members to check once `users:` is read
    seen: dict[str, int] = {}
    for key in reader.mapping_keys():
        name, start = _name(key), reader.next()
        if name in seen:
            raise reader.error(key.line, f"`{name}` a second time (first on line {seen[name]}); "
                               "the file has one of each")
        seen[name] = key.line
        if name == "users":
            for node in _each(reader, start, "`users`"):
                _add_user(users, node, reader)
            _check_members(pending, users, reader)
            pending = None
        elif name == "groups":
            for node in _each(reader, start, "`groups`"):
                _add_group(groups, users, pending, node, reader)
        elif name == "assignments":
            value = reader.node(start)
            if not (isinstance(value, _Scalar) and value.value in ("", "~")):
                for app, node in _mapping(value, "`assignments`", reader).items():
                    ids = [_scalar(n, f"a group of assignments.{app}", reader)
                           for n in _list(node, f"`assignments.{app}`", reader)]
                    assignments[app] = frozenset(ids)
        elif not seen.keys() & {"users", "groups", "assignments"}:
            raise reader.error(key.line, "this is not a directory file: its first key is not "
                               "users, groups or assignments")  # never quote another file
        else:
            raise reader.error(key.line, f"unknown key `{name}` "
                               "(expected users, groups, assignments)")
    reader.next()  # DocumentEndEvent
    if not isinstance(extra := reader.next(), yaml.StreamEndEvent):
        raise reader.error(_line(extra),
                           "a second document; the file must hold one")
    _check_members(pending, users, reader)
    return DirectorySnapshot(users=users, groups=groups, assignments=assignments)


def _check_members(pending: list[tuple[str, str, int]] | None,
                   users: dict[str, DirectoryUser], reader: _Reader) -> None:
    for gid, uid, line in pending or ():
        if uid not in users:
            raise reader.error(line, f"group {gid} lists member {uid}, who is not in `users`")


def _add_user(users: dict[str, DirectoryUser], node: _Node, reader: _Reader) -> None:
    entry = _mapping(node, "a user", reader)
    uid = _field(entry, "id", node, "a user", reader)
    status = str(entry["status"].value).upper() if "status" in entry else "ACTIVE"
    if status not in KNOWN_STATUSES:
        raise reader.error(entry["status"].line, f"user {uid} has unknown status {status!r} "
                           f"(one of {', '.join(sorted(KNOWN_STATUSES))})")
    if uid in users:
        raise reader.error(node.line, f"user id {uid} twice")
    users[uid] = DirectoryUser(
        id=uid, login=_field(entry, "login", node, f"user {uid}", reader), status=status,
        first_name=_text(entry, "first_name"), last_name=_text(entry, "last_name"),
    )


def _add_group(groups: dict[str, DirectoryGroup], users: dict[str, DirectoryUser],
               pending: list[tuple[str, str, int]] | None, node: _Node,
               reader: _Reader) -> None:
    entry = _mapping(node, "a group", reader)
    gid = _field(entry, "id", node, "a group", reader)
    members: list[str] = []
    if "members" in entry:
        for member in _list(entry["members"], f"`members` of group {gid}", reader):
            uid = _scalar(member, f"a member of group {gid}", reader)
            user = users.get(uid)
            if user is not None:
                uid = user.id  # one string per user, however many groups list it
            elif pending is None:
                raise reader.error(member.line, f"group {gid} lists member {uid}, "
                                   "who is not in `users`")
            else:
                pending.append((gid, uid, member.line))
            members.append(uid)
    if gid in groups:
        raise reader.error(node.line, f"group id {gid} twice")
    groups[gid] = DirectoryGroup(
        id=gid, name=_field(entry, "name", node, f"group {gid}", reader),
        description=_text(entry, "description"), members=tuple(dict.fromkeys(members)),
    )


class FileDirectory:
    """A directory kept in a YAML file; changes to the file are seen at the next read."""

    def __init__(self, path: str | os.PathLike[str], settle_seconds: float = 0.0,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.path = Path(path)
        self.settle_seconds = settle_seconds
        """A changed file is read only once it has not changed for this long (half-written)."""
        self._sleep = sleep
        self._cached: tuple[str, DirectorySnapshot] | None = None
        self._given: tuple[str, DirectorySnapshot] | None = None
        """The file as it was at the last cursor handed out: the next delta starts there."""
        self._reading = threading.Lock()

    def snapshot(self) -> DirectorySnapshot:
        """Read the file again if it changed since the last read (once it stopped changing)."""
        return self._current()[1]

    def _current(self) -> tuple[str, DirectorySnapshot]:
        """(the file's fingerprint, its contents), parsed again only if it changed."""
        key = self._key(self._stat())
        with self._reading:  # many commands at once: one reads the file, the others wait for it
            if self._cached is None or self._cached[0] != key:
                key, text = self._settled(), self._read_text()
                while self._key(self._stat()) != key:  # written again while it was read
                    key, text = self._settled(), self._read_text()
                self._cached = (key, parse_directory(text, str(self.path)))
            return self._cached

    def _hand_out(self) -> tuple[str, DirectorySnapshot, tuple[str, DirectorySnapshot] | None]:
        """(the file's fingerprint, its contents, the file at the cursor handed out before);
        the fingerprint is the cursor handed out now."""
        key, snapshot = self._current()
        with self._reading:
            given, self._given = self._given, (key, snapshot)
        return key, snapshot, given

    def _stat(self) -> os.stat_result:
        try:
            return self.path.stat()
        except OSError as exc:
            raise DirectoryError(f"directory file {self.path} cannot be read: "
                                 f"{exc.strerror}") from None

    @staticmethod
    def _key(stat: os.stat_result) -> str:
        return f"{stat.st_mtime_ns}:{stat.st_size}"

    def _settled(self) -> str:
        """The file's fingerprint (mtime:size) once it has not changed for settle_seconds: a
        file being written is never read half-way (writing elsewhere and renaming it into
        place is atomic: then the wait only delays)."""
        settle = self.settle_seconds
        patience = max(60.0, 10 * settle)
        deadline = time.monotonic() + patience
        previous = None
        while True:
            stat = self._stat()
            key = self._key(stat)
            if settle <= 0 or time.time() - stat.st_mtime >= settle or key == previous:
                return key
            if time.monotonic() > deadline:
                raise DirectoryError(f"directory file {self.path} is still being written (it "
                                     f"kept changing for {patience:.0f} s); nothing was read. "
                                     "Write it elsewhere, then rename it "
                                     "into place.")
            previous = key
            self._sleep(settle)

    def _read_text(self) -> str:
        try:
            return self.path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise DirectoryError(f"directory file {self.path} is not a directory file: it is "
                                 "not UTF-8 text") from None
        except OSError as exc:
            raise DirectoryError(f"directory file {self.path} cannot be read: "
                                 f"{exc.strerror}") from None

    def find_group(self, name: str) -> DirectoryGroup | None:
        """The group with this name (or the only one equal ignoring case), without members."""
        group = self.snapshot().group_named(name)
        return replace(group, members=()) if group is not None else None

    def get_group(self, group_id: str) -> DirectoryGroup | None:
        """The group with this id, without members."""
        group = self.snapshot().groups.get(group_id)
        return replace(group, members=()) if group is not None else None

    def read_members(self, group_id: str) -> list[DirectoryUser]:
        """The group's members."""
        snapshot = self.snapshot()
        group = snapshot.groups.get(group_id)
        return [snapshot.users[uid] for uid in group.members] if group is not None else []

    def get_user(self, user_id: str) -> DirectoryUser | None:
        """The user with this id."""
        return self.snapshot().users.get(user_id)

    def find_user(self, login: str) -> DirectoryUser | None:
        """The user whose login (or id) is this, ignoring case."""
        return self.snapshot().user_by_login(login)

    def groups_of_user(self, user_id: str) -> list[str]:
        """Ids of the user's groups."""
        return [g.id for g in self.snapshot().groups.values() if user_id in g.members]

    def changes(self, cursor: str) -> DirectoryChanges:
        """Nothing when the file is as it was at the cursor; what changed since, when this
        process handed that cursor out (it holds the file as it was then); else "read it
        whole" (a first read, a restart, another instance moved the cursor on)."""
        key, snapshot, given = self._hand_out()
        if key == cursor:
            return DirectoryChanges(cursor=key)
        if given is None or given[0] != cursor:
            return DirectoryChanges(cursor=key, everything=True)
        return snapshot_changes(given[1], snapshot, key)

    def full_read(self, members: bool = True) -> FullRead:
        """The whole file (without `members`: every user, and the groups without their
        members: the file is read whole either way, and its users cost no request)."""
        key, snapshot, _ = self._hand_out()
        if not members:
            return FullRead(cursor=key, users=snapshot.users.values(),
                            groups=[replace(g, members=()) for g in snapshot.groups.values()])
        return FullRead(cursor=key, users=snapshot.users.values(),
                        groups=snapshot.groups.values())

    def assignment_refs(self) -> dict[str, list[str]]:
        """The group ids of `assignments:`, per app."""
        return {app: sorted(ids) for app, ids in self.snapshot().assignments.items()}

    def search_groups(self, text: str, limit: int = 20) -> list[DirectoryGroup]:
        """Groups whose names contain the text, ignoring case, shortest names first."""
        needle = text.casefold().strip()
        found = [g for g in self.snapshot().groups.values() if needle in g.name.casefold()]
        found.sort(key=lambda g: (not g.name.casefold().startswith(needle), len(g.name), g.name))
        return found[:limit]
