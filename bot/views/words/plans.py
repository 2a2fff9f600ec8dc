"""A --dry-run in words: the plan, one line per app group, and what nothing changed means."""

from __future__ import annotations

from dataclasses import replace

from bot.views.words.base import renders
from bot.views.words.sync import hold_note
from engine.core import Operation, quote
from engine.operations import (
    Activate,
    BulkDeactivate,
    Deactivate,
    Ignore,
    PushGroup,
    PushNow,
    Repush,
    RuleAdd,
    RuleRemove,
    Sync,
)
from engine.outcomes import Planned, PlanNote, PushPlan
from engine.words import plural, quoted

SHOWN = 10
"""Names shown per list in a plan's text; the data has them all."""

WOULD: dict[type[Operation], str] = {Deactivate: "pause the push; the app group stays as it is",
         Ignore: "keep the app's changes and stop reporting this drift"}
"""What an operation without app writes would do."""


@renders(Planned)
def planned(outcome: Planned) -> str:
    """`Dry run, nothing changed: push Sales to box. Plan (1 app groups would change):` and
    the plan, line by line."""
    op = outcome.operation
    if type(op) in WOULD:
        return f"Dry run, nothing changed: `{_typed(op)}` would {WOULD[type(op)]}."
    if isinstance(op, RuleRemove):
        return (f"Dry run, nothing changed: rule {quoted(outcome.subject)} would be removed; "
                "the groups it pushed stay pushed.")
    if isinstance(op, BulkDeactivate):
        return (f"Dry run, nothing changed: {plural(len(outcome.names), 'group')} on "
                f"{outcome.subject} would be deactivated: "
                f"{', '.join(map(quoted, outcome.names)) or 'none'}. They stay in the app.")
    lines = [plan_line(p) for p in outcome.plans] + [note_line(n) for n in outcome.notes]
    if not outcome.writes:
        return "\n".join([f"Dry run, nothing changed: {head(outcome)} Nothing would change in "
                          f"the app{':' if lines else '.'}", *lines])
    return "\n".join([f"Dry run, nothing changed: {head(outcome)} Plan "
                      f"({plural(outcome.writes, 'app group')} would change):", *lines])


def head(outcome: Planned) -> str:
    """What the operation would do, in a few words."""
    op = outcome.operation
    first = outcome.plans[0] if outcome.plans else None
    where = (quoted(first.group), first.app) if first else ("", "")
    if isinstance(op, PushGroup):
        return f"push {where[0]} to {where[1]}."
    if isinstance(op, PushNow):
        return f"push {where[0]} to {where[1]} now."
    if isinstance(op, Activate):
        return f"activate {where[0]} on {where[1]} and catch up."
    if isinstance(op, RuleAdd):
        return (f"rule {quote(outcome.subject)} would be saved and push "
                f"{len(outcome.plans)} of the {plural(outcome.matches, 'group')} it matches now.")
    if isinstance(op, Sync):
        return f"sync {op.app or 'all apps'}."
    if isinstance(op, Repush):
        return f"repush {outcome.subject} to {plural(len(outcome.plans), 'pushed group')}."
    return f"`{_typed(op)}`."


def _typed(op: Operation) -> str:
    """The command as it would run for real (without --dry-run)."""
    return replace(op, dry_run=False).line() if getattr(op, "dry_run", False) else op.line()


def plan_line(plan: PushPlan) -> str:
    """`• Sales on box: create box's group Sales; add 3: ...` (one app group)."""
    group = {"create": f"create {plan.app}'s group {quoted(plan.app_group_name)}",
             "recreate": f"create {plan.app}'s group {quoted(plan.app_group_name)} again "
                         "(it is gone from the app)",
             "link": f"link {plan.app}'s existing group {quoted(plan.app_group_name)} "
                     f"(id {plan.app_group_id}) and make its members match",
             "rename": f"rename {plan.app}'s group to {quoted(plan.app_group_name)}",
             "delete": f"delete {plan.app}'s group {quoted(plan.app_group_name)} with its "
                       f"{plural(plan.members or 0, 'pushed member')}; stop pushing",
             }.get(plan.app_group)
    if plan.app_group == "keep" and plan.members is not None:  # an unlink --keep
        group = f"stop pushing; {plan.app}'s group {quoted(plan.app_group_name)} stays as it is"
    steps = [group] if group else []
    for verb, names in (("add", plan.add), ("remove", plan.remove)):
        if names:
            steps.append(f"{verb} {len(names)}: {first(names)}")
    if plan.skipped:
        steps.append(f"skip {len(plan.skipped)} not in the app: {first(plan.skipped)}")
    held = " (held for approval: too many removals)" if plan.held else (
        " (removals held for approval: too many in total)" if plan.removals_held else "")
    return (f"• {quoted(plan.group)} on {plan.app}: "
            + ("; ".join(steps) or "nothing to change") + held)


def note_line(note: PlanNote) -> str:
    """A group the preview leaves out, and why."""
    held = hold_note(note)
    if held is not None:
        return held
    if note.why == "already pushed":
        return f"• {quoted(note.group)} on {note.app}: already pushed"
    if note.rule is not None:
        return f"✗ rule {quoted(note.rule)}: {note.reason}"
    if note.why == "failed":
        return f"✗ {quoted(note.group)} on {note.app}: {note.reason}"
    return f"✗ {quoted(note.group)}: {note.reason}"


def first(names: tuple[str, ...]) -> str:
    """The first names of a list, and how many more."""
    return ", ".join(names[:SHOWN]) + (f" and {len(names) - SHOWN} more"
                                       if len(names) > SHOWN else "")
