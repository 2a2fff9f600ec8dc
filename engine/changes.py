"""Rules, bulk deactivation and repushing one user."""

from __future__ import annotations

import functools

from connectors.base import App, DirectoryGroup, DirectorySnapshot
from connectors.settings import closest
from engine.context import Context
from engine.fanout import Done, Failed, fan_out
from engine.operations import BulkDeactivate, Repush, RuleAdd, RuleRemove
from engine.planner import MemberPlan
from engine.plans import PushPlan, dry_run_reply, preview_new_push
from engine.pusher import Refused, apply_plan, resolve
from engine.registry import handles
from engine.requests import selected_mappings
from engine.results import Reply
from engine.rules import RULE_KINDS, check_pattern, matching_groups
from engine.service import GroupPushService, quoted
from engine.sync import apply_rules
from engine.words import plural
from storage import repo
from storage.models import PushMapping, PushRule


def rule_add(service: GroupPushService, name: str, app_name: str, kind: str, pattern: str,
             actor: str, dry_run: bool = False) -> Reply:
    """Save a rule and push every group it matches now."""
    service.require_operator(actor)
    app = service.find_app(app_name)
    if kind not in RULE_KINDS:
        raise Refused(f"Unknown rule kind {kind}; use --starts-with, --contains or --regex.")
    problem = check_pattern(kind, pattern)
    if problem:
        raise Refused(f"Rule {name} was not saved: {problem}.")
    service.kept.ensure_read()  # the kept directory's names, read once if never read
    snapshot = service.snapshot()  # matched before saving: a pattern that fails saves nothing
    matches = matching_groups(kind, pattern, snapshot.groups.values())
    with service.db.session() as session:
        existing = repo.find_rule(session, name)
        if existing is not None:
            raise Refused(f"A rule named {existing.name} already exists (→ {existing.app}, "
                          f"--{existing.kind} {quoted(existing.pattern)}). `rule remove "
                          f"{existing.name}` first, or choose another name.")
        if dry_run:
            return _rule_preview(service, snapshot, app, name, matches)
        session.add(PushRule(name=name, app=app.name, kind=kind, pattern=pattern,
                             created_by=actor))
        repo.audit(session, actor, "rule add", f"{name} to {app.name}: --{kind} {pattern}")
    lines = apply_rules(service, snapshot, app, actor)
    head = (f"Rule {name} saved: pushes groups matching --{kind} {quoted(pattern)} to "
            f"{app.name}, now and at every sync. It matches {plural(len(matches), 'group')}"
            + (f": {', '.join(quoted(g.name) for g in matches[:10])}"
               + (" …" if len(matches) > 10 else "") if matches else "") + ".")
    return Reply(True, "\n".join([head, *lines]),
                 data={"matches": [g.name for g in matches]})


def _rule_preview(service: GroupPushService, snapshot: DirectorySnapshot, app: App, name: str,
                  matches: list[DirectoryGroup]) -> Reply:
    with service.db.session() as session:
        pushed = {m.group_id for m in repo.list_mappings(session, app.name)}
    plans, notes = [], []
    for group in matches:
        if group.id in pushed:
            notes.append(f"• {quoted(group.name)} on {app.name}: already pushed")
            continue
        try:
            plans.append(preview_new_push(service, snapshot, group, app))
        except Refused as refusal:
            notes.append(f"✗ {quoted(group.name)}: {refusal}")
    return dry_run_reply(f"rule {name} would be saved and push {len(plans)} of the "
                         f"{plural(len(matches), 'group')} it matches now.", plans, notes)


def rule_remove(service: GroupPushService, name: str, actor: str,
                dry_run: bool = False) -> Reply:
    """Delete a rule; the groups it pushed stay pushed."""
    service.require_operator(actor)
    with service.db.session() as session:
        rule = repo.find_rule(session, name)
        if rule is None:
            names = [r.name for r in repo.list_rules(session)]
            near = closest(name, names)
            tip = f" Did you mean {near[0]}?" if near else \
                (f" Rules: {', '.join(names)}." if names else " There are no rules.")
            raise Refused(f"No rule named {name}.{tip}")
        if dry_run:
            return Reply(True, f"Dry run, nothing changed: rule {rule.name} would be removed; "
                         "the groups it pushed stay pushed.", data={"dry_run": True, "plan": []})
        session.delete(rule)
        repo.audit(session, actor, "rule remove", rule.name)
    return Reply(True, f"Rule {rule.name} removed. Groups it pushed stay pushed (`list "
                 f"{rule.app}` shows them); `unlink GROUP from {rule.app} --keep` (or --delete) "
                 "stops one.")


def bulk_deactivate(service: GroupPushService, app_name: str, group_names: list[str],
                    everything: bool, actor: str, dry_run: bool = False) -> Reply:
    """Pause many pushes of one app at once."""
    service.require_operator(actor)
    app = service.find_app(app_name)
    mappings = selected_mappings(service, app.name, group_names, everything)
    if dry_run:
        active = [quoted(m.group_name) for m in mappings if m.status == "active"]
        return Reply(True, f"Dry run, nothing changed: {plural(len(active), 'group')} on "
                     f"{app.name} would be deactivated: {', '.join(active) or 'none'}. They stay "
                     "in the app.", data={"dry_run": True, "plan": []})
    changed = []
    with service.db.session() as session:
        for mapping in mappings:
            row = session.get(PushMapping, mapping.id)
            if row is not None and row.status == "active":
                row.status = "inactive"
                changed.append(quoted(row.group_name))
        repo.audit(session, actor, "bulk deactivate",
                   f"{app.name}: {', '.join(changed) or 'nothing to change'}")
    if not changed:
        return Reply.refused(f"Every selected group on {app.name} is already deactivated; "
                             "nothing changed.")
    again = (f"`activate {changed[0]} on {app.name}` resumes it" if len(changed) == 1
             else f"`activate GROUP on {app.name}` resumes each")
    return Reply(True, f"Deactivated {plural(len(changed), 'group')} on {app.name}: "
                 f"{', '.join(changed)}. The app keeps {'it' if len(changed) == 1 else 'them'}; "
                 f"{again}.")


def repush(service: GroupPushService, user_ref: str, actor: str, dry_run: bool = False) -> Reply:
    """Bring one user up to date in every pushed group they belong to, now."""
    service.require_operator(actor)
    user = service.kept.find_user(user_ref)
    if user is None:
        near = closest(user_ref, service.kept.user_logins())
        tip = f" Closest: {', '.join(near)}." if near else ""
        raise Refused(f"No directory user with login {user_ref}.{tip}")
    groups = service.kept.groups_of(user.id)
    with service.db.session() as session:
        mappings = [m for m in repo.list_mappings(session, status="active")
                    if m.group_id in groups and m.app_group_id]
    if dry_run:
        return _repush_preview(service, mappings, user.login, user.active)
    lines, errors = [], 0
    for mapping in mappings:  # one at a time, in order: one line per pushed group
        app = service.find_app(mapping.app)
        step = functools.partial(_repush_one, service, mapping, app, user.login, user.active)
        [result] = fan_out(service.db, app, [int(mapping.id or 0)], step, "repush")
        if isinstance(result, Done):
            lines.append(result.value)
        elif isinstance(result, Failed):
            errors += 1
            lines.append(f"✗ {quoted(mapping.group_name)} on {app.name}: "
                         f"{result.failure.message}")
    service.audit(actor, "repush", f"{user.login} ({len(mappings)} pushed groups)")
    state = "active" if user.active else f"not active ({user.status})"
    head = f"Repushed {user.login}, {state}, to {plural(len(mappings), 'pushed group')}."
    return Reply(errors == 0, "\n".join([head, *lines]),
                 status="done" if errors == 0 else "failed")


def _repush_one(service: GroupPushService, mapping: PushMapping, app: App,
                login: str, active: bool, mapping_id: int) -> str:
    with service.mapping_lock(mapping_id):
        with service.db.session() as session:
            pushed = repo.pushed_members(session, mapping_id)
        where = f"• {quoted(mapping.group_name)} on {app.name}"
        if active and login in pushed:
            return f"{where}: already a member, nothing to do"
        if active:
            resolved = resolve(service.db, app, [login], refresh=True)
            if login not in resolved:
                _note_skipped(service, mapping_id, login, skipped=True)
                return f"{where}: skipped, not in the app"
            plan = MemberPlan(add={login: resolved[login]}, remove={})
        elif login in pushed:
            plan = MemberPlan(add={}, remove={login: pushed[login]})
        else:
            return f"{where}: not a member, nothing to do"
        apply_plan(service.db, app, mapping_id, str(mapping.app_group_id), plan)
        _note_skipped(service, mapping_id, login, skipped=False)
    return f"{where}: {'added' if active else 'removed'}"


def _note_skipped(service: GroupPushService, mapping_id: int, login: str,
                  skipped: bool) -> None:
    """Keep the push's member count and skipped list true after one user's repush."""
    with service.db.session() as session:
        row = session.get(PushMapping, mapping_id)
        if row is None:
            return
        logins = set(filter(None, row.skipped_logins.split("\n")))
        logins = logins | {login} if skipped else logins - {login}
        row.skipped_logins = "\n".join(sorted(logins))
        row.members_pushed = repo.count_pushed_members(session, mapping_id)


def _repush_preview(service: GroupPushService, mappings: list[PushMapping], login: str,
                    active: bool) -> Reply:
    plans = []
    for mapping in mappings:
        app = service.find_app(mapping.app)
        with service.db.session() as session:
            pushed = repo.pushed_members(session, int(mapping.id or 0))
        known = login in resolve(service.db, app, [login]) if active else False
        plans.append(PushPlan(
            group=mapping.group_name, app=app.name, app_group="keep",
            app_group_name=mapping.app_group_name or mapping.group_name,
            app_group_id=mapping.app_group_id,
            add=(login,) if active and known and login not in pushed else (),
            remove=(login,) if not active and login in pushed else (),
            skipped=(login,) if active and not known else ()))
    return dry_run_reply(f"repush {login} to {plural(len(mappings), 'pushed group')}.", plans)


@handles(RuleAdd, dry_run=True)
def handle_rule_add(ctx: Context, op: RuleAdd) -> Reply:
    """`rule add NAME to APP --KIND PATTERN`."""
    return rule_add(ctx.service, op.name, op.app, op.kind, op.pattern, ctx.actor, op.dry_run)


@handles(RuleRemove, dry_run=True)
def handle_rule_remove(ctx: Context, op: RuleRemove) -> Reply:
    """`rule remove NAME`."""
    return rule_remove(ctx.service, op.name, ctx.actor, op.dry_run)


@handles(BulkDeactivate, dry_run=True)
def handle_bulk_deactivate(ctx: Context, op: BulkDeactivate) -> Reply:
    """`bulk deactivate APP GROUP... | --all`."""
    return bulk_deactivate(ctx.service, op.app, list(op.names), op.everything, ctx.actor,
                           op.dry_run)


@handles(Repush, dry_run=True)
def handle_repush(ctx: Context, op: Repush) -> Reply:
    """`repush USER`."""
    return repush(ctx.service, op.user, ctx.actor, op.dry_run)
