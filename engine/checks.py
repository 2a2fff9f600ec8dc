"""Drift checks: read each active app group and compare it with what was last pushed."""

from __future__ import annotations

from dataclasses import dataclass

from connectors.base import App
from engine.context import Context
from engine.drift import DriftReport, compare_members, drift_summary, report_to_json
from engine.failures import clear_failure
from engine.fanout import Done, Failed, fan_out
from engine.operations import Check
from engine.registry import handles
from engine.results import Reply
from engine.service import GroupPushService, quoted
from engine.words import plural
from storage import repo
from storage.models import PushMapping


@dataclass(frozen=True)
class DriftFinding:
    """One checked push: its report and whether this drift is new, seen before or gone."""

    mapping_id: int
    report: DriftReport
    state: str  # clean | new | unchanged | ignored | resolved
    ignored_by: str = ""


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


def _record(service: GroupPushService, mapping_id: int, report: DriftReport) -> DriftFinding:
    with service.db.session() as session:
        row = session.get(PushMapping, mapping_id)
        assert row is not None
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
    return DriftFinding(mapping_id=mapping_id, report=report, state=state,
                        ignored_by=ignored_by)


def describe_drift(report: DriftReport) -> str:
    """One paragraph about one drifted group."""
    return f"{quoted(report.group)} on {report.app}: {drift_summary(report)}"


def _summary(scope: str, drifted: int, checked: int, unread: int) -> str:
    """The first line of a check: drift found, none, or the check could not complete."""
    total = checked + unread
    if unread:
        found = (f"; {drifted} of the {checked} read differ from what was pushed" if drifted
                 else f"; the {checked} read match what was pushed" if checked else "")
        return (f"The drift check of {scope} could not complete: {unread} of "
                f"{plural(total, 'pushed group')} could not be read{found}.")
    if drifted:
        return (f"Drift in {scope}: {drifted} of {plural(total, 'pushed group')} differ from "
                "what was pushed. `now GROUP on APP` overwrites the app group.")
    return f"No drift in {scope}: {plural(total, 'pushed group')} match what was pushed."


def drift_row(finding: DriftFinding) -> dict[str, object]:
    """One drifted group as data: what the app lacks and what it has more."""
    report = finding.report
    return {"group": report.group, "app": report.app, "missing": list(report.missing),
            "unexpected": list(report.unexpected), "group_gone": report.group_gone,
            "renamed_to": report.renamed_to, "state": finding.state,
            "ignored_by": finding.ignored_by or None}


def check(service: GroupPushService, app_name: str | None,
          actor: str) -> tuple[Reply, list[DriftFinding]]:
    """Check every active push (of one app or all) for drift; the reply fails on drift."""
    apps = [service.find_app(app_name)] if app_name else list(service.apps.values())
    findings: list[DriftFinding] = []
    errors: list[str] = []
    for app in apps:
        with service.db.session() as session:
            mappings = {int(m.id or 0): m for m in repo.list_mappings(session, app.name, "active")}
        def read(mapping_id: int, app: App = app,
                 mappings: dict[int, PushMapping] = mappings) -> DriftReport:
            return read_drift(service, app, mappings[mapping_id])

        for result in fan_out(service.db, app, list(mappings), read, "drift check"):
            if isinstance(result, Done):
                findings.append(_record(service, result.mapping_id, result.value))
            elif isinstance(result, Failed):
                errors.append(f"✗ {quoted(mappings[result.mapping_id].group_name)} on "
                              f"{app.name}: {result.failure.message}")
    drifted = [f for f in findings if f.report.drifted and f.state != "ignored"]
    lines = [("• " if f.state == "new" else "• (seen before) ") + describe_drift(f.report)
             for f in drifted]
    lines += [f"• (ignored by {f.ignored_by}) " + describe_drift(f.report)
              for f in findings if f.state == "ignored"]
    head = _summary(app_name or "all apps", len(drifted), len(findings), len(errors))
    ok = not drifted and not errors
    reply = Reply(ok, "\n".join([head, *lines, *errors]), status="done" if ok else "failed",
                  data={"drift": [drift_row(f) for f in findings if f.report.drifted],
                        "errors": errors, "checked": len(findings)})
    return reply, findings


@handles(Check)
def handle_check(ctx: Context, op: Check) -> Reply:
    """`check [APP]`."""
    return check(ctx.service, op.app, ctx.actor)[0]
