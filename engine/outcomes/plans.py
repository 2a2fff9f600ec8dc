"""Previews: the exact plan of a --dry-run, one PushPlan per app group."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from engine.core import Outcome
from engine.shapes import BOOL, OPT_STR, STR, STRS, Shape, array, obj

if TYPE_CHECKING:
    from engine.core import Operation


@dataclass(frozen=True)
class PushPlan:
    """What a push would do to one app group."""

    group: str
    app: str
    app_group: str  # create | recreate | link | rename | keep | delete | none
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
        return bool(self.add or self.remove) or self.app_group in ("create", "recreate", "rename")

    @property
    def writes(self) -> bool:
        """Whether it writes anything to the app now (parts held for approval left out)."""
        if self.held:
            return False
        return bool(self.add or (self.remove and not self.removals_held)) or \
            self.app_group in ("create", "recreate", "rename")

    shape: ClassVar[Shape] = obj(
        {"group": STR, "app": STR,
         "app_group": {"enum": ["create", "recreate", "link", "rename", "keep", "delete"]},
         "app_group_name": STR, "app_group_id": OPT_STR, "add": STRS, "remove": STRS,
         "skipped": STRS, "held": BOOL},
        {"removals_held": BOOL})

    def to_json(self) -> dict[str, Any]:
        """JSON-ready: names as lists (members only when it unlinks)."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()
                if k != "members" or v is not None}


@dataclass(frozen=True)
class PlanNote:
    """A group a preview leaves out, and why: already pushed, refused, or its app failed."""

    group: str
    app: str
    why: str  # already pushed | refused | failed | waiting | over limit (a sync's holds)
    reason: str = ""
    rule: str | None = None
    request_id: str = ""
    """waiting: the pending request the group's removals wait for."""
    removing: int = 0
    """over limit: memberships the sync would hold back, in `groups` groups."""
    groups: int = 0
    limit: int = 0
    """over limit: safety.max_removals_per_sync."""


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
        return sum(1 for p in self.plans if p.writes)

    shape: ClassVar[Shape] = obj({"dry_run": {"const": True}, "plan": array(PushPlan.shape)})

    def to_json(self) -> dict[str, Any]:
        """{"dry_run": true, "plan": [...]} (docs/json.md)."""
        return {"dry_run": True, "plan": [p.to_json() for p in self.plans]}

    def rows(self) -> list[dict[str, Any]]:
        """One row per app group."""
        return [p.to_json() for p in self.plans]
