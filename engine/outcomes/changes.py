"""Rules, bulk deactivation and repushing one user."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from engine.failures import Failure
from engine.outcomes.base import DONE, FAILED, Outcome


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
class SyncStep:
    """What a sync (or a new rule) did to one app group: pushed | failed | partly (pushed
    some, then failed) | held (too many removals: an approval request waits) | rule pushed |
    rule failed."""

    kind: str
    group: str
    app: str
    added: int = 0
    removed: int = 0
    renamed_from: str | None = None
    described: bool = False
    message: str = ""
    """Why it failed."""
    request_id: str = ""
    """The approval request a held step waits for."""
    removing: int = 0
    of: int = 0
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
    held: tuple[str, ...] = ()
    steps: tuple[SyncStep, ...] = ()

    @property
    def status(self) -> str:
        """failed when any group failed."""
        return FAILED if self.errors else DONE

    def to_json(self) -> dict[str, Any]:
        """groups, changed, added, removed, errors, held (docs/json.md)."""
        return {"groups": self.groups, "changed": self.changed, "added": self.added,
                "removed": self.removed, "errors": [e.to_dict() for e in self.errors],
                "held": list(self.held)}

    def rows(self) -> list[dict[str, Any]]:
        """One row per app group the sync touched."""
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

    def to_json(self) -> dict[str, Any]:
        """{"matches": [names]}."""
        return {"matches": list(self.matches)}

    def rows(self) -> list[dict[str, Any]]:
        """One row per group pushed (or refused) now."""
        return [asdict(s) for s in self.steps]
