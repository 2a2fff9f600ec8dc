"""The sync and a new rule's first pushes: what happened to each app group, and holds."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, ClassVar

from engine.core import DONE, FAILED, Outcome, Status
from engine.failures import Failure
from engine.shapes import INT, STR, STRS, Shape, array, obj

KEY = "safety.max_removals_per_sync"
"""The setting over which a sync's removals wait for approval (engine/sync_hold.py)."""

@dataclass(frozen=True)
class SyncStep:
    """What a sync (or a new rule) did to one app group, or a hold of its removals.

    kind: pushed | partly (pushed some, then failed) | failed | held (this group's removal
    guard: a request waits) | rule pushed | rule failed | waiting (removals wait for a
    pending request) | over limit (the organisation-wide removal guard asked a request) |
    untrusted read (the directory-loss guard holds every removal; message: what was lost) |
    protected (a protected app group the sync leaves alone) | rule skipped (a rule's match
    that is protected; message: why)."""

    kind: str
    group: str
    app: str
    """The app; for `over limit`, every app the held removals are on, comma-separated."""
    added: int = 0
    removed: int = 0
    renamed_from: str | None = None
    described: bool = False
    message: str = ""
    """Why it failed."""
    request_id: str = ""
    """The approval request held removals wait for."""
    removing: int = 0
    """Memberships held back (held: of this group; over limit: in all)."""
    of: int = 0
    """held: members pushed; over limit: groups whose removals are held."""
    limit: int = 0
    """over limit: safety.max_removals_per_sync."""
    rule: str = ""


@dataclass(frozen=True)
class Synced(Outcome):
    """`sync [APP]`: the pushes synced, what changed, what failed and what is held."""

    app: str | None
    groups: int
    changed: int
    added: int
    removed: int
    errors: tuple[Failure, ...] = ()
    """The failures, as recorded (engine/failures.py)."""
    held: tuple[str, ...] = ()
    """The ids of the approval requests held removals wait for."""
    steps: tuple[SyncStep, ...] = ()

    @property
    def status(self) -> Status:
        """failed when any group failed."""
        return FAILED if self.errors else DONE

    shape: ClassVar[Shape] = obj({"groups": INT, "changed": INT, "added": INT, "removed": INT,
                                "errors": array(obj({"group": STR, "app": STR,
                                                     "operation": STR, "message": STR})),
                                "held": STRS})

    def to_json(self) -> dict[str, Any]:
        """groups, changed, added, removed, errors, held (docs/json.md)."""
        return {"groups": self.groups, "changed": self.changed, "added": self.added,
                "removed": self.removed, "errors": [e.to_dict() for e in self.errors],
                "held": list(self.held)}

    def rows(self) -> list[dict[str, Any]]:
        """One row per app group the sync changed, failed or held."""
        return [asdict(s) for s in self.steps]


@dataclass(frozen=True)
class RuleAdded(Outcome):
    """`rule add`: the rule saved, the groups it matches, and what pushing them did."""

    name: str
    app: str
    kind: str
    pattern: str
    matches: tuple[str, ...]
    steps: tuple[SyncStep, ...] = ()

    shape: ClassVar[Shape] = obj({"matches": STRS})

    def to_json(self) -> dict[str, Any]:
        """{"matches": [names]} (docs/json.md)."""
        return {"matches": list(self.matches)}

    def rows(self) -> list[dict[str, Any]]:
        """One row per group pushed (or refused) now."""
        return [asdict(s) for s in self.steps]
