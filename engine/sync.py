"""The sync: directory changes pushed for every active push, new rule matches pushed, and
mass removals held for approval."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from connectors.base import App, DirectorySnapshot, MappingApp
from engine.approvals import directory_loss
from engine.approvals.held_sync import SyncHold, hold_over_limit, keep_removals_back
from engine.approvals.requests import Ask, Target, new_request, pending_by_push, pending_for
from engine.core import RefusalError
from engine.failures import Failure, PushFailed
from engine.fanout import Done, FailedStep, Held, fan_out
from engine.okta_push import poll as okta_poll
from engine.operations import Sync
from engine.outcomes import Synced, SyncStep
from engine.protected import patterns, protected_by
from engine.push.apply import HeldForApproval, PushOutcome, push_mapping
from engine.push.member_plans import MembersPlanned
from engine.push.members import MemberPlan
from engine.rules import matching_groups
from engine.service import GroupPushService, quoted
from storage import kept as store
from storage import repo
from storage.models import PushMapping
from storage.statuses import PushStatus, RequestAction
from telemetry import metrics


@dataclass
class SyncReport:
    """What one sync did, per app group, for replies and alerts."""

    groups: int = 0
    changed: int = 0
    added: int = 0
    removed: int = 0
    steps: list[SyncStep] = field(default_factory=list)
    """What happened to each app group that changed, failed or is held."""
    errors: list[Failure] = field(default_factory=list)
    """The failures, as recorded (engine/failures.py)."""
    held: list[str] = field(default_factory=list)


def removal_guard(service: GroupPushService) -> Any:
    """Hold a plan that removes more than the configured share of a big enough group."""
    safety = service.config.safety

    def guard(group: str, app: str, plan: MemberPlan, pushed: int) -> None:
        if pushed > safety.min_group_size and len(plan.remove) > safety.max_removal_share * pushed:
            raise HeldForApproval(group, app, len(plan.remove), pushed,
                                  tuple(sorted(plan.remove)))

    return guard


def sync_one(service: GroupPushService, snapshot: DirectorySnapshot, app: App,
             mapping_id: int, *, actor: str, hold_removals: bool = False,
             planned: MembersPlanned | None = None) -> PushOutcome:
    """Push the directory changes of one mapping, against what was last pushed (carrying out
    `planned` when it is still current); with `hold_removals`, only its additions (its
    removals wait for a held sync's approval)."""
    guard = keep_removals_back if hold_removals else removal_guard(service)
    with service.mapping_lock(mapping_id):
        return push_mapping(service.db, app, snapshot, mapping_id, operation="sync",
                            actor=actor, guard=guard, planned=planned)


def apply_rules(service: GroupPushService, snapshot: DirectorySnapshot, app: App,
                actor: str, report: SyncReport | None = None) -> list[SyncStep]:
    """Push the groups that rules of this app match and that are not pushed yet; a report
    given counts each pushed group as changed and each refusal or failure as an error."""
    report = report if report is not None else SyncReport()
    with service.db.session() as session:
        rules = repo.list_rules(session, app.name)
        pushed = repo.pushed_group_ids(session, app.name) if rules else set()
    steps = []
    for rule in rules:
        for group in matching_groups(rule.kind, rule.pattern, snapshot.groups.values()):
            if group.id in pushed:
                continue
            pushed.add(group.id)
            why = protected_by(service.config, app, group.name)
            if why:
                steps.append(SyncStep("rule skipped", group.name, app.name, message=why,
                                      rule=rule.name))
                continue
            try:
                outcome = service.start_push(snapshot, group, app, actor, memberships=True,
                                             via=f"rule:{rule.name}")
            except (RefusalError, PushFailed) as error:
                failure = error.failure if isinstance(error, PushFailed) else Failure(
                    None, group.name, app.name, f"rule {rule.name}", str(error), None, "")
                report.errors.append(failure)
                steps.append(SyncStep("rule failed", group.name, app.name,
                                      message=failure.message, rule=rule.name))
            else:
                report.groups += 1
                report.changed += 1
                report.added += outcome.added
                steps.append(SyncStep("rule pushed", group.name, app.name, outcome.added,
                                      rule=rule.name))
    return steps


def hold_for_approval(service: GroupPushService, mapping: PushMapping, held: HeldForApproval,
                      actor: str) -> str:
    """The id of the approval request a held sync of this push waits for (made once)."""
    waiting = pending_for(service, mapping.app, {mapping.group_id})
    if waiting is not None:
        return waiting.id
    target = Target(mapping.group_id, int(mapping.id or 0), mapping.app_group_id)
    shown = ", ".join(held.remove[:10]) + (" …" if len(held.remove) > 10 else "")
    ask = Ask(action=RequestAction.SYNC_REMOVAL, app=mapping.app, targets=(target,),
              operation=Sync(mapping.app).to_dict(),
              plan=f"• remove {held.removing} of {held.of} members of "
                   f"{quoted(mapping.group_name)} on {mapping.app}: {shown}",
              plan_data={"app_group_id": mapping.app_group_id, "remove": list(held.remove)},
              summary=f"let the sync remove {held.removing} of {held.of} members "
                      f"of {quoted(mapping.group_name)} on {mapping.app}")
    requested = new_request(service, ask, actor=actor, channel="")
    return requested.approval.id


def run_sync(service: GroupPushService, app_name: str | None, actor: str, *,
             full: bool = False, groups: set[str] | None = None) -> SyncReport:
    """Sync every active push of one app (or all), a few groups at once per app: the kept
    directory is brought up to date first (a delta; a full read with `full` or when due).
    With `groups`, only the pushes of those directory groups (kept already up to date).
    Removals over safety.max_removals_per_sync in total wait for approval (sync_hold.py)."""
    apps = [service.find_app(app_name)] if app_name else list(service.apps.values())
    if groups is None:
        service.kept.refresh(full=full)
    snapshot = service.snapshot()
    report = SyncReport()
    untrusted = directory_loss.judge(service, actor)
    if groups is None:
        for app in apps:
            report.steps += apply_rules(service, snapshot, app, actor, report)
    if groups is not None or full:
        work = {app: unprotected(service, app, active_pushes(service, app.name, groups), report)
                for app in apps}
    else:  # a quiet sync plans nothing, and reads only the pushes it plans
        work = {app: touched(service, app, report) for app in apps}
    with service.db.session() as session:  # read before any plan: a change after is not missed
        seen = store.versions(session, [m.group_id for ms in work.values() for m in ms])
    hold = hold_over_limit(service, snapshot, work, actor) if untrusted is None \
        else hold_all(untrusted, work)
    report.held += hold.requests()
    report.steps += hold.steps
    for app, mappings in work.items():
        _fan_out(service, snapshot, app, mappings, hold, actor, report, seen)
        if groups is None:  # after the pushes: a mapping found in error is retried next time
            _learn_from_okta(service, snapshot, app, full, actor, report)
        metrics.record_sync(app.name, not any(e.app == app.name for e in report.errors))
    return report


def _learn_from_okta(service: GroupPushService, snapshot: DirectorySnapshot, app: App,
                     full: bool, actor: str, report: SyncReport) -> None:
    """For an okta_group_push app, what Okta did since the last sync (engine/okta_push/poll.py):
    mappings made in Okta's admin console, and mappings Okta newly has in error."""
    if not isinstance(app, MappingApp):
        return

    def name_of(group_id: str) -> str | None:
        group = snapshot.groups.get(group_id)
        return group.name if group else None

    polled = okta_poll.poll(service.db, app, name_of, full=full, actor=actor)
    report.steps += [SyncStep("found", name, app.name) for name in polled.found]
    report.errors += polled.failures
    report.steps += [SyncStep("failed", f.group, app.name, message=f.message)
                     for f in polled.failures]


def unprotected(service: GroupPushService, app: App, mappings: list[PushMapping],
                report: SyncReport) -> list[PushMapping]:
    """The pushes a sync may touch; a protected app group is skipped with a note."""
    kept = []
    for m in mappings:
        why = protected_by(service.config, app, m.app_group_name or m.group_name,
                           m.app_group_id)
        if why:
            report.steps.append(SyncStep("protected", m.group_name, app.name, message=why))
        else:
            kept.append(m)
    return kept


def hold_all(untrusted: directory_loss.LossHold, work: dict[App, list[PushMapping]],
             ) -> SyncHold:
    """A read not trusted: every push keeps its removals back, and the pushes of groups
    the read lost wait whole (they are not failures: the read is in doubt)."""
    hold = SyncHold(steps=[SyncStep("untrusted read", "", ", ".join(a.name for a in work),
                                    message=untrusted.loss.words(),
                                    request_id=untrusted.request_id)])
    for mappings in work.values():
        mappings[:] = [m for m in mappings if m.group_id not in untrusted.loss.lost]
        hold.waiting.update((int(m.id or 0), untrusted.request_id) for m in mappings)
    hold.waiting.setdefault(0, untrusted.request_id)  # told once even if no push is left
    return hold


def active_pushes(service: GroupPushService, app: str,
                  groups: set[str] | None = None) -> list[PushMapping]:
    """The active pushes of an app (of these directory groups only, when given)."""
    with service.db.session() as session:
        return [m for m in repo.list_mappings(session, app, PushStatus.ACTIVE)
                if groups is None or m.group_id in groups]


def touched(service: GroupPushService, app: App, report: SyncReport) -> list[PushMapping]:
    """The unprotected active pushes of an app a sync plans: their kept group changed since
    their last whole push (or is gone), they failed, never reached their app, or wait for a
    request; the others, counted into the report, have nothing to send (their members,
    names and statuses are as last pushed), and are not read."""
    pending = pending_by_push(service)
    with service.db.session() as session:  # a quiet sync counts, and loads no push row
        count, moved = repo.active_and_moved(session, app.name, pending)
        planned = repo.moved_mappings(session, app.name, pending) if moved else []
    if may_protect(service, app):  # the protected ones are told at every sync
        kept = unprotected(service, app, active_pushes(service, app.name), report)
        ids, count = {int(m.id or 0) for m in kept}, len(kept)
        planned = [m for m in planned if int(m.id or 0) in ids]
    report.groups += count - len(planned)
    return planned


def may_protect(service: GroupPushService, app: App) -> bool:
    """Whether any group of this app can be protected (a pattern, or the app's own word)."""
    return bool(patterns(service.config, app)) or callable(getattr(app, "privileged", None))


def _fan_out(service: GroupPushService, snapshot: DirectorySnapshot, app: App,
             mappings: list[PushMapping], hold: SyncHold, actor: str,
             report: SyncReport, seen: dict[str, int]) -> None:
    """Sync these pushes of one app, a few at once, into the report; those pushed whole
    record the kept version `seen` before they were planned."""
    by_id = {int(m.id or 0): m for m in mappings}

    def work(mapping_id: int) -> PushOutcome:
        return sync_one(service, snapshot, app, mapping_id, actor=actor,
                        hold_removals=mapping_id in hold.waiting,
                        planned=hold.plans.get(mapping_id))

    whole = []
    for result in fan_out(service.db, app, list(by_id), work, "sync"):
        report.groups += 1
        _count(service, report, by_id[result.mapping_id], result, actor)
        if isinstance(result, Done) and result.failure is None \
                and result.mapping_id not in hold.waiting:
            whole.append(result.mapping_id)
    with service.db.session() as session:
        repo.set_synced_versions(session, {m: seen[by_id[m].group_id] for m in whole
                                           if by_id[m].group_id in seen})


def _count(service: GroupPushService, report: SyncReport, mapping: PushMapping,
           result: Done[PushOutcome] | FailedStep | Held, actor: str) -> None:
    """One mapping's sync, into the report."""
    if isinstance(result, Held):
        request_id = hold_for_approval(service, mapping, result.held, actor)
        report.held.append(request_id)
        report.steps.append(SyncStep("held", result.held.group, result.held.app,
                                     request_id=request_id, removing=result.held.removing,
                                     of=result.held.of))
        return
    if isinstance(result, FailedStep):
        report.errors.append(result.failure)
        report.steps.append(SyncStep("failed", mapping.group_name, mapping.app,
                                     message=result.failure.message))
        return
    outcome = result.value
    report.added += outcome.added
    report.removed += outcome.removed
    if result.failure is not None:
        report.errors.append(result.failure)
        report.steps.append(SyncStep("partly", outcome.group, mapping.app, outcome.added,
                                     outcome.removed, message=result.failure.message))
    elif outcome.added or outcome.removed or outcome.renamed_from or outcome.described:
        report.changed += 1
        report.steps.append(SyncStep("pushed", outcome.group, mapping.app, outcome.added,
                                     outcome.removed, outcome.renamed_from,
                                     outcome.described))


def sync(service: GroupPushService, app_name: str | None, actor: str,
         full: bool = False) -> Synced:
    """`sync [APP] [--full]`: push directory changes now (--full: read the whole directory)."""
    return synced(app_name, run_sync(service, app_name, actor, full=full))


def synced(app_name: str | None, report: SyncReport) -> Synced:
    """A sync's report as its typed outcome."""
    return Synced(app_name, report.groups, report.changed, report.added, report.removed,
                  tuple(report.errors), tuple(report.held), tuple(report.steps))
