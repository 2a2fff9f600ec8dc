"""What a push of one group did: push, push now, activate, deactivate, ignore, Retry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from engine.core import DONE, FAILED, Outcome, Status
from engine.failures import Failure
from engine.shapes import EMPTY, FAILURE, INT, STR, STRS, Shape, array, obj


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
    by_okta: bool = False
    """Okta pushes this app's groups itself (okta_group_push): grouppush set Okta's mapping
    and sent no members."""


@dataclass(frozen=True)
class Pushed(PushResult):
    """`push GROUP to APP`: the app group created (or linked) and its members pushed."""

    linked: bool = False
    memberships: bool = True
    looks_like: tuple[str, ...] = ()
    """Other app groups of the app whose names look like this one's."""

    shape: ClassVar[Shape] = obj({"group": STR, "app": STR, "added": INT, "skipped": STRS})

    def to_json(self) -> dict[str, Any]:
        """group, app, added, skipped."""
        return {"group": self.group, "app": self.app, "added": self.added,
                "skipped": list(self.skipped)}


@dataclass(frozen=True)
class PushedNow(PushResult):
    """`now GROUP on APP`: the app group's members overwritten with the directory's."""

    additive: bool = False
    """Members only in the app were kept (the app's pushes are additive)."""

    shape: ClassVar[Shape] = obj({"group": STR, "app": STR, "added": INT, "removed": INT})

    def to_json(self) -> dict[str, Any]:
        """group, app, added, removed."""
        return {"group": self.group, "app": self.app, "added": self.added,
                "removed": self.removed}


@dataclass(frozen=True)
class Activated(PushResult):
    """`activate GROUP on APP`: resumed and caught up."""

    shape: ClassVar[Shape] = obj({"group": STR, "app": STR, "status": STR, "added": INT,
                                 "removed": INT})

    def to_json(self) -> dict[str, Any]:
        """group, app, status, added, removed."""
        return {"group": self.group, "app": self.app, "status": "active", "added": self.added,
                "removed": self.removed}


@dataclass(frozen=True)
class Deactivated(Outcome):
    """`deactivate GROUP on APP`: paused; the app group stays."""

    group: str
    app: str

    shape: ClassVar[Shape] = obj({"group": STR, "app": STR, "status": STR})

    def to_json(self) -> dict[str, Any]:
        """group, app, status."""
        return {"group": self.group, "app": self.app, "status": "inactive"}


@dataclass(frozen=True)
class DriftIgnored(Outcome):
    """`ignore GROUP on APP`: keep the drift the app has; it is not told again."""

    group: str
    app: str
    by: str

    shape: ClassVar[Shape] = EMPTY

    def to_json(self) -> dict[str, Any]:
        """{} (docs/json.md)."""
        return {}


@dataclass(frozen=True)
class Retried(Outcome):
    """`retry GROUP on APP` and the Retry button of a failed push: pushed again (works, failed
    again, or held)."""

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
    failure: Failure | None = None
    """The failure as recorded (its Information details), when it failed again."""

    @property
    def status(self) -> Status:
        """done when it works again, else failed."""
        return FAILED if self.error is not None or self.held is not None else DONE

    shape: ClassVar[Shape] = obj({"fixed": STRS, "errors": array(FAILURE), "held": STRS},
                                {"retry": INT})

    def to_json(self) -> dict[str, Any]:
        """{"fixed": [group] | [], "errors": [failure], "held": [request id]}, and "retry"
        (the push's id) when it failed again (docs/json.md)."""
        failures = [self.failure.to_dict()] if self.failure is not None else []
        data: dict[str, Any] = {"fixed": [self.group] if self.ok else [], "errors": failures,
                                "held": [self.held] if self.held is not None else []}
        if self.failure is not None and self.failure.mapping_id:
            data["retry"] = self.failure.mapping_id
        return data
