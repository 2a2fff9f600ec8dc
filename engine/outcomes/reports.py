"""The reads: help, apps, list, search, info, rule list, audit."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, ClassVar

from engine.core import DONE, FAILED, Outcome, Status
from engine.shapes import BOOL, INT, OPT_STR, STR, STRS, Shape, listed, obj
from engine.times import iso
from storage.statuses import PushStatus


@dataclass(frozen=True)
class CommandHelp:
    """One command as `help` lists it (`help COMMAND` adds its flags and examples)."""

    usage: str
    summary: str
    kind: str
    flags: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """{usage, summary, kind} (+ flags and examples, in detail)."""
        data: dict[str, Any] = {"usage": self.usage, "summary": self.summary,
                                "kind": self.kind}
        if self.flags or self.examples:
            data["flags"] = list(self.flags)
            data["examples"] = list(self.examples)
        return data


@dataclass(frozen=True)
class Commands(Outcome):
    """`help`: every command people can type; `help COMMAND`: that one, in detail."""

    commands: tuple[CommandHelp, ...]
    dry_run_flag: str = "--dry-run"
    detailed: bool = False

    shape: ClassVar[Shape] = listed("commands", obj({"usage": STR, "summary": STR, "kind": STR},
                                                     {"flags": STRS, "examples": STRS}))

    def to_json(self) -> dict[str, Any]:
        """{"commands": [{usage, summary, kind}]} (+ flags, examples when detailed)."""
        return {"commands": [c.to_json() for c in self.commands]}

    def rows(self) -> list[dict[str, Any]]:
        """One row per command."""
        return [c.to_json() for c in self.commands]


@dataclass(frozen=True)
class AppRow:
    """One configured app: its type, health and pushed groups."""

    name: str
    type: str
    health: str
    healthy: bool
    pushed: int


@dataclass(frozen=True)
class AppsListed(Outcome):
    """`apps`: failed when an app is not healthy."""

    apps: tuple[AppRow, ...]

    @property
    def status(self) -> Status:
        """failed when any app is unhealthy."""
        return DONE if all(a.healthy for a in self.apps) else FAILED

    shape: ClassVar[Shape] = listed("apps", obj({"name": STR, "type": STR, "health": STR,
                                                 "healthy": BOOL, "pushed": INT}))

    def to_json(self) -> dict[str, Any]:
        """{"apps": [...]}."""
        return {"apps": self.rows()}

    def rows(self) -> list[dict[str, Any]]:
        """One row per app."""
        return [asdict(a) for a in self.apps]


@dataclass(frozen=True)
class PushRow:
    """One pushed group as `list` shows it."""

    group: str
    app: str
    app_group: str | None
    app_group_id: str | None
    status: PushStatus
    members: int | None
    """Members grouppush pushed; None when Okta pushes them (okta_group_push)."""
    last_push: datetime | None
    error: str | None
    drift: bool
    origin: str  # name | rule | okta (made in Okta's admin console)
    rule: str | None
    protected: str = ""
    """Why grouppush leaves this app group alone (safety.protected_groups), or ""."""
    okta_pushes: int | None = None
    """When Okta pushes the members: the directory group's active members it pushes (None:
    not known now, or a push grouppush makes)."""

    shape: ClassVar[Shape] = obj(
        {"group": STR, "app": STR, "app_group": OPT_STR, "app_group_id": OPT_STR,
         "status": {"enum": [s.value for s in PushStatus]},
         "members": {"type": ["integer", "null"]}, "last_push": OPT_STR, "error": OPT_STR,
         "drift": BOOL, "origin": {"enum": ["name", "rule", "okta"]}, "rule": OPT_STR},
        {"protected": STR, "okta_pushes": {"type": ["integer", "null"]}})

    def to_json(self) -> dict[str, Any]:
        """JSON-ready (the time in ISO 8601)."""
        row = asdict(self)
        row["last_push"] = iso(self.last_push)
        return row


@dataclass(frozen=True)
class PushesListed(Outcome):
    """`list`: the pushed groups a filter keeps."""

    pushes: tuple[PushRow, ...]
    app: str | None = None
    rule: str | None = None
    state: str | None = None
    """The filters in force: the rule that found them, their status, failing, drifted."""
    errors: bool = False
    drift: bool = False

    shape: ClassVar[Shape] = listed("pushes", PushRow.shape)

    def to_json(self) -> dict[str, Any]:
        """{"pushes": [...]}."""
        return {"pushes": self.rows()}

    def rows(self) -> list[dict[str, Any]]:
        """One row per pushed group."""
        return [p.to_json() for p in self.pushes]


@dataclass(frozen=True)
class FoundGroup:
    """A directory group `search` found."""

    name: str
    id: str
    active_members: int
    same_name: bool
    """Another directory group has this name (tell them apart by id)."""


@dataclass(frozen=True)
class GroupsFound(Outcome):
    """`search TEXT`: the directory groups whose names contain it."""

    text: str
    groups: tuple[FoundGroup, ...]
    more: int = 0
    """Groups found beyond those shown."""
    at_least: bool = False
    """The search stopped counting: there may be more than `more`."""

    shape: ClassVar[Shape] = obj({"groups": STRS})

    def to_json(self) -> dict[str, Any]:
        """{"groups": names, "more": n, "ids": ids}."""
        return {"groups": [g.name for g in self.groups], "more": self.more,
                "ids": [g.id for g in self.groups]}

    def rows(self) -> list[dict[str, Any]]:
        """One row per group."""
        return [asdict(g) for g in self.groups]


@dataclass(frozen=True)
class Information(Outcome):
    """`info GROUP on APP`: the Information details, label by label (their texts are the
    documented `--json` data)."""

    group: str
    app: str
    details: tuple[tuple[str, str], ...]

    shape: ClassVar[Shape] = obj({"info": {"type": "object", "additionalProperties": STR}})

    def to_json(self) -> dict[str, Any]:
        """{"info": {label: text}}."""
        return {"info": dict(self.details)}

    def rows(self) -> list[dict[str, Any]]:
        """One row per detail."""
        return [{"field": k, "value": v} for k, v in self.details]


@dataclass(frozen=True)
class RuleRow:
    """A push rule with the pushed groups it found."""

    name: str
    app: str
    kind: str
    pattern: str
    groups: tuple[str, ...]
    created_by: str


@dataclass(frozen=True)
class RulesListed(Outcome):
    """`rule list [APP]`."""

    rules: tuple[RuleRow, ...]

    shape: ClassVar[Shape] = listed("rules", obj({"name": STR, "app": STR, "kind": STR,
                                                  "pattern": STR, "pushed": INT,
                                                  "groups": STRS, "created_by": STR}))

    def to_json(self) -> dict[str, Any]:
        """{"rules": [...]}, each with how many groups it pushed."""
        return {"rules": self.rows()}

    def rows(self) -> list[dict[str, Any]]:
        """One row per rule."""
        return [{"name": r.name, "app": r.app, "kind": r.kind, "pattern": r.pattern,
                 "pushed": len(r.groups), "groups": list(r.groups), "created_by": r.created_by}
                for r in self.rules]


@dataclass(frozen=True)
class AuditLine:
    """One audited change or refused attempt: when, who, what, and its export record."""

    at: datetime
    actor: str
    action: str
    detail: str
    record: tuple[tuple[str, Any], ...]
    """The event as `grouppush audit-export` writes it (stable id, schema...)."""


@dataclass(frozen=True)
class AuditTrail(Outcome):
    """`audit`: the events oldest first; `export` is their JSON Lines or CSV when asked."""

    events: tuple[AuditLine, ...]
    format: str = "text"
    export: str = ""
    since: bool = False
    """Asked for a time span (--since) rather than a number of events."""

    shape: ClassVar[Shape] = listed("events", obj({"at": STR, "actor": STR, "action": STR,
                                                   "detail": STR}))

    def to_json(self) -> dict[str, Any]:
        """{"events": [{at, ...record}]}, oldest first (`at` is `time`, kept for version 1)."""
        return {"events": [{"at": row["time"], **row} for row in self.rows()]}

    def rows(self) -> list[dict[str, Any]]:
        """One row per event, its time first: the record `grouppush audit-export` writes."""
        first = ("time", "actor", "action", "detail", "outcome")
        rows = []
        for event in self.events:
            record = dict(event.record)
            rows.append({**{k: record.pop(k) for k in first if k in record}, **record})
        return rows
