"""Rules, bulk deactivation and repushing one user, in words."""

from __future__ import annotations

from bot.views.words.base import renders
from engine.outcomes import (
    BulkDeactivated,
    Repushed,
    RepushStep,
    RuleAdded,
    RuleRemoved,
    Synced,
    SyncStep,
)
from engine.service import quoted
from engine.words import plural

REPUSHED = {"already a member": "already a member, nothing to do",
            "not a member": "not a member, nothing to do",
            "skipped": "skipped, not in the app"}


@renders(RuleRemoved)
def rule_removed(outcome: RuleRemoved) -> str:
    """The rule is gone; its groups stay pushed, and how to stop one."""
    return (f"Rule {outcome.name} removed. Groups it pushed stay pushed (`list {outcome.app}` "
            f"shows them); `unlink GROUP from {outcome.app} --keep` (or --delete) stops one.")


@renders(BulkDeactivated)
def bulk_deactivated(outcome: BulkDeactivated) -> str:
    """The groups paused, and how to resume them."""
    names, app = [quoted(g) for g in outcome.groups], outcome.app
    again = (f"`activate {names[0]} on {app}` resumes it" if len(names) == 1
             else f"`activate GROUP on {app}` resumes each")
    return (f"Deactivated {plural(len(names), 'group')} on {app}: {', '.join(names)}. The app "
            f"keeps {'it' if len(names) == 1 else 'them'}; {again}.")


@renders(Repushed)
def repushed(outcome: Repushed) -> str:
    """The user's state, then one line per pushed group."""
    state = "active" if outcome.active else f"not active ({outcome.user_status})"
    head = (f"Repushed {outcome.login}, {state}, to "
            f"{plural(len(outcome.steps), 'pushed group')}.")
    return "\n".join([head, *(_step(s) for s in outcome.steps)])


def _step(step: RepushStep) -> str:
    where = f"{quoted(step.group)} on {step.app}"
    if step.result == "failed":
        return f"✗ {where}: {step.error}"
    return f"• {where}: {REPUSHED.get(step.result, step.result)}"


@renders(Synced)
def synced(outcome: Synced) -> str:
    """`Synced box: 3 pushed groups, 1 changed (...), 0 errors.` and a line per app group."""
    head = (f"Synced {outcome.app or 'all apps'}: {plural(outcome.groups, 'pushed group')}, "
            f"{outcome.changed} changed ({outcome.added} added, {outcome.removed} removed), "
            f"{plural(len(outcome.errors), 'error')}"
            + (f", {len(outcome.held)} held for approval" if outcome.held else "") + ".")
    return "\n".join([head, *(sync_line(s) for s in outcome.steps)])


@renders(RuleAdded)
def rule_added(outcome: RuleAdded) -> str:
    """The rule saved, what it matches, and a line per group it pushed now."""
    shown = ", ".join(quoted(g) for g in outcome.matches[:10]) + \
        (" …" if len(outcome.matches) > 10 else "")
    head = (f"Rule {outcome.name} saved: pushes groups matching --{outcome.kind} "
            f"{quoted(outcome.pattern)} to {outcome.app}, now and at every sync. It matches "
            f"{plural(len(outcome.matches), 'group')}" + (f": {shown}" if outcome.matches else "")
            + ".")
    return "\n".join([head, *(sync_line(s) for s in outcome.steps)])


def sync_line(step: SyncStep) -> str:
    """One app group a sync or a new rule pushed, failed or held."""
    where = f"{quoted(step.group)} on {step.app}"
    if step.kind == "rule pushed":
        return f"• rule {step.rule} pushed {quoted(step.group)}: {plural(step.added, 'member')}"
    if step.kind == "rule failed":
        return f"✗ rule {step.rule}: {quoted(step.group)}: {step.message}"
    if step.kind == "held":
        return (f"⏸ {step.group} on {step.app}: a sync would remove {step.removing} of "
                f"{step.of} members — held: `approve {step.request_id}` lets it go")
    if step.kind == "failed":
        return f"✗ {where}: {step.message}"
    if step.kind == "partly":
        return f"✗ {where}: {step.message} (+{step.added} -{step.removed} pushed)"
    renamed = f", renamed from {quoted(step.renamed_from)}" if step.renamed_from else ""
    described = ", description updated" if step.described else ""
    return f"• {where}: +{step.added} -{step.removed}{renamed}{described}"
