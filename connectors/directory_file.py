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
from connectors.directory_delta import Touched, snapshot_changes
from connectors.errors import DirectoryError

KNOWN_STATUSES = {
    "ACTIVE", "RECOVERY", "PASSWORD_EXPIRED", "LOCKED_OUT",
    "STAGED", "PROVISIONED", "SUSPENDED", "DEPROVISIONED",
}
Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Node:
    """A parsed YAML value and where it starts, lighter than a yaml.Node."""

    __slots__ = ("value", "mark")

    def __init__(self, value: Any, mark: Any) -> None:
        self.value = value
        self.mark = mark

    @property
    def line(self) -> int:
        """The line it starts on."""
        return self.mark.line + 1 if self.mark else 0


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
        self.next: Callable[[], yaml.Event] = Loader(text).get_event
        """The next event (a YAML syntax error raises yaml.YAMLError)."""
        self._anchors: dict[str, _Node] = {}

    def node(self, event: yaml.Event) -> _Node:
        """The whole value that starts with this event."""
        if type(event) is yaml.ScalarEvent and not event.anchor:  # most of a file: first
            return _Scalar(event.value, event.start_mark)
        mark = event.start_mark
        built: _Node
        if isinstance(event, yaml.AliasEvent):
            if event.anchor not in self._anchors:
                raise self.error(_line(event), f"unknown alias *{event.anchor}")
            anchored = self._anchors[event.anchor]
            return type(anchored)(anchored.value, mark)
        if isinstance(event, yaml.ScalarEvent):
            built = _Scalar(event.value, mark)
        elif isinstance(event, yaml.SequenceStartEvent):
            built = _List(self.sequence(), mark)
        elif isinstance(event, yaml.MappingStartEvent):
            built = _Map(self.mapping(), mark)
        else:
            raise self.error(_line(event), f"unexpected {type(event).__name__}")
        anchor = getattr(event, "anchor", None)
        if anchor:
            self._anchors[anchor] = built
        return built

    def sequence(self) -> list[_Node]:
        """The items of the sequence just opened."""
        items, next_event, node = [], self.next, self.node
        while type(event := next_event()) is not yaml.SequenceEndEvent:
            items.append(node(event))
        return items

    def mapping(self) -> dict[str, _Node]:
        """The keys and values of the mapping just opened (a key given twice: the last)."""
        pairs, next_event, node = {}, self.next, self.node
        while type(event := next_event()) is not yaml.MappingEndEvent:
            pairs[self.key(event)] = node(next_event())
        return pairs

    def items(self) -> Iterator[yaml.Event]:
        """The first event of each item of the sequence just opened."""
        while not isinstance(event := self.next(), yaml.SequenceEndEvent):
            yield event

    def mapping_keys(self) -> Iterator[tuple[str, int]]:
        """Each key of the mapping just opened and its line; the caller reads its value next."""
        while not isinstance(event := self.next(), yaml.MappingEndEvent):
            yield self.key(event), _line(event)

    def key(self, event: yaml.Event) -> str:
        """The mapping key that starts with this event ("?" for one that is not text)."""
        if type(event) is yaml.ScalarEvent and not event.anchor:
            return str(event.value)
        return _name(self.node(event))

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
    try:
        return _parse(_Reader(text, path))
    except yaml.YAMLError as exc:
        raise DirectoryError(f"directory file {path} is not valid YAML: "
                             f"{_problem(exc)}") from None


def _parse(reader: _Reader) -> DirectorySnapshot:
    path = reader.path
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
    for name, key_line in reader.mapping_keys():
        start = reader.next()
        if name in seen:
            raise reader.error(key_line, f"`{name}` a second time (first on line {seen[name]}); "
                               "the file has one of each")
        seen[name] = key_line
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
            raise reader.error(key_line, "this is not a directory file: its first key is not "
                               "users, groups or assignments")  # never quote another file
        else:
            raise reader.error(key_line, f"unknown key `{name}` "
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
        self._given: str | None = None
        """The last cursor handed out: the next delta starts there."""
        self._touched = Touched()
        """What changed in the file since that cursor, reading after reading."""
        self._reading = threading.Lock()

    def snapshot(self) -> DirectorySnapshot:
        """Read the file again if it changed since the last read (once it stopped changing)."""
        return self._current()[1]

    def _current(self) -> tuple[str, DirectorySnapshot]:
        """(the file's fingerprint, its contents), parsed again only if it changed."""
        key = self._key(self._stat())
        with self._reading:  # many commands at once: one reads the file, the others wait for it
            return self._parsed(key)

    def _parsed(self, key: str) -> tuple[str, DirectorySnapshot]:
        """The file as last parsed, or parsed again if its fingerprint is no longer `key`
        (with `_reading` held); what changed from the last parse is noted."""
        if self._cached is None or self._cached[0] != key:
            key, text = self._settled(), self._read_text()
            while self._key(self._stat()) != key:  # written again while it was read
                key, text = self._settled(), self._read_text()
            before, self._cached = self._cached, (key, parse_directory(text, str(self.path)))
            if before is not None and self._given is not None:
                self._touched.add(snapshot_changes(before[1], self._cached[1], key))
        return self._cached

    def _hand_out(self) -> tuple[str, DirectorySnapshot, str | None, Touched]:
        """(the file's fingerprint, its contents, the cursor handed out before, what changed
        since); the fingerprint is the cursor handed out now."""
        key = self._key(self._stat())
        with self._reading:
            key, snapshot = self._parsed(key)
            given, touched = self._given, self._touched
            self._given, self._touched = key, Touched()
        return key, snapshot, given, touched

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
        """What changed since the cursor, when it is the last one this process handed out (it
        compared each reading of the file since); else nothing when the file is as it was at
        the cursor, or "read it whole" (a first read, a restart, another instance moved the
        cursor on)."""
        key, snapshot, given, touched = self._hand_out()
        if given == cursor:
            return touched.changes(snapshot, key)
        return DirectoryChanges(cursor=key, everything=key != cursor)

    def full_read(self, members: bool = True) -> FullRead:
        """The whole file (without `members`: every user, and the groups without their
        members: the file is read whole either way, and its users cost no request)."""
        key, snapshot, _, _ = self._hand_out()
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
