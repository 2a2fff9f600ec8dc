"""Approval requests: asked, previewed, decided, pending."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from engine.core import DONE, FAILED, Outcome, Refusal, Status, plain
from engine.outcomes.plans import Planned, PushPlan
from engine.shapes import BOOL, STR, Shape, array, listed, obj
from storage.statuses import RequestAction, RequestStatus


@dataclass(frozen=True)
class Approval:
    """An approval request as it is shown. Its summary and plan are the words it was asked
    with, stored with it: an approver approves exactly what was shown."""

    id: str
    summary: str
    requested_by: str
    action: RequestAction
    status: RequestStatus
    expires_at: str
    plan: str
    decided_by: str = ""
    outcome: str = ""
    """What carrying it out did, as recorded when it was approved."""
    delete: bool = False

    shape: ClassVar[Shape] = obj({
        "id": STR, "summary": STR, "requested_by": STR, "action": STR,
        "status": {"enum": [s.value for s in RequestStatus]},
        "expires_at": STR, "plan": STR, "decided_by": STR, "outcome": STR, "delete": BOOL})


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
    decision: RequestStatus
    """approved, denied or withdrawn."""
    by: str
    failed: bool = False
    """Approved, but carrying it out failed in the app (approval.outcome says how)."""

    @property
    def status(self) -> Status:
        """failed when carrying it out failed, else done."""
        return FAILED if self.failed else DONE

    shape: ClassVar[Shape] = obj({"approval": Approval.shape})

    def to_json(self) -> dict[str, Any]:
        """{"approval": {...}}."""
        return {"approval": plain(self.approval)}


@dataclass(frozen=True)
class DecisionPlanned(Outcome):
    """`approve|deny|withdraw ID --dry-run`: what that decision would do now; nothing is
    decided. Approving carries out `plans` only when `matches` (else it is refused and
    changes nothing)."""

    approval: Approval
    decision: RequestStatus
    """approved, denied or withdrawn."""
    by: str
    plans: tuple[PushPlan, ...] = ()
    """What approving would carry out now (empty for deny and withdraw)."""
    matches: bool = True
    """The plan now is the plan the request showed."""
    plan_now: str = ""
    """The plan now in the request's own words, when it differs."""

    shape: ClassVar[Shape] = obj({"dry_run": {"const": True}, "approval": Approval.shape,
                                "decision": {"enum": ["approved", "denied", "withdrawn"]},
                                "matches": BOOL, "plan": array(PushPlan.shape)})

    def to_json(self) -> dict[str, Any]:
        """{"dry_run": true, "approval": {...}, "decision", "matches", "plan": [...]}."""
        return {"dry_run": True, "approval": plain(self.approval), "decision": self.decision,
                "matches": self.matches, "plan": [p.to_json() for p in self.plans]}

    def rows(self) -> list[dict[str, Any]]:
        """One row per app group."""
        return [p.to_json() for p in self.plans]


@dataclass(frozen=True)
class NotDecided(Refusal):
    """A decision refused (not allowed, too late, already decided, or the request's plan
    changed since it was asked): nothing changed; the request as it stands now."""

    approval: Approval | None = None
    plans: tuple[PushPlan, ...] = ()
    """Refused because its plan changed: what approving would carry out now instead."""

    def to_json(self) -> dict[str, Any]:
        """{"approval": {...}}, and {"plan": [...]} now, when its plan changed."""
        shown = {"approval": plain(self.approval)} if self.approval is not None else {}
        return shown | ({"plan": [p.to_json() for p in self.plans]} if self.plans else {})


@dataclass(frozen=True)
class PendingRequests(Outcome):
    """`requests`: the pending requests the asker may see."""

    requests: tuple[Approval, ...]
    approver: bool = False
    """The asker is an approver (and sees everyone's)."""

    shape: ClassVar[Shape] = listed("requests", Approval.shape)

    def to_json(self) -> dict[str, Any]:
        """{"requests": [approval...]}."""
        return {"requests": [plain(r) for r in self.requests]}

    def rows(self) -> list[dict[str, Any]]:
        """One row per request."""
        return [plain(r) for r in self.requests]
