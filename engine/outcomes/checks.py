"""The drift check: per app, the groups read, the drift found and the reads that failed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from engine.core import DONE, FAILED, Outcome, Status
from engine.drift import DriftReport
from engine.failures import Failure
from engine.shapes import BOOL, FAILURE, INT, OPT_STR, STR, STRS, Shape, array, obj


@dataclass(frozen=True)
class DriftFinding:
    """One checked push: its report and whether this drift is new, seen before or gone."""

    mapping_id: int
    report: DriftReport
    state: str  # clean | new | unchanged | ignored | resolved
    ignored_by: str = ""

    shape: ClassVar[Shape] = obj({"group": STR, "app": STR, "missing": STRS,
                                     "unexpected": STRS, "group_gone": BOOL,
                                     "renamed_to": OPT_STR, "state": STR, "ignored_by": OPT_STR})

    def to_json(self) -> dict[str, Any]:
        """One drifted group as data: what the app lacks and what it has more."""
        report = self.report
        return {"group": report.group, "app": report.app, "missing": list(report.missing),
                "unexpected": list(report.unexpected), "group_gone": report.group_gone,
                "renamed_to": report.renamed_to, "state": self.state,
                "ignored_by": self.ignored_by or None}


@dataclass(frozen=True)
class AppChecked:
    """One app's check: how many pushed groups were read, which drifted, which failed."""

    app: str
    checked: int
    drift: tuple[DriftFinding, ...] = ()
    """The drifted groups only (new, seen before or ignored)."""
    failures: tuple[Failure, ...] = ()
    """The groups that could not be read, as recorded (`info` shows them)."""
    not_read: str = ""
    """Why this app's groups are not read at all (Okta pushes them itself), or ""."""


@dataclass(frozen=True)
class DriftChecked(Outcome):
    """`check [APP]`: failed when drift is found (not ignored) or a group could not be read."""

    app: str | None
    apps: tuple[AppChecked, ...]

    @property
    def checked(self) -> int:
        """Pushed groups read, every app."""
        return sum(a.checked for a in self.apps)

    @property
    def drift(self) -> tuple[DriftFinding, ...]:
        """Every drifted group, app by app."""
        return tuple(d for a in self.apps for d in a.drift)

    @property
    def failures(self) -> tuple[Failure, ...]:
        """Every group that could not be read."""
        return tuple(f for a in self.apps for f in a.failures)

    @property
    def reported(self) -> tuple[DriftFinding, ...]:
        """The drift that makes the check fail: all but the ignored."""
        return tuple(d for d in self.drift if d.state != "ignored")

    @property
    def status(self) -> Status:
        """failed on drift not ignored or a group not read."""
        return FAILED if self.reported or self.failures else DONE

    shape: ClassVar[Shape] = obj({"checked": INT, "drift": array(DriftFinding.shape),
                                "errors": array(FAILURE)})

    def to_json(self) -> dict[str, Any]:
        """{"drift": [...], "errors": [failure details], "checked": n}."""
        return {"drift": self.rows(), "errors": [f.to_dict() for f in self.failures],
                "checked": self.checked}

    def rows(self) -> list[dict[str, Any]]:
        """One row per drifted group."""
        return [d.to_json() for d in self.drift]
