"""Read-only answers: apps, list, search, info (the Information details), rule list, audit."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from connectors.base import DirectoryGroup
from connectors.errors import ConnectorError
from engine.context import Context
from engine.drift import drift_summary, report_from_json
from engine.operations import Apps, Audit, Help, Info, ListPushes, RuleList, Search
from engine.pushed import group_type
from engine.registry import handles, help_text
from engine.results import Reply
from engine.service import GroupPushService, quoted
from engine.words import concrete, gone_from_directory, plural
from storage import repo
from storage.models import PushMapping

SEARCH_SHOWN = 25
SEARCH_READ = 200
"""`search` shows SEARCH_SHOWN groups and counts up to SEARCH_READ."""


def when(at: datetime | None) -> str:
    """A time for people, in UTC."""
    return f"{at:%Y-%m-%d %H:%M:%S} UTC" if at else "never"


def apps_report(service: GroupPushService) -> Reply:
    """Configured apps, their type, health and how many groups are pushed there."""
    lines = []
    healthy = True
    for name, app in sorted(service.apps.items()):
        with service.db.session() as session:
            count = len(repo.list_mappings(session, name))
        try:
            health = app.health()
        except ConnectorError as error:
            health, healthy = f"error: {error.describe()}", False
        kind = service.config.apps.get(name, {}).get("type", "?")
        lines.append(f"• {name} ({kind}): {health}; {plural(count, 'pushed group')}")
    if not lines:
        return Reply(True, "No apps are configured; add them under `apps:` in grouppush.yml.")
    return Reply(healthy, "\n".join(["Apps:", *lines]), status="done" if healthy else "failed")


def mapping_line(mapping: PushMapping) -> str:
    """One line of `list`."""
    status = "active" if mapping.status == "active" else "deactivated"
    error = f" — error: {mapping.error_message}" if mapping.error_message else ""
    drift = " — drift" if mapping.drift_fingerprint and not mapping.drift_ignored_by else ""
    return (f"• {quoted(mapping.group_name)} → {mapping.app}: {status}, "
            f"{plural(mapping.members_pushed, 'member')}, last push {when(mapping.last_push_at)}"
            f"{error}{drift}")


def list_report(service: GroupPushService, app_name: str | None) -> Reply:
    """Pushed groups with status, last push and errors."""
    if app_name:
        service.find_app(app_name)
    with service.db.session() as session:
        mappings = repo.list_mappings(session, app_name)
    if not mappings:
        where = f" to {app_name}" if app_name else ""
        return Reply(True, f"No groups are pushed{where} yet. `push GROUP to APP` pushes one.",
                     data={"mappings": []})
    lines = [mapping_line(m) for m in mappings]
    return Reply(True, "\n".join([f"Pushed groups ({len(mappings)}):", *lines]),
                 data={"mappings": [m.model_dump(mode="json") for m in mappings]})


def search_report(service: GroupPushService, text: str) -> Reply:
    """Directory groups whose names contain the text."""
    found = service.directory.search_groups(text, limit=SEARCH_READ)
    if not found:
        return Reply(True, f"No directory group name contains {quoted(text)}.",
                     data={"groups": []})
    snapshot = service.snapshot()
    groups = found[:SEARCH_SHOWN]
    names = Counter(g.name.casefold() for g in snapshot.groups.values())
    lines = [f"• {quoted(g.name)} ({plural(len(snapshot.active_logins(g)), 'active member')})"
             + (f" — `id:{g.id}`, another group has this name" if names[g.name.casefold()] > 1
                else "") for g in groups]
    more = len(found) - len(groups)
    if more:
        lines.append(f"… and {'at least ' if len(found) == SEARCH_READ else ''}"
                     f"{plural(more, 'more group')}: search a longer text to narrow it down.")
    return Reply(True, "\n".join([f"Directory groups matching {quoted(text)}:", *lines]),
                 data={"groups": [g.name for g in groups], "more": more,
                       "ids": [g.id for g in groups]})


def info_report(service: GroupPushService, group_name: str, app_name: str) -> Reply:
    """The Information details of one pushed group."""
    snapshot = service.snapshot()
    app = service.find_app(app_name)
    found, mapping = service.find_push(snapshot, group_name, app)
    group = found or DirectoryGroup(id=mapping.group_id, name=mapping.group_name)
    with service.db.session() as session:
        error = repo.last_error(session, int(mapping.id or 0)) if mapping.error_message \
            else None
    skipped = [s for s in mapping.skipped_logins.split("\n") if s]
    directory_active = len(snapshot.active_logins(group))
    fields = {
        "Group": group.name,
        "Group type": group_type(service, group.type),
        "App": app.name,
        "App group": f"{mapping.app_group_name or group.name} (id {mapping.app_group_id})"
        if mapping.app_group_id else "not created yet",
        "Status": "active" if mapping.status == "active" else "deactivated (push paused)",
        "Push memberships immediately": "yes" if mapping.memberships else "no",
        "Origin": ("linked an existing app group" if mapping.linked
                   else "created by grouppush"),
        "Pushed by": (f"{mapping.created_by}, {when(mapping.created_at)}, "
                      + ("by name" if mapping.created_via == "name"
                         else f"by rule {mapping.created_via[5:]}")),
        "Last push": when(mapping.last_push_at),
        "Members": (f"{mapping.members_pushed} pushed of {directory_active} active in the "
                    "directory" if found else f"{mapping.members_pushed} pushed; "
                    + gone_from_directory(mapping.group_name, app.name)),
        "Skipped (not in the app)": ", ".join(skipped) if skipped else "none",
        "Drift": _drift(mapping),
    }
    if mapping.error_message:
        fields["Error"] = mapping.error_message
        fields["Operation"] = mapping.error_operation
        fields["Error time"] = when(mapping.error_at)
        if mapping.error_status is not None:
            fields["App status"] = str(mapping.error_status)
        fields["Troubleshooting"] = concrete(mapping.error_hint or (error.hint if error else ""),
                                             mapping.group_name, app.name)
    else:
        fields["Error"] = "none"
    text = "\n".join([f"Information: {quoted(group.name)} on {app.name}",
                      *(f"  {k}: {v}" for k, v in fields.items())])
    return Reply(True, text, data={"info": fields})


def _drift(mapping: PushMapping) -> str:
    """The drift the last check found, what it is and who ignored it."""
    if not mapping.drift_fingerprint:
        return "none"
    found = drift_summary(report_from_json(mapping.drift_detail)) if mapping.drift_detail \
        else "found at the last check"
    return f"{found} (ignored by {mapping.drift_ignored_by})" if mapping.drift_ignored_by \
        else found


def rule_list_report(service: GroupPushService, app_name: str | None) -> Reply:
    """Push rules, optionally of one app."""
    if app_name:
        service.find_app(app_name)
    with service.db.session() as session:
        rules = repo.list_rules(session, app_name)
        counts = {r.name: sum(1 for m in repo.list_mappings(session, r.app)
                              if m.created_via == f"rule:{r.name}") for r in rules}
    if not rules:
        return Reply(True, "No push rules. `rule add NAME to APP --starts-with TEXT` adds one.",
                     data={"rules": []})
    lines = [f"• {r.name} → {r.app}: --{r.kind} {quoted(r.pattern)} "
             f"({plural(counts[r.name], 'group')} pushed, by {r.created_by})" for r in rules]
    return Reply(True, "\n".join(["Push rules:", *lines]),
                 data={"rules": [r.model_dump(mode="json") for r in rules]})


def audit_report(service: GroupPushService, limit: int) -> Reply:
    """The last changes: who, what, when."""
    with service.db.session() as session:
        events = repo.recent_audit(session, limit)
    if not events:
        return Reply(True, "No changes recorded yet.", data={"events": []})
    lines = [f"• {when(e.at)} {e.actor}: {e.action} {e.detail}" for e in events]
    return Reply(True, "\n".join([f"Last {len(events)} changes:", *lines]),
                 data={"events": [e.model_dump(mode="json") for e in events]})


@handles(Help)
def help_report(ctx: Context, op: Help) -> Reply:
    """Every command, as `help` lists them."""
    return Reply(True, help_text())


@handles(Apps)
def apps(ctx: Context, op: Apps) -> Reply:
    """`apps`."""
    return apps_report(ctx.service)


@handles(ListPushes)
def list_pushes(ctx: Context, op: ListPushes) -> Reply:
    """`list [APP]`."""
    return list_report(ctx.service, op.app)


@handles(Search)
def search(ctx: Context, op: Search) -> Reply:
    """`search TEXT`."""
    return search_report(ctx.service, op.text)


@handles(Info)
def info(ctx: Context, op: Info) -> Reply:
    """`info GROUP on APP`."""
    return info_report(ctx.service, op.group, op.app)


@handles(RuleList)
def rule_list(ctx: Context, op: RuleList) -> Reply:
    """`rule list [APP]`."""
    return rule_list_report(ctx.service, op.app)


@handles(Audit)
def audit(ctx: Context, op: Audit) -> Reply:
    """`audit [N]`."""
    return audit_report(ctx.service, op.count)
