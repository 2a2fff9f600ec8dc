"""What operations did, as data: typed outcomes with their numbers and names and no words.

The bot renders them (bot/views/words: text for the console and the CLI, Block Kit for
Slack, an HTML table in a notebook); `to_json()` is the documented `data` of `--json`
(docs/json.md) and `rows()` a table of it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import TYPE_CHECKING, Any

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
    removals_held: bool = False
    """A sync would add, but keep the removals back for approval (too many in total)."""

    @property
    def changes(self) -> bool:
        """Whether carrying it out writes anything to the app."""
        return bool(self.add or self.remove) or self.app_group in ("create", "rename")

    @property
    def writes(self) -> bool:
        """Whether it writes anything to the app now (parts held for approval left out)."""
        if self.held:
            return False
        return bool(self.add or (self.remove and not self.removals_held)) or \
            self.app_group in ("create", "rename")

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

    @property
    def writes(self) -> int:
        """How many app groups carrying it out would change (held ones excluded)."""
        return sum(1 for p in self.plans if p.writes)

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
