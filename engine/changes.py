"""Rules, bulk deactivation and repushing one user."""

from __future__ import annotations

import functools

from connectors.base import App, DirectoryGroup, DirectorySnapshot, MappingApp
from connectors.settings import closest
from engine.approvals.handlers import selected_mappings
from engine.core import Context, RefusalError
from engine.fanout import Done, FailedStep, fan_out
from engine.operations import BulkDeactivate, Repush, RuleAdd, RuleRemove
from engine.outcomes import (
    BulkDeactivated,
    Planned,
    PlanNote,
    PushPlan,
    Refusal,
    Repushed,
    RepushStep,
    RuleAdded,
    RuleRemoved,
)
from engine.push.apply import apply_plan
from engine.push.members import MemberPlan
from engine.push.plan import preview_new_push
from engine.push.users import resolve
from engine.registry import handles
from engine.rules import RULE_KINDS, check_pattern, matching_groups
from engine.service import GroupPushService, quoted
from engine.sync import apply_rules
from storage import repo
from storage.models import PushMapping, PushRule
from storage.statuses import PushStatus


def rule_add(service: GroupPushService, name: str, app_name: str, kind: str, pattern: str,
             actor: str, dry_run: bool = False, operation: RuleAdd | None = None
             ) -> RuleAdded | Planned:
    """Save a rule and push every group it matches now."""
    app = service.find_app(app_name)
    if kind not in RULE_KINDS:
        raise RefusalError(f"Unknown rule kind {kind}; use --starts-with, --contains or --regex.")
    problem = check_pattern(kind, pattern)
    if problem:
        raise RefusalError(f"Rule {quoted(name)} was not saved: {problem}.")
    service.kept.ensure_read()  # the kept directory's names, read once if never read
    snapshot = service.snapshot()  # matched before saving: a pattern that fails saves nothing
    matches = matching_groups(kind, pattern, snapshot.groups.values())
    with service.db.session() as session:
        existing = repo.find_rule(session, name)
        if existing is not None:
            raise RefusalError(f"A rule named {existing.name} already exists (→ {existing.app}, "
                               f"--{existing.kind} {quoted(existing.pattern)}). `rule remove "
                               f"{existing.name}` first, or choose another name.")
        if dry_run:
            return _rule_preview(service, snapshot, app, operation or RuleAdd(
                name, app.name, kind, pattern, dry_run=True), matches)
        session.add(PushRule(name=name, app=app.name, kind=kind, pattern=pattern,
                             created_by=actor))
        repo.audit(session, actor, "rule add",
                   f"{quoted(name)} to {app.name}: --{kind} {quoted(pattern)}")
    steps = apply_rules(service, snapshot, app, actor)
    return RuleAdded(name, app.name, kind, pattern, tuple(g.name for g in matches),
                     tuple(steps))


def _rule_preview(service: GroupPushService, snapshot: DirectorySnapshot, app: App,
                  op: RuleAdd, matches: list[DirectoryGroup]) -> Planned:
    with service.db.session() as session:
        pushed = {m.group_id for m in repo.list_mappings(session, app.name)}
    plans, notes = [], []
    for group in matches:
        if group.id in pushed:
            notes.append(PlanNote(group.name, app.name, "already pushed"))
            continue
        try:
            plans.append(preview_new_push(service, snapshot, group, app))
        except RefusalError as refusal:
            notes.append(PlanNote(group.name, app.name, "refused", str(refusal)))
    return Planned(op, tuple(plans), tuple(notes), matches=len(matches), subject=op.name)


def rule_remove(service: GroupPushService, name: str, actor: str,
                dry_run: bool = False) -> RuleRemoved | Planned:
    """Delete a rule; the groups it pushed stay pushed."""
    with service.db.session() as session:
        rule = repo.find_rule(session, name)
        if rule is None:
            names = [r.name for r in repo.list_rules(session)]
            near = closest(name, names)
            tip = f" Did you mean {near[0]}?" if near else \
                (f" Rules: {', '.join(names)}." if names else " There are no rules.")
            raise RefusalError(f"No rule named {name}.{tip}")
        if dry_run:
            return Planned(RuleRemove(rule.name, dry_run=True), subject=rule.name)
        session.delete(rule)
        repo.audit(session, actor, "rule remove", quoted(rule.name))
        return RuleRemoved(rule.name, rule.app)


def bulk_deactivate(service: GroupPushService, app_name: str, group_names: list[str],
                    everything: bool, actor: str, dry_run: bool = False
                    ) -> BulkDeactivated | Planned | Refusal:
    """Pause many pushes of one app at once."""
    app = service.find_app(app_name)
    mappings = selected_mappings(service, app.name, group_names, everything)
    if dry_run:
        active = tuple(m.group_name for m in mappings if m.status == PushStatus.ACTIVE)
        return Planned(BulkDeactivate(app.name, tuple(group_names), everything, dry_run=True),
                       subject=app.name, names=active)
    if isinstance(app, MappingApp):
        mappings = _paused_in_okta(service, app, mappings)
    changed = []
    with service.db.session() as session:
        for mapping in mappings:
            row = session.get(PushMapping, mapping.id)
            if row is not None and row.status == PushStatus.ACTIVE:
                row.status = PushStatus.INACTIVE
                changed.append(row.group_name)
        repo.audit(session, actor, "bulk deactivate",
                   f"{app.name}: {', '.join(map(quoted, changed)) or 'nothing to change'}")
    if not changed:
        return Refusal(f"Every selected group on {app.name} is already deactivated; "
                       "nothing changed.")
    return BulkDeactivated(app.name, tuple(changed))


def _paused_in_okta(service: GroupPushService, app: MappingApp,
                    mappings: list[PushMapping]) -> list[PushMapping]:
    """Deactivate each active Okta mapping first; those Okta refused (recorded failures) are
    left out."""
    by_id = {int(m.id or 0): m for m in mappings
             if m.status == PushStatus.ACTIVE and m.app_group_id}
    results = fan_out(service.db, app, list(by_id), lambda i: app.set_mapping_status(
        str(by_id[i].app_group_id), False), "deactivate")
    failed = {r.mapping_id for r in results if isinstance(r, FailedStep)}
    return [m for m in mappings if int(m.id or 0) not in failed]


def repush(service: GroupPushService, user_ref: str, actor: str,
           dry_run: bool = False) -> Repushed | Planned:
    """Bring one user up to date in every pushed group they belong to, now."""
    user = service.kept.find_user(user_ref)
    if user is None:
        service.kept.ensure_read()  # suggestions come from the kept directory
        logins = list(service.kept.user_logins())
        typed = user_ref.casefold()
        near = sorted(login for login in logins if login.casefold().startswith(typed))[:3] \
            or closest(user_ref, logins)
        tip = f" Closest: {', '.join(near)}." if near else ""
        raise RefusalError(f"No directory user with login {user_ref}.{tip}")
    groups = service.kept.groups_of(user.id)
    with service.db.session() as session:
        mappings = [m for m in repo.list_mappings(session, status=PushStatus.ACTIVE)
                    if m.group_id in groups and m.app_group_id  # Okta pushes its own apps'
                    and not isinstance(service.apps.get(m.app), MappingApp)]
    if dry_run:
        return _repush_preview(service, mappings, user.login, user.active)
    steps = []
    for mapping in mappings:  # one at a time, in order: one step per pushed group
        app = service.find_app(mapping.app)
        step = functools.partial(_repush_one, service, mapping, app, user.login, user.active)
        [result] = fan_out(service.db, app, [int(mapping.id or 0)], step, "repush")
        if isinstance(result, Done):
            steps.append(RepushStep(mapping.group_name, app.name, result.value))
        elif isinstance(result, FailedStep):
            steps.append(RepushStep(mapping.group_name, app.name, "failed",
                                    result.failure.message))
    service.audit(actor, "repush", f"{user.login} ({len(mappings)} pushed groups)")
    return Repushed(user.login, user.active, user.status, tuple(steps))


def repush_plan(service: GroupPushService, mapping_id: int, app: App, login: str,
                active: bool) -> tuple[MemberPlan, str]:
    """One user's repush of one pushed group, as the preview shows and the run carries it
    out: (plan, what it does: added | removed | skipped | already a member | not a member)."""
    with service.db.session() as session:
        pushed = repo.pushed_members(session, mapping_id)
    nothing = MemberPlan(add={}, remove={})
    if active and login in pushed:
        return nothing, "already a member"
    if active:
        resolved = resolve(service.db, app, [login], refresh=True)
        if login not in resolved:
            return MemberPlan(add={}, remove={}, skipped=(login,)), "skipped"
        return MemberPlan(add={login: resolved[login]}, remove={}), "added"
    if login in pushed:
        return MemberPlan(add={}, remove={login: pushed[login]}), "removed"
    return nothing, "not a member"


def _repush_one(service: GroupPushService, mapping: PushMapping, app: App,
                login: str, active: bool, mapping_id: int) -> str:
    with service.mapping_lock(mapping_id):
        plan, does = repush_plan(service, mapping_id, app, login, active)
        if does in ("added", "removed"):
            apply_plan(service.db, app, mapping_id, str(mapping.app_group_id), plan)
        if does in ("added", "removed", "skipped"):
            _note_skipped(service, mapping_id, login, skipped=does == "skipped")
    return does


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
                    active: bool) -> Planned:
    plans = []
    for mapping in mappings:
        app = service.find_app(mapping.app)
        plan, _ = repush_plan(service, int(mapping.id or 0), app, login, active)
        plans.append(PushPlan(
            group=mapping.group_name, app=app.name, app_group="keep",
            app_group_name=mapping.app_group_name or mapping.group_name,
            app_group_id=mapping.app_group_id, add=tuple(plan.add),
            remove=tuple(plan.remove), skipped=plan.skipped))
    return Planned(Repush(login, dry_run=True), tuple(plans), subject=login)


@handles(RuleAdd, dry_run=True)
def handle_rule_add(ctx: Context, op: RuleAdd) -> RuleAdded | Planned:
    """`rule add NAME to APP --KIND PATTERN`."""
    return rule_add(ctx.service, op.name, op.app, op.kind, op.pattern, ctx.actor, op.dry_run,
                    op)


@handles(RuleRemove, dry_run=True)
def handle_rule_remove(ctx: Context, op: RuleRemove) -> RuleRemoved | Planned:
    """`rule remove NAME`."""
    return rule_remove(ctx.service, op.name, ctx.actor, op.dry_run)


@handles(BulkDeactivate, dry_run=True)
def handle_bulk_deactivate(ctx: Context,
                           op: BulkDeactivate) -> BulkDeactivated | Planned | Refusal:
    """`bulk deactivate APP GROUP... | --all`."""
    return bulk_deactivate(ctx.service, op.app, list(op.names), op.everything, ctx.actor,
                           op.dry_run)


@handles(Repush, dry_run=True)
def handle_repush(ctx: Context, op: Repush) -> Repushed | Planned:
    """`repush USER`."""
    return repush(ctx.service, op.user, ctx.actor, op.dry_run)
