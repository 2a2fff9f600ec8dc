"""What operations did, as data: typed outcomes with their numbers and names and no words.

The bot renders them (bot/views/words: text for the console and the CLI, Block Kit for
Slack, an HTML table in a notebook); `to_json()` is the documented `data` of `--json`
(docs/json.md) and `rows()` a table of it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import datetime
from typing import TYPE_CHECKING, Any

from engine.failures import Failure

if TYPE_CHECKING:
    from engine.registry import Operation

DONE, REFUSED, FAILED, USAGE = "done", "refused", "failed", "usage"


@dataclass(frozen=True)
class Outcome:
    """What one operation did. Subclasses are frozen dataclasses of plain values."""

    @property
    def status(self) -> str:
        """done | refused | failed | usage (held work is done: its request waits)."""
        return DONE

    @property
    def ok(self) -> bool:
        """Done: not refused, failed or bad usage."""
        return self.status == DONE

    def to_json(self) -> dict[str, Any]:
        """The `data` of `grouppush exec --json` (docs/json.md): every field, tuples as lists."""
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self)}

    def rows(self) -> list[dict[str, Any]]:
        """The outcome as table rows (one row by default)."""
        return [self.to_json()]


def _plain(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, Outcome | PushPlan):
        return value.to_json()
    if isinstance(value, Approval):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    return value


@dataclass(frozen=True)
class Refusal(Outcome):
    """A request that was not carried out; nothing changed. The reason names what was wrong
    and the closest valid choice (refusals are raised deep in the engine with their reason)."""

    reason: str = ""
    data: tuple[tuple[str, Any], ...] = ()
    """What views need next to the reason (a refused decision's approval)."""
    usage: bool = False
    """Bad usage (exit 2) rather than a refusal (exit 1)."""

    @property
    def status(self) -> str:
        """refused, or usage."""
        return USAGE if self.usage else REFUSED

    def to_json(self) -> dict[str, Any]:
        """Its data (often empty)."""
        return dict(self.data)

    def rows(self) -> list[dict[str, Any]]:
        """No table."""
        return []


@dataclass(frozen=True)
class PushPlan:
    """What a push would do to one app group."""

    group: str
    app: str
    app_group: str  # create | link | rename | keep | delete | none
    app_group_name: str
    app_group_id: str | None = None
    add: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()
    held: bool = False
    """A sync would hold this plan for approval (too many removals)."""
    members: int | None = None
    """Members pushed so far (shown when the plan unlinks the group)."""

    @property
    def changes(self) -> bool:
        """Whether carrying it out writes anything to the app."""
        return bool(self.add or self.remove) or self.app_group in ("create", "rename")

    def to_json(self) -> dict[str, Any]:
        """JSON-ready: names as lists (members only when it unlinks)."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()
                if k != "members" or v is not None}


@dataclass(frozen=True)
class PlanNote:
    """A group a preview leaves out, and why: already pushed, refused, or its app failed."""

    group: str
    app: str
    why: str  # already pushed | refused | failed
    reason: str = ""
    rule: str | None = None


@dataclass(frozen=True)
class Planned(Outcome):
    """A --dry-run: the exact plan of `operation`, nothing written to any app."""

    operation: Operation
    plans: tuple[PushPlan, ...] = ()
    notes: tuple[PlanNote, ...] = ()
    matches: int = 0
    """How many groups a rule matches (rule add)."""
    subject: str = ""
    """What the plan is about when no app group says it: a rule's name, a user's login."""
    names: tuple[str, ...] = ()
    """Groups it would change without writing to the app (bulk deactivate)."""

    @property
    def writes(self) -> int:
        """How many app groups carrying it out would change (held ones excluded)."""
        return sum(1 for p in self.plans if p.changes and not p.held)

    def to_json(self) -> dict[str, Any]:
        """{"dry_run": true, "plan": [...]} (docs/json.md)."""
        return {"dry_run": True, "plan": [p.to_json() for p in self.plans]}

    def rows(self) -> list[dict[str, Any]]:
        """One row per app group."""
        return [p.to_json() for p in self.plans]


@dataclass(frozen=True)
class PushResult(Outcome):
    """What a push of one group did to its app group."""

    group: str
    app: str
    added: int = 0
    removed: int = 0
    skipped: tuple[str, ...] = ()
    """Members the app does not know."""
    recreated: bool = False
    """The app group was gone from the app and was created again."""
    renamed_from: str | None = None
    """The app group followed the directory group's rename from this name."""
    described: bool = False
    """The app group took the directory group's new description."""
    group_error: str | None = None
    """Why the app group did not follow the directory group's name or description."""


@dataclass(frozen=True)
class Pushed(PushResult):
    """`push GROUP to APP`: the app group created (or linked) and its members pushed."""

    linked: bool = False
    memberships: bool = True
    looks_like: tuple[str, ...] = ()
    """Other app groups of the app whose names look like this one's."""

    def to_json(self) -> dict[str, Any]:
        """group, app, added, skipped."""
        return {"group": self.group, "app": self.app, "added": self.added,
                "skipped": list(self.skipped)}


@dataclass(frozen=True)
class PushedNow(PushResult):
    """`now GROUP on APP`: the app group's members overwritten with the directory's."""

    additive: bool = False
    """Members only in the app were kept (the app's pushes are additive)."""

    def to_json(self) -> dict[str, Any]:
        """group, app, added, removed."""
        return {"group": self.group, "app": self.app, "added": self.added,
                "removed": self.removed}


@dataclass(frozen=True)
class Activated(PushResult):
    """`activate GROUP on APP`: resumed and caught up."""

    def to_json(self) -> dict[str, Any]:
        """group, app, status, added, removed."""
        return {"group": self.group, "app": self.app, "status": "active", "added": self.added,
                "removed": self.removed}


@dataclass(frozen=True)
class Deactivated(Outcome):
    """`deactivate GROUP on APP`: paused; the app group stays."""

    group: str
    app: str

    def to_json(self) -> dict[str, Any]:
        """group, app, status."""
        return {"group": self.group, "app": self.app, "status": "inactive"}


@dataclass(frozen=True)
class Approval:
    """An approval request as it is shown. Its summary and plan are the words it was asked
    with, stored with it: an approver approves exactly what was shown."""

    id: str
    summary: str
    requested_by: str
    action: str
    status: str
    expires_at: str
    plan: str
    decided_by: str = ""
    outcome: str = ""
    """What carrying it out did, as recorded when it was approved."""
    delete: bool = False


@dataclass(frozen=True)
class Requested(Outcome):
    """An approval request made: nothing changes until an approver approves it."""

    approval: Approval
    approvers: tuple[str, ...] = ()


@dataclass(frozen=True)
class RequestPlanned(Planned):
    """`--dry-run` of a change that needs approval: the request it would make, not made."""

    approval_summary: str = ""
    approval_plan: str = ""


@dataclass(frozen=True)
class Decided(Outcome):
    """A request approved (and carried out), denied or withdrawn."""

    approval: Approval
    decision: str  # approved | denied | withdrawn
    by: str
    failed: bool = False
    """Approved, but carrying it out failed in the app (approval.outcome says how)."""

    @property
    def status(self) -> str:
        """failed when carrying it out failed, else done."""
        return FAILED if self.failed else DONE

    def to_json(self) -> dict[str, Any]:
        """{"approval": {...}}."""
        return {"approval": _plain(self.approval)}


@dataclass(frozen=True)
class PendingRequests(Outcome):
    """`requests`: the pending requests the asker may see."""

    requests: tuple[Approval, ...]
    approver: bool = False
    """The asker is an approver (and sees everyone's)."""

    def to_json(self) -> dict[str, Any]:
        """{"requests": [approval...]}."""
        return {"requests": [_plain(r) for r in self.requests]}

    def rows(self) -> list[dict[str, Any]]:
        """One row per request."""
        return [_plain(r) for r in self.requests]


@dataclass(frozen=True)
class Failed(Outcome):
    """A change tried in an app that failed there. `recorded` is the failure as `info` shows
    it (with what Retry needs) when a push recorded it; else only the app's message."""

    message: str
    hint: str = ""
    recorded: Failure | None = None

    @property
    def status(self) -> str:
        """failed."""
        return FAILED

    def to_json(self) -> dict[str, Any]:
        """{"retry": mapping id} when Retry can run it again, else {}."""
        return {"retry": self.recorded.mapping_id} \
            if self.recorded is not None and self.recorded.mapping_id else {}

    def rows(self) -> list[dict[str, Any]]:
        """The failure's details."""
        return [self.recorded.to_dict()] if self.recorded is not None else \
            [{"message": self.message, "hint": self.hint}]


@dataclass(frozen=True)
class DriftIgnored(Outcome):
    """`ignore GROUP on APP`: keep the drift the app has; it is not told again."""

    group: str
    app: str
    by: str

    def to_json(self) -> dict[str, Any]:
        """{} (docs/json.md)."""
        return {}


@dataclass(frozen=True)
class Retried(Outcome):
    """The Retry button of a failed push: pushed again (works, failed again, or held)."""

    group: str
    app: str
    added: int = 0
    removed: int = 0
    error: str | None = None
    """Why it failed again."""
    held: str | None = None
    """The approval request it is held for (too many removals)."""
    removing: int = 0
    of: int = 0

    @property
    def status(self) -> str:
        """done when it works again, else failed."""
        return FAILED if self.error is not None or self.held is not None else DONE

    def to_json(self) -> dict[str, Any]:
        """{"held": [request id]} when held, else {}."""
        return {"held": [self.held]} if self.held is not None else {}


@dataclass(frozen=True)
class RuleRemoved(Outcome):
    """`rule remove NAME`: the rule is gone; the groups it pushed stay pushed."""

    name: str
    app: str

    def to_json(self) -> dict[str, Any]:
        """{} (docs/json.md)."""
        return {}


@dataclass(frozen=True)
class BulkDeactivated(Outcome):
    """`bulk deactivate`: the pushes paused (those already paused are left out)."""

    app: str
    groups: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        """{} (docs/json.md)."""
        return {}

    def rows(self) -> list[dict[str, Any]]:
        """One row per paused group."""
        return [{"group": g, "app": self.app, "status": "inactive"} for g in self.groups]


@dataclass(frozen=True)
class RepushStep:
    """What a repush did in one pushed group: added | removed | already a member |
    not a member | skipped (not in the app) | failed."""

    group: str
    app: str
    result: str
    error: str = ""


@dataclass(frozen=True)
class Repushed(Outcome):
    """`repush USER`: one user brought up to date in every pushed group they belong to."""

    login: str
    active: bool
    user_status: str
    steps: tuple[RepushStep, ...] = ()

    @property
    def status(self) -> str:
        """failed when any group failed."""
        return FAILED if any(s.result == "failed" for s in self.steps) else DONE

    def to_json(self) -> dict[str, Any]:
        """{} (docs/json.md)."""
        return {}

    def rows(self) -> list[dict[str, Any]]:
        """One row per pushed group."""
        return [asdict(s) for s in self.steps]


@dataclass(frozen=True)
class CommandHelp:
    """One command as `help` lists it."""

    usage: str
    summary: str
    kind: str


@dataclass(frozen=True)
class Commands(Outcome):
    """`help`: every command people can type."""

    commands: tuple[CommandHelp, ...]
    dry_run_flag: str = "--dry-run"

    def to_json(self) -> dict[str, Any]:
        """{"commands": [{usage, summary, kind}]}."""
        return {"commands": [asdict(c) for c in self.commands]}

    def rows(self) -> list[dict[str, Any]]:
        """One row per command."""
        return [asdict(c) for c in self.commands]


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
    def status(self) -> str:
        """failed when any app is unhealthy."""
        return DONE if all(a.healthy for a in self.apps) else FAILED

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
    status: str  # active | deactivated
    members: int
    last_push: datetime | None
    error: str | None
    drift: bool
    origin: str  # name | rule
    rule: str | None

    def to_json(self) -> dict[str, Any]:
        """JSON-ready (the time in ISO 8601)."""
        row = asdict(self)
        row["last_push"] = self.last_push.isoformat() if self.last_push else None
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

    def to_json(self) -> dict[str, Any]:
        """{"events": [{at, ...record}]}, oldest first."""
        return {"events": self.rows()}

    def rows(self) -> list[dict[str, Any]]:
        """One row per event."""
        return [{"at": dict(e.record)["time"], **dict(e.record)} for e in self.events]
