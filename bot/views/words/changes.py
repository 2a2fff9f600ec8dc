"""Rules, bulk deactivation and repushing one user, in words."""

from __future__ import annotations

from bot.views.words.base import renders
from engine.outcomes import (
    BulkDeactivated,
    Repushed,
    RepushStep,
    RuleRemoved,
)
from engine.words import plural, quoted

REPUSHED = {"already a member": "already a member, nothing to do",
            "not a member": "not a member, nothing to do",
            "skipped": "skipped, not in the app"}


@renders(RuleRemoved)
def rule_removed(outcome: RuleRemoved) -> str:
    """The rule is gone; its groups stay pushed, and how to stop one."""
    return (f"Rule {quoted(outcome.name)} removed. Groups it pushed stay pushed "
            f"(`list {outcome.app}` shows them); `unlink GROUP from {outcome.app} --keep` "
            "(or --delete) stops one.")


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

