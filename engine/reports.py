"""Read-only answers: apps, list, search, info (the Information details), rule list, audit."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from connectors.base import DirectoryGroup, MappingApp
from connectors.errors import ConnectorError
from connectors.settings import closest
from engine.core import Context, RefusalError
from engine.drift import drift_summary, report_from_json
from engine.help import command_help, commands
from engine.operations import Apps, Help, Info, ListPushes, RuleList, Search
from engine.outcomes import (
    AppRow,
    AppsListed,
    Commands,
    FoundGroup,
    GroupsFound,
    Information,
    PushesListed,
    PushRow,
    RuleRow,
    RulesListed,
)
from engine.protected import protected_by
from engine.push.tab import active_counts, group_type, origin_of
from engine.registry import handles
from engine.service import GroupPushService
from engine.words import concrete, quoted, when
from storage import pages, repo
from storage.models import PushMapping, PushRun
from storage.pages import PushFilter
from storage.statuses import PushStatus

SEARCH_SHOWN = 25
SEARCH_READ = 200
"""`search` shows SEARCH_SHOWN groups and counts up to SEARCH_READ."""


def apps_report(service: GroupPushService) -> AppsListed:
    """Configured apps, their type, health and how many groups are pushed there."""
    rows = []
    for name, app in sorted(service.apps.items()):
        with service.db.session() as session:
            count = len(repo.list_mappings(session, name))
        try:
            health = str(app.health())
        except ConnectorError as error:
            health = f"error: {error.describe()}"
        kind = service.config.apps.get(name, {}).get("type", "?")
        rows.append(AppRow(name, str(kind), health, not health.startswith("error:"), count))
    return AppsListed(tuple(rows))


def push_row(mapping: PushMapping, okta_pushes: int | None = None,
             by_okta: bool = False) -> PushRow:
    """One pushed group as `list` shows it (by_okta: Okta pushes its `okta_pushes` active
    members, and grouppush none)."""
    return PushRow(
        group=mapping.group_name, app=mapping.app, app_group=mapping.app_group_name or None,
        app_group_id=mapping.app_group_id,
        status=PushStatus(mapping.status),
        members=None if by_okta else mapping.members_pushed, okta_pushes=okta_pushes,
        last_push=mapping.last_push_at,
        error=mapping.error_message or None,
        drift=bool(mapping.drift_fingerprint and not mapping.drift_ignored_by),
        origin=origin_of(mapping),
        rule=mapping.created_via[5:] if mapping.created_via.startswith("rule:") else None)


def _rule_named(service: GroupPushService, name: str, app_name: str | None) -> str:
    """The rule's name as saved (ignoring case), also for a removed rule whose groups stay
    pushed, or a refusal naming the closest rules."""
    with service.db.session() as session:
        rule = repo.find_rule(session, name)
        found = {via for app in ([app_name] if app_name else sorted(service.apps))
                 for via in pages.by_rule(session, app) if via}
        known = sorted(found | {r.name for r in repo.list_rules(session)})
    if rule is not None:
        return rule.name
    same = [n for n in known if n.casefold() == name.casefold()]
    if same:
        return same[0]
    near = closest(name, known)
    tip = f" Did you mean {near[0]}?" if near else \
        (f" Rules: {', '.join(known)}." if known else " There are no rules.")
    raise RefusalError(f"No rule named {name}.{tip}")


def list_report(service: GroupPushService, app_name: str | None, rule: str | None = None,
                status: str | None = None, errors: bool = False,
                drift: bool = False) -> PushesListed:
    """Pushed groups with status, last push and errors; those a rule found, of one status,
    failing, or drifted."""
    if app_name:
        app_name = service.find_app(app_name).name
    if rule is not None:
        rule = _rule_named(service, rule, app_name)
    wanted = PushFilter(app=app_name, rule=rule, status=status, errors=errors, drift=drift)
    with service.db.session() as session:
        mappings = pages.page(session, wanted)
    by_okta = {m.id: m.group_id for m in mappings
               if isinstance(service.apps.get(m.app), MappingApp)}
    okta = active_counts(service, set(by_okta.values())) if by_okta else {}
    rows = [replace(push_row(m, okta.get(m.group_id), True) if m.id in by_okta
                    else push_row(m),
                    protected=protected_by(service.config, service.apps[m.app],
                                           m.app_group_name or m.group_name, ask_app=False))
            if m.app in service.apps else push_row(m) for m in mappings]
    return PushesListed(tuple(rows), app_name, rule, status, errors, drift)


def search_report(service: GroupPushService, text: str) -> GroupsFound:
    """Directory groups whose names contain the text."""
    found = service.directory.search_groups(text, limit=SEARCH_READ)
    if not found:
        return GroupsFound(text, ())
    snapshot = service.snapshot()
    groups = found[:SEARCH_SHOWN]
    names = Counter(g.name.casefold() for g in snapshot.groups.values())
    return GroupsFound(text, tuple(
        FoundGroup(g.name, g.id, len(snapshot.active_logins(g)), names[g.name.casefold()] > 1)
        for g in groups), len(found) - len(groups), len(found) == SEARCH_READ)


def cut_short(service: GroupPushService, run: PushRun | None, pushed: int,
              wanted: int) -> str:
    """Words for a last push that stopped before its end (failed, or its process killed)."""
    if run is None or run.outcome not in ("failed", "running") or pushed >= wanted:
        return ""
    if run.outcome == "running" and service.mapping_lock(int(run.mapping_id or 0)).locked():
        return f"; a push is running since {when(run.started_at)}"
    maybe = " (unless it still runs elsewhere)" if run.outcome == "running" else ""
    return (f"; the last push ({run.operation}) was cut short at "
            f"{when(run.finished_at or run.started_at)}{maybe}: {pushed} of {wanted} pushed; "
            "the next sync completes it")


def info_report(service: GroupPushService, group_name: str, app_name: str) -> Information:
    """The Information details of one pushed group."""
    snapshot = service.snapshot(group_name)
    app = service.find_app(app_name)
    found, mapping = service.find_push(snapshot, group_name, app)
    group = found or DirectoryGroup(id=mapping.group_id, name=mapping.group_name)
    with service.db.session() as session:
        error = repo.last_error(session, int(mapping.id or 0)) if mapping.error_message \
            else None
        run = repo.last_run(session, int(mapping.id or 0))
        pushed = repo.count_pushed_members(session, int(mapping.id or 0))
    skipped = [s for s in mapping.skipped_logins.split("\n") if s]
    directory_active = len(snapshot.active_logins(group))
    fields = {
        "Group": group.name,
        "Group type": group_type(service, group.type),
        "App": app.name,
        "App group": f"{mapping.app_group_name or group.name} (id {mapping.app_group_id})"
        if mapping.app_group_id else "not created yet",
        "Status": "active" if mapping.status == PushStatus.ACTIVE
        else "deactivated (push paused)",
        "Push memberships immediately": "yes" if mapping.memberships else "no",
        "Origin": ("linked an existing app group" if mapping.linked
                   else "created by grouppush"),
        "Pushed by": (f"{mapping.created_by}, {when(mapping.created_at)}, "
                      + ("by name" if mapping.created_via == "name"
                         else f"by rule {mapping.created_via[5:]}")),
        "Last push": when(mapping.last_push_at) + cut_short(service, run, pushed,
                                                            directory_active),
        "Members": (f"{pushed} pushed of {directory_active} active in the directory" if found
                    else f"{pushed} pushed (the directory group is no longer in the "
                    "directory)"),
        "Skipped (not in the app)": (f"{', '.join(skipped)}; `explain {skipped[0]} in "
                                     f"{quoted(group.name)} on {app.name}` says why")
        if skipped else "none",
        "Drift": _drift(mapping),
    }
    if isinstance(app, MappingApp):  # Okta's own state of its mapping
        from engine.okta_push.info import details as okta_details

        fields.update(okta_details(app, mapping, directory_active if found else None))
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
    return Information(group.name, app.name, tuple(fields.items()))


def _drift(mapping: PushMapping) -> str:
    """The drift the last check found, what it is and who ignored it."""
    if not mapping.drift_fingerprint:
        return "none"
    found = drift_summary(report_from_json(mapping.drift_detail)) if mapping.drift_detail \
        else "found at the last check"
    return f"{found} (ignored by {mapping.drift_ignored_by})" if mapping.drift_ignored_by \
        else found


def rule_list_report(service: GroupPushService, app_name: str | None) -> RulesListed:
    """Push rules, optionally of one app, each with the pushed groups it found."""
    if app_name:
        app_name = service.find_app(app_name).name
    with service.db.session() as session:
        rules = repo.list_rules(session, app_name)
        found = {r.name: [name for _, _, name in pages.selection(
            session, PushFilter(app=r.app, rule=r.name))] for r in rules}
    return RulesListed(tuple(RuleRow(r.name, r.app, r.kind, r.pattern, tuple(found[r.name]),
                                     r.created_by) for r in rules))


@handles(Help)
def help_report(ctx: Context, op: Help) -> Commands:
    """Every command, as `help` lists them; `help COMMAND`: that one in detail."""
    return command_help(op.command) if op.command else commands()


@handles(Apps)
def apps(ctx: Context, op: Apps) -> AppsListed:
    """`apps`."""
    return apps_report(ctx.service)


@handles(ListPushes)
def list_pushes(ctx: Context, op: ListPushes) -> PushesListed:
    """`list [APP]`."""
    return list_report(ctx.service, op.app, op.rule, op.status, op.errors, op.drift)


@handles(Search)
def search(ctx: Context, op: Search) -> GroupsFound:
    """`search TEXT`."""
    return search_report(ctx.service, op.text)


@handles(Info)
def info(ctx: Context, op: Info) -> Information:
    """`info GROUP on APP`."""
    return info_report(ctx.service, op.group, op.app)


@handles(RuleList)
def rule_list(ctx: Context, op: RuleList) -> RulesListed:
    """`rule list [APP]`."""
    return rule_list_report(ctx.service, op.app)
