"""The organisation-wide removal guard (`safety.max_removals_per_sync`), like Entra's
accidental-deletions threshold: a sync plans every push it touches first, and when together
they would remove more memberships than the limit, all those removals wait as one approval
request bound to that plan, while additions go ahead. Approving removes exactly those."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from connectors.base import App, DirectorySnapshot
from engine.approvals.requests import (
    Ask,
    Carried,
    RequestNow,
    Target,
    fingerprint,
    new_request,
    pending_by_push,
    targets_of,
)
from engine.core import RefusalError
from engine.failures import PushFailed
from engine.fanout import one
from engine.operations import Sync
from engine.outcomes import PushPlan, SyncStep
from engine.outcomes.sync import KEY
from engine.protected import protected_by
from engine.push.apply import Guard, HeldForApproval, PushOutcome, push_mapping
from engine.push.member_plans import MembersPlanned, plan_pushes
from engine.push.members import MemberPlan
from engine.push.plan import SHOWN
from engine.service import GroupPushService, quoted
from engine.words import plural
from storage import repo
from storage.models import ApprovalRequest, PushMapping
from storage.statuses import PushStatus, RequestAction

ACTION = RequestAction.SYNC_REMOVALS


@dataclass(frozen=True)
class Removals:
    """The members a sync of one push would remove."""

    mapping_id: int
    app: str
    group: str
    group_id: str
    app_group_id: str | None
    remove: tuple[str, ...]

    def data(self) -> dict[str, Any]:
        """What the request's fingerprint is taken of."""
        return {"mapping_id": self.mapping_id, "app": self.app,
                "app_group_id": self.app_group_id, "remove": list(self.remove)}


@dataclass
class SyncHold:
    """Which pushes of a sync keep their removals back, and for which request."""

    waiting: dict[int, str] = field(default_factory=dict)
    """push id -> the id of the pending request its removals wait for"""
    steps: list[SyncStep] = field(default_factory=list)
    """The holds, as a sync's reply tells them."""
    plans: dict[int, MembersPlanned] = field(default_factory=dict)
    """push id -> its members plan, made once here and carried out by the push."""

    def requests(self) -> list[str]:
        """The ids of the requests this sync's removals wait for, each once."""
        return list(dict.fromkeys(self.waiting.values()))


def waits_for_held_sync(service: GroupPushService, mapping_id: int) -> bool:
    """Whether this push's removals wait for a pending held sync."""
    request = pending_by_push(service).get(mapping_id)
    return request is not None and request.action == ACTION


def keep_removals_back(group: str, app: str, plan: MemberPlan, pushed: int) -> MemberPlan:
    """A guard: the plan's additions go, its removals wait."""
    return MemberPlan(add=plan.add, remove={}, skipped=plan.skipped)


def exactly(remove: tuple[str, ...]) -> Guard:
    """A guard letting a push go only if it removes exactly the approved members."""
    def guard(group: str, app: str, plan: MemberPlan, pushed: int) -> None:
        if tuple(sorted(plan.remove)) != remove:
            raise HeldForApproval(group, app, len(plan.remove), pushed,
                                  tuple(sorted(plan.remove)))
    return guard


def removals_of(service: GroupPushService, snapshot: DirectorySnapshot, app: App,
                mappings: Iterable[PushMapping],
                plans: dict[int, MembersPlanned] | None = None) -> list[Removals]:
    """What syncing these pushes would remove, planned with reads only, all at once (pushes
    whose app group is not made yet remove nothing; a push that cannot be planned is left
    to meet and record its failure itself); each push's plan goes into `plans` when given."""
    by_id = {int(m.id or 0): m for m in mappings if m.app_group_id is not None}
    made = plan_pushes(service.db, app, snapshot, list(by_id)).made
    if plans is not None:
        plans.update(made)
    found = []
    for mapping_id, planned in made.items():
        remove = tuple(sorted(planned.plan.remove))
        if remove:
            m = by_id[mapping_id]
            found.append(Removals(mapping_id, app.name, m.group_name, m.group_id,
                                  m.app_group_id, remove))
    return sorted(found, key=lambda r: r.mapping_id)


def hold_over_limit(service: GroupPushService, snapshot: DirectorySnapshot,
                    work: dict[App, list[PushMapping]], actor: str) -> SyncHold:
    """Plan the removals of every push this sync touches (those waiting for a request of
    their own are left to it); over the limit, hold them all as one request."""
    pending = pending_by_push(service)
    hold = SyncHold()
    found: list[Removals] = []
    removals: dict[int, int] = {}
    for app, mappings in work.items():
        removals |= dict.fromkeys((int(m.id or 0) for m in mappings), 0)
        found += removals_of(service, snapshot, app,
                             [m for m in mappings if int(m.id or 0) not in pending], hold.plans)
    removals |= {r.mapping_id: len(r.remove) for r in found}
    decided = decide_hold(pending, removals, service.config.safety.max_removals_per_sync)
    hold.waiting.update(decided.waiting)
    for request_id in decided.requests():
        hold.steps.append(SyncStep("waiting", "", "", request_id=request_id))
    if decided.over:
        request_id = _ask(service, found, actor)
        hold.waiting.update((r.mapping_id, request_id) for r in found)
        hold.steps.append(SyncStep("over limit", "", ", ".join(dict.fromkeys(r.app for r in found)),
                                   request_id=request_id, removing=decided.removing,
                                   of=len(found), limit=decided.limit))
    return hold


def counted(found: list[Removals]) -> str:
    """"6 memberships in 3 groups on box, wiki"."""
    apps = ", ".join(dict.fromkeys(r.app for r in found))
    return (f"{plural(sum(len(r.remove) for r in found), 'membership')} in "
            f"{plural(len(found), 'group')} on {apps}")


def plan_text(found: list[Removals]) -> str:
    """The plan as a request shows it: each group's removals, first names."""
    lines = []
    for r in found[:SHOWN * 2]:
        names = ", ".join(r.remove[:SHOWN]) + (
            f" and {len(r.remove) - SHOWN} more" if len(r.remove) > SHOWN else "")
        lines.append(f"• {quoted(r.group)} on {r.app}: remove {len(r.remove)}: {names}")
    if len(found) > SHOWN * 2:
        lines.append(f"• and {plural(len(found) - SHOWN * 2, 'more group')}")
    return "Plan:\n" + "\n".join(lines)


def _ask(service: GroupPushService, found: list[Removals], actor: str) -> str:
    limit = service.config.safety.max_removals_per_sync
    apps = list(dict.fromkeys(r.app for r in found))
    ask = Ask(action=ACTION, app=",".join(apps),
              targets=tuple(Target(r.group_id, r.mapping_id, r.app_group_id, r.app)
                            for r in found),
              operation=Sync(apps[0] if len(apps) == 1 else None).to_dict(),
              plan=plan_text(found), plan_data=[r.data() for r in found],
              summary=f"let the sync remove {counted(found)} (more than {KEY}, {limit})")
    try:
        requested = new_request(service, ask, actor=actor, channel="")
    except RefusalError:  # another sync asked for some of them a moment ago: theirs stands
        pending = pending_by_push(service)
        return next(pending[r.mapping_id].id for r in found if r.mapping_id in pending)
    return requested.approval.id


@dataclass(frozen=True)
class HoldDecision:
    """Which pushes of a sync keep their removals back, decided once from the pending
    requests and the removals planned: the sync and its --dry-run both follow it."""

    waiting: dict[int, str]
    """push id -> the pending held sync its removals already wait for"""
    counted: tuple[int, ...]
    """The pushes whose removals count toward safety.max_removals_per_sync."""
    removing: int
    """Their removals together."""
    limit: int

    @property
    def over(self) -> bool:
        """Together they remove more than the limit: all of them wait as one request."""
        return self.removing > self.limit

    def held(self) -> set[int]:
        """The pushes whose removals wait."""
        return set(self.waiting) | (set(self.counted) if self.over else set())

    def requests(self) -> list[str]:
        """The ids of the pending requests removals already wait for, each once."""
        return list(dict.fromkeys(self.waiting.values()))


def decide_hold(pending: dict[int, ApprovalRequest], removals: dict[int, int],
                limit: int) -> HoldDecision:
    """The hold of a sync whose pushes (id -> how many members each would remove) meet these
    pending requests (by push id): a push waiting for a held sync keeps waiting; the
    removals of the others count toward the limit (a push waiting for a request of its own
    is left to it)."""
    waiting = {m: pending[m].id for m in removals
               if m in pending and pending[m].action == ACTION}
    counted = tuple(m for m, count in removals.items() if count and m not in pending)
    return HoldDecision(waiting, counted, sum(removals[m] for m in counted), limit)


def removals_now(service: GroupPushService, snapshot: DirectorySnapshot,
                 request: ApprovalRequest,
                 plans: dict[int, MembersPlanned] | None = None) -> tuple[list[Removals], int]:
    """What syncing the request's pushes would remove now (each push's plan into `plans`),
    and how many are gone or paused."""
    now: list[Removals] = []
    gone = 0
    for target in targets_of(request):
        with service.db.session() as session:
            mapping = session.get(PushMapping, target.mapping_id)
        if mapping is None or mapping.status != PushStatus.ACTIVE \
                or mapping.app not in service.apps:
            gone += 1
            continue
        found = removals_of(service, snapshot, service.apps[mapping.app], [mapping], plans)
        now += found or [Removals(target.mapping_id, mapping.app, mapping.group_name,
                                  mapping.group_id, mapping.app_group_id, ())]
    return sorted(now, key=lambda r: r.mapping_id), gone


def plan_release(service: GroupPushService, request: ApprovalRequest) -> RequestNow:
    """What approving a held sync would remove now, whether it is what it showed, and how
    to carry that out."""
    service.kept.refresh()  # the directory's latest word, as the next sync would read it
    snapshot = service.snapshot()
    planned: dict[int, MembersPlanned] = {}
    now, gone = removals_now(service, snapshot, request, planned)
    plans = tuple(PushPlan(group=r.group, app=r.app, app_group="keep", app_group_name=r.group,
                           app_group_id=r.app_group_id, remove=r.remove)
                  for r in now if r.remove)
    if gone or fingerprint([r.data() for r in now]) != request.fingerprint:
        left = [r for r in now if r.remove]
        why = f" {plural(gone, 'group')} no longer pushed or paused." if gone else ""
        return RequestNow(False, plans, (
            f"what it would remove is not what it showed.{why} Now the sync would remove "
            f"{plural(sum(len(r.remove) for r in left), 'membership')} in "
            f"{plural(len(left), 'group')}" + (f".\n{plan_text(left)}" if left else ".")
            + "\nThe next sync asks again if it is still over the limit."))
    return RequestNow(True, plans, carry=lambda: _remove(service, snapshot, request, now, planned))


def _remove(service: GroupPushService, snapshot: DirectorySnapshot, request: ApprovalRequest,
            found: list[Removals], planned: dict[int, MembersPlanned]) -> Carried:
    removed, failed = 0, []
    for r in found:
        why = protected_by(service.config, service.apps[r.app], r.group, r.app_group_id)
        if why:  # protected since it was asked: approval does not make it removable
            failed.append(f"{quoted(r.group)} on {r.app}: protected ({why}), left alone")
            continue

        def step(mapping_id: int, r: Removals = r) -> PushOutcome:
            with service.mapping_lock(mapping_id):
                return push_mapping(service.db, service.apps[r.app], snapshot, mapping_id,
                                    operation="sync", actor=request.decided_by,
                                    guard=exactly(r.remove),
                                    planned=planned.get(mapping_id))
        try:
            removed += one(service.db, service.apps[r.app], r.mapping_id, step, "sync").removed
        except HeldForApproval:
            failed.append(f"{quoted(r.group)} on {r.app}: changed meanwhile, left to the next "
                          "sync")
        except PushFailed as error:
            failed.append(f"{quoted(r.group)} on {r.app}: {error.failure.message}")
    outcome = (f"the sync removed {plural(removed, 'membership')} in "
               f"{plural(len(found) - len(failed), 'group')}.")
    with service.db.session() as session:
        repo.audit(session, request.decided_by, "sync removals",
                   f"{request.id}: {outcome[:-1]}, asked by {request.requested_by}")
    if failed:
        return Carried.failed(outcome + " Not done: " + "; ".join(failed))
    return Carried(outcome)
