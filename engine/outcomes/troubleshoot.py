"""For troubleshooting: `retry APP --all` (Okta's "Retry All Groups") and `explain LOGIN in GROUP
on APP` (each fact that decides whether one person is in one app group)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from engine.core import DONE, FAILED, Outcome, Status
from engine.failures import Failure
from engine.outcomes.pushes import Retried
from engine.shapes import BOOL, OPT_STR, STR, Shape, obj


@dataclass(frozen=True)
class HeldRetry:
    """A retried push that would remove too many members: it waits for an approver."""

    group: str
    request_id: str
    removing: int
    of: int


@dataclass(frozen=True)
class RetriedAll(Outcome):
    """`retry APP --all`: every push of APP that had an error, pushed again."""

    app: str
    fixed: tuple[str, ...] = ()
    """The groups that work again."""
    failures: tuple[Failure, ...] = ()
    """What still fails, as recorded (with its Information details)."""
    held: tuple[HeldRetry, ...] = ()
    left_alone: tuple[str, ...] = ()
    """Pushes with an error not retried: deactivated (`activate` resumes them) or protected."""

    @property
    def status(self) -> Status:
        """done when every retried push works again, else failed."""
        return FAILED if self.failures or self.held else DONE

    shape: ClassVar[Shape] = Retried.shape

    def to_json(self) -> dict[str, Any]:
        """{"fixed": [...], "errors": [failure...], "held": [request id...]} (docs/json.md)."""
        return {"fixed": list(self.fixed), "errors": [f.to_dict() for f in self.failures],
                "held": [h.request_id for h in self.held]}

    def rows(self) -> list[dict[str, Any]]:
        """One row per retried push."""
        return ([{"group": g, "app": self.app, "result": "fixed"} for g in self.fixed]
                + [{"group": f.group, "app": self.app, "result": "failed",
                    "message": f.message} for f in self.failures]
                + [{"group": h.group, "app": self.app, "result": "held",
                    "request": h.request_id} for h in self.held])


NEXT_SYNC = ("add", "remove", "none")


@dataclass(frozen=True)
class Explained(Outcome):
    """`explain LOGIN in GROUP on APP`: the facts, in the order an admin checks them, each
    "no" with its reason (in `reasons`, by fact)."""

    user: str
    group: str
    app: str
    in_directory_group: bool
    active: bool
    user_status: str
    """The user's directory status (ACTIVE, SUSPENDED, ...); `status` in its JSON."""
    app_user: str | None
    """The app user the login matched; None: not provisioned in the app."""
    push: str
    """The push: active, inactive, or none (not pushed)."""
    pushed: bool
    """grouppush pushed this membership (it is in the last pushed members)."""
    in_app_group: bool | None
    """Read from the app now; None when there is no app group to read."""
    next_sync: str
    """What the next sync does for this person: add, remove or none."""
    reasons: tuple[tuple[str, str], ...] = ()
    """(fact, why) for each "no", and for next_sync."""
    drift_ignored_by: str = ""

    def reason(self, fact: str) -> str:
        """Why a fact is "no" (empty when it is "yes")."""
        return dict(self.reasons).get(fact, "")

    shape: ClassVar[Shape] = obj({"user": STR, "group": STR, "app": STR, "in_directory_group": BOOL,
                                "active": BOOL, "status": STR, "app_user": OPT_STR,
                                "push": {"enum": ["active", "inactive", "none"]},
                                "pushed": BOOL, "in_app_group": {"type": ["boolean", "null"]},
                                "next_sync": {"enum": list(NEXT_SYNC)},
                                "reasons": {"type": "object", "additionalProperties": STR}})

    def to_json(self) -> dict[str, Any]:
        """The facts and their reasons (docs/json.md)."""
        return {"user": self.user, "group": self.group, "app": self.app,
                "in_directory_group": self.in_directory_group, "active": self.active,
                "status": self.user_status, "app_user": self.app_user, "push": self.push,
                "pushed": self.pushed, "in_app_group": self.in_app_group,
                "next_sync": self.next_sync, "reasons": dict(self.reasons)}
