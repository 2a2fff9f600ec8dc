"""Drift checks: read each active app group and compare it with what was last pushed."""

from __future__ import annotations

from dataclasses import replace

from connectors.base import App, MappingApp
from engine.core import Context, quote
from engine.drift import DriftReport, compare_members, report_to_json
from engine.failures import Failure, clear_failure, current_failure
from engine.fanout import Done, FailedStep, fan_out
from engine.okta_push.info import not_read
from engine.okta_push.poll import errors as okta_errors
from engine.operations import Check
from engine.outcomes import AppChecked, DriftChecked, DriftFinding
from engine.registry import handles
from engine.service import GroupPushService
from storage import plan_reads, repo
from storage.models import PushMapping
from storage.statuses import PushStatus


def read_drift(service: GroupPushService, app: App, mapping: PushMapping) -> DriftReport:
    """Compare one app group with its last pushed members."""
    name = mapping.group_name
    if not mapping.app_group_id:
        return DriftReport(group=name, app=app.name)
    found = app.read_group(mapping.app_group_id)
    if found is None:
        return DriftReport(group=name, app=app.name, group_gone=True)
    group, in_app = found
    with service.db.session() as session:
        pushed = repo.pushed_members(session, int(mapping.id or 0))
        pushed_ids = set(pushed.values())
        others = [uid for uid in in_app if uid not in pushed_ids]  # the pushed are known
        known = repo.logins_by_app_id(session, app.name, others) if others else {}
    unnamed = [uid for uid in others if uid not in known and not in_app[uid]]
    if unnamed:
        known.update(app.user_logins(unnamed))
    report = compare_members(name, app.name, pushed, in_app, known)
    expected = mapping.app_group_name or name
    if group.name != expected:  # a sync may have followed a directory rename since the check began
        with service.db.session() as session:
            fresh = session.get(PushMapping, mapping.id)
            expected = (fresh.app_group_name or fresh.group_name) if fresh else expected
    if group.name != expected:
        return DriftReport(group=name, app=app.name, missing=report.missing,
                           unexpected=report.unexpected, renamed_to=group.name)
    return report


def never_reached(app: App, mapping: PushMapping) -> Failure:
    """A push with no app group: never "no drift". Its recorded failure (the push's own), or,
    while its first push has not got that far, that it has not reached the app yet."""
    return current_failure(mapping) or Failure(
        int(mapping.id or 0), mapping.group_name, app.name, "drift check",
        f"{app.name} has no group for {mapping.group_name} yet: its push has not reached the "
        "app", None, f"`now {quote(mapping.group_name)} on {app.name}` pushes it.")


def _record(service: GroupPushService, reports: dict[int, DriftReport],
            record: bool = True) -> list[DriftFinding]:
    """The findings of these pushes' checks (mapping id -> report, in that order), remembered
    in one transaction (not with record=False: check --dry-run, which tells what a check
    finds and leaves the drift to the next check to remember). A push removed while it
    was checked has no finding."""
    findings = []
    with service.db.session() as session:
        rows = plan_reads.mappings(session, reports)
        if not record:
            session.expunge_all()  # what follows changes copies nothing writes back
        for mapping_id, report in reports.items():
            if mapping_id in rows:
                findings.append(_finding(rows[mapping_id], report))
    return findings


def _finding(row: PushMapping, report: DriftReport) -> DriftFinding:
    """One push's finding, its row changed to remember it."""
    before, ignored_by = row.drift_fingerprint, row.drift_ignored_by
    clear_failure(row, "drift check")
    now = report.fingerprint
    row.drift_detail = report_to_json(report) if now else ""
    if not now:
        state = "resolved" if before else "clean"
        row.drift_fingerprint, row.drift_ignored_by = "", ""
    elif now == before:
        state = "ignored" if ignored_by else "unchanged"
    else:
        state = "new"
        row.drift_fingerprint, row.drift_ignored_by = now, ""
        ignored_by = ""
    return DriftFinding(mapping_id=int(row.id or 0), report=report, state=state,
                        ignored_by=ignored_by)


def check(service: GroupPushService, app_name: str | None,
          actor: str, record: bool = True) -> tuple[DriftChecked, list[DriftFinding]]:
    """Check every active push (of one app or all) for drift: the outcome (failed on drift)
    and every finding, clean ones included; record=False remembers no drift (a read that
    fails is recorded all the same: one error policy)."""
    apps = [service.find_app(app_name)] if app_name else list(service.apps.values())
    findings: list[DriftFinding] = []
    checked: list[AppChecked] = []
    for app in apps:
        found, failures = _check_app(service, app, record)
        findings += found
        checked.append(AppChecked(app.name, len(found),
                                  tuple(f for f in found if f.report.drifted), tuple(failures),
                                  not_read(app.name) if isinstance(app, MappingApp)
                                  else ""))
    return DriftChecked(app_name, tuple(checked)), findings


def _check_app(service: GroupPushService, app: App,
               record: bool = True) -> tuple[list[DriftFinding], list[Failure]]:
    if isinstance(app, MappingApp):  # no members to read: Okta's mappings in error instead
        return [], okta_errors(service.db, app, service.kept.current_name)
    with service.db.session() as session:
        active = repo.list_mappings(session, app.name, PushStatus.ACTIVE)
    mappings = {int(m.id or 0): m for m in active if m.app_group_id}
    failures: list[Failure] = [never_reached(app, m) for m in active if not m.app_group_id]

    def read(mapping_id: int) -> DriftReport:
        return read_drift(service, app, mappings[mapping_id])

    reports: dict[int, DriftReport] = {}
    for result in fan_out(service.db, app, list(mappings), read, "drift check"):
        if isinstance(result, Done):
            reports[result.mapping_id] = result.value
        elif isinstance(result, FailedStep):
            failure = result.failure
            failures.append(replace(failure, app=app.name,
                                    group=mappings[result.mapping_id].group_name))
    return _record(service, reports, record), failures


@handles(Check, dry_run=True)
def handle_check(ctx: Context, op: Check) -> DriftChecked:
    """`check [APP] [--dry-run]` (--dry-run: what a check finds, no drift remembered or
    alerted)."""
    return check(ctx.service, op.app, ctx.actor, record=not op.dry_run)[0]
