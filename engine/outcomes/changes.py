"""Rules, bulk deactivation and repushing one user."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, ClassVar

from engine.core import DONE, FAILED, Outcome, Status
from engine.shapes import EMPTY, Shape


@dataclass(frozen=True)
class RuleRemoved(Outcome):
    """`rule remove NAME`: the rule is gone; the groups it pushed stay pushed."""

    name: str
    app: str

    shape: ClassVar[Shape] = EMPTY

    def to_json(self) -> dict[str, Any]:
        """{} (docs/json.md)."""
        return {}


@dataclass(frozen=True)
class BulkDeactivated(Outcome):
    """`bulk deactivate`: the pushes paused (those already paused are left out)."""

    app: str
    groups: tuple[str, ...]

    shape: ClassVar[Shape] = EMPTY

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
    def status(self) -> Status:
        """failed when any group failed."""
        return FAILED if any(s.result == "failed" for s in self.steps) else DONE

    shape: ClassVar[Shape] = EMPTY

    def to_json(self) -> dict[str, Any]:
        """{} (docs/json.md)."""
        return {}

    def rows(self) -> list[dict[str, Any]]:
        """One row per pushed group."""
        return [asdict(s) for s in self.steps]
