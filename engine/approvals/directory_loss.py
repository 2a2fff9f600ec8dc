"""The directory-loss guard (`safety.max_directory_loss`): a directory read that lost more
than that share of the pushed groups, or of their active memberships, since the last trusted
read is not trusted. A cut-off, emptied or replaced directory file, or an Okta read that
suddenly returns far fewer groups or members, holds every removal of the sync as one approval
request; additions go ahead. Approving trusts the read; the next whole read releases it.

A loss of one group, or of no more than `safety.min_group_size` memberships, is left to the
removal guards (a group deleted in the directory fails its push; it removes nothing)."""

from __future__ import annotations

from dataclasses import dataclass, field

from connectors.base import ACTIVE_STATUSES
from engine.approvals.requests import Ask, Carried, fingerprint, new_request, pending
from engine.core import RefusalError
from engine.operations import Sync
from engine.service import GroupPushService, quoted
from engine.words import plural
from storage import baseline, repo
from storage import kept as store
from storage.models import ApprovalRequest
from storage.statuses import RequestAction, RequestStatus

ACTION = RequestAction.DIRECTORY_LOSS
KEY = "safety.max_directory_loss"
SHOWN = 5


@dataclass(frozen=True)
class Loss:
    """What a read lost against the last trusted one, among the pushed groups."""

    groups: int
    """Pushed groups the last trusted read had."""
    lost: dict[str, str]
    """id -> name of the pushed groups the read no longer has."""
    members: int
    """Active memberships of those groups, as last trusted."""
    shrunk: dict[str, tuple[str, int, int]]
    """id -> (name, members then, members now) of the groups that lost members."""
    now: dict[str, int]
    """The read's active members per pushed group it still has, of those counted again."""
    gone: frozenset[str] = frozenset()
    """Every pushed group the read does not have (lost now, or trusted gone before)."""
    versions: dict[str, int] = field(default_factory=dict)
    """The kept versions `now` was counted at."""

    @property
    def members_lost(self) -> int:
        """Active memberships lost in all."""
        return sum(then - now for _, then, now in self.shrunk.values())

    def data(self) -> dict[str, object]:
        """What the request's fingerprint is taken of."""
        return {"lost": sorted(self.lost),
                "shrunk": {gid: [then, now] for gid, (_, then, now) in self.shrunk.items()}}

    def words(self) -> str:
        """"it lost 10 of 11 pushed groups (Team0, …) and 750 of 1,200 memberships"."""
        names = sorted(self.lost.values())
        shown = ", ".join(quoted(n) for n in names[:SHOWN]) + (
            f" and {len(names) - SHOWN} more" if len(names) > SHOWN else "")
        parts = [f"{len(self.lost)} of {plural(self.groups, 'pushed group')} ({shown})"] \
            if names else []
        if self.members_lost:
            parts.append(f"{self.members_lost} of {plural(self.members, 'active membership')}"
                         " of pushed groups")
        return "it lost " + " and ".join(parts)


@dataclass(frozen=True)
class LossHold:
    """A sync held by an untrusted read: the request it waits for, and what was lost."""

    request_id: str
    loss: Loss


def measure(service: GroupPushService) -> Loss:
    """The kept directory (just read) against the last trusted read, for the active pushes;
    a pushed group the guard never saw counts as many members as were last pushed from it.
    Only the groups whose kept version moved since they were trusted are counted again (the
    others have the members they had then): a sync with nothing changed counts none, and
    reads no total (a loss of nothing is judged without them)."""
    with service.db.session() as session:
        moved = baseline.moved(session)
        if not moved:  # nothing lost, nothing to count: the totals are not needed either
            return Loss(0, {}, 0, {}, {})
        groups, members = baseline.before_totals(session)
        versions = store.versions(session, moved)  # before counting: a later change is seen
        now = baseline.sizes_now(session, moved, ACTIVE_STATUSES)
    before = {gid: m.before for gid, m in moved.items() if m.before is not None}
    lost = {gid: moved[gid].name for gid in before if gid not in now}
    shrunk = {gid: (moved[gid].name, then, now.get(gid, 0)) for gid, then in before.items()
              if now.get(gid, 0) < then}
    return Loss(groups, lost, members, shrunk, now, frozenset(moved) - set(now), versions)


def too_much(service: GroupPushService, loss: Loss) -> bool:
    """Whether the read lost more than safety.max_directory_loss allows."""
    safety = service.config.safety
    limit = safety.max_directory_loss
    groups = len(loss.lost) > 1 and len(loss.lost) > limit * loss.groups
    members = (loss.members_lost > safety.min_group_size
               and loss.members_lost > limit * loss.members)
    return groups or members


def refuse_while_untrusted(service: GroupPushService, doing: str) -> None:
    """Refuse a change that would read the directory as it is, while a read is held as not
    trusted (a Push now would remove what the sync holds back)."""
    for request in pending(service):
        if request.action == ACTION:
            raise RefusalError(f"The directory's last read is not trusted (request "
                               f"{request.id}: {request.summary}), so {doing} is refused. "
                               f"`approve {request.id}` trusts it; a whole read releases it by "
                               "itself. Nothing was changed.")


def judge(service: GroupPushService, actor: str) -> LossHold | None:
    """Judge the read the kept directory now holds: trusted (it becomes the last trusted
    read, and a request waiting for an earlier read is withdrawn), or held (None: trusted)."""
    loss = measure(service)
    if not too_much(service, loss):
        _trust(service, loss, actor)
        return None
    return LossHold(_request_for(service, loss, actor), loss)


def trust_read(service: GroupPushService, expected: str) -> Carried:
    """Approving a held read: the directory as read now becomes the last trusted read, if
    it lost what the request showed (else nothing: changed)."""
    service.kept.refresh()
    loss = measure(service)
    if fingerprint(loss.data()) != expected:
        return Carried.changed(
            "the directory read now is not the one the request showed; the next sync "
            "judges it again" + (f" ({loss.words()})." if too_much(service, loss) else
                                 ": it is whole again, nothing is held."))
    with service.db.session() as session:
        baseline.trust(session, loss.now, loss.versions, loss.gone)
    return Carried("the directory read is trusted: the next sync pushes it, removals "
                   "included (the removal guards still apply).")


def _trust(service: GroupPushService, loss: Loss, actor: str) -> None:
    with service.db.session() as session:
        baseline.trust(session, loss.now, loss.versions, loss.gone)
    for request in pending(service):
        if request.action != ACTION:
            continue
        with service.db.session() as session:
            if repo.claim_request(session, request.id, RequestStatus.WITHDRAWN, actor,
                                  service.clock()):
                row = session.get(ApprovalRequest, request.id)
                if row is not None:
                    row.outcome = "the directory was read whole again: nothing to approve."
                repo.audit(session, actor, "withdraw",
                           f"{request.id}: the directory was read whole again")


def _request_for(service: GroupPushService, loss: Loss, actor: str) -> str:
    """The request this loss waits for: the one pending or denied for the very same loss,
    else a new one (a pending one for another loss is marked changed)."""
    wanted = fingerprint(loss.data())
    for request in pending(service):
        if request.action != ACTION:
            continue
        if request.fingerprint == wanted:
            return request.id
        with service.db.session() as session:
            repo.claim_request(session, request.id, RequestStatus.CHANGED, actor, service.clock())
    with service.db.session() as session:
        last = baseline.last_request(session, ACTION)
        if last is not None and last.fingerprint == wanted and last.status == RequestStatus.DENIED:
            return last.id
    limit = service.config.safety.max_directory_loss
    apps = sorted(service.apps)
    ask = Ask(action=ACTION, app=",".join(apps), targets=(), operation=Sync(None).to_dict(),
              plan=_plan_text(loss), plan_data=loss.data(),
              summary=f"trust a directory read that lost more than {KEY} ({limit:g}): "
                      f"{loss.words()}; until then the sync removes nothing")
    return new_request(service, ask, actor=actor, channel="").approval.id


def _plan_text(loss: Loss) -> str:
    lines = [f"• {quoted(name)}: {then} → {now} active members"
             for gid, (name, then, now) in sorted(loss.shrunk.items(), key=lambda i: i[1][0])
             if gid not in loss.lost]
    lines += [f"• {quoted(name)}: gone from the read" for name in sorted(loss.lost.values())]
    more = len(lines) - SHOWN * 2
    lines = lines[:SHOWN * 2] + ([f"• and {plural(more, 'more group')}"] if more > 0 else [])
    return ("Plan: trust this directory read; the sync then removes what it no longer has "
            "(the removal guards still apply).\n" + "\n".join(lines))
