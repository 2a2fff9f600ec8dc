"""The sync and a new rule's first pushes in words: a head, then a line per app group."""

from __future__ import annotations

from bot.views.words.base import renders
from engine.outcomes import PlanNote, RuleAdded, Synced, SyncStep
from engine.outcomes.sync import KEY
from engine.words import plural, quoted


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
    head = (f"Rule {quoted(outcome.name)} saved: pushes groups matching --{outcome.kind} "
            f"{quoted(outcome.pattern)} to {outcome.app}, now and at every sync. It matches "
            f"{plural(len(outcome.matches), 'group')}" + (f": {shown}" if outcome.matches else "")
            + ".")
    return "\n".join([head, *(sync_line(s) for s in outcome.steps)])


def over_limit(removing: int, groups: int, apps: str, limit: int) -> str:
    """`the sync would remove 6 memberships in 3 groups on box, wiki, more than ...`."""
    return (f"the sync would remove {plural(removing, 'membership')} in "
            f"{plural(groups, 'group')} on {apps}, more than {KEY} ({limit})")


def sync_line(step: SyncStep) -> str:
    """One app group a sync or a new rule pushed, failed or held; or a hold of removals."""
    where = f"{quoted(step.group)} on {step.app}"
    approve = f"`approve {step.request_id}`"
    lines = {
        "rule pushed": lambda: f"• rule {quoted(step.rule)} pushed {quoted(step.group)}: "
                               f"{plural(step.added, 'member')}",
        "rule failed": lambda: f"✗ rule {quoted(step.rule)}: {quoted(step.group)}: {step.message}",
        "held": lambda: f"⏸ {where}: a sync would remove {step.removing} "
                        f"of {step.of} members — held: {approve} lets it go",
        "waiting": lambda: f"⏸ removals wait for request {step.request_id}: {approve} lets "
                           "them go",
        "over limit": lambda: f"⏸ {over_limit(step.removing, step.of, step.app, step.limit)}: "
                              f"the removals wait for approval, additions go ahead: {approve} "
                              "lets them go",
        "untrusted read": lambda: f"⏸ the directory read is not trusted ({step.message}, more "
                                  f"than safety.max_directory_loss): nothing is removed, "
                                  f"additions go ahead; {approve} trusts it, the next whole "
                                  "read releases it by itself",
        "protected": lambda: f"🔒 {where}: protected ({step.message}); the sync leaves it "
                             "as it is",
        "rule skipped": lambda: f"🔒 rule {quoted(step.rule)} skipped {quoted(step.group)} on "
                                f"{step.app}: protected ({step.message})",
        "failed": lambda: f"✗ {where}: {step.message}",
        "found": lambda: f"• {where}: pushed in Okta's admin console (outside grouppush); "
                         "listed from now on",
        "partly": lambda: f"✗ {where}: {step.message} (+{step.added} -{step.removed} pushed)",
    }
    if step.kind in lines:
        return lines[step.kind]()
    renamed = f", renamed from {quoted(step.renamed_from)}" if step.renamed_from else ""
    described = ", description updated" if step.described else ""
    return f"• {where}: +{step.added} -{step.removed}{renamed}{described}"


def hold_note(note: PlanNote) -> str | None:
    """A sync preview's note of removals that would wait for approval (None: not one)."""
    if note.why == "over limit":
        return (f"⏸ The sync would be held: "
                f"{over_limit(note.removing, note.groups, note.app, note.limit)}. The removals "
                "would wait for one approval request; additions would go ahead.")
    if note.why == "waiting":
        return f"⏸ Removals wait for request {note.request_id} (`approve {note.request_id}`)."
    return None
