"""`retry APP --all` and `explain` in words."""

from __future__ import annotations

from bot.views.words.base import renders
from bot.views.words.failures import information
from engine.outcomes import Explained, RetriedAll
from engine.words import plural, quoted


@renders(RetriedAll)
def retried_all(outcome: RetriedAll) -> str:
    """How many were fixed, then each that still fails with its Information, and holds."""
    tried = len(outcome.fixed) + len(outcome.failures) + len(outcome.held)
    lines = []
    if not tried:
        lines.append(f"No active push of {outcome.app} has an error; nothing to retry.")
    else:
        lines.append(f"Retried {plural(tried, 'failed push', 'failed pushes')} of "
                     f"{outcome.app}: {len(outcome.fixed)} fixed"
                     + (f" ({', '.join(quoted(g) for g in outcome.fixed)})"
                        if outcome.fixed else "")
                     + (f", {len(outcome.failures)} still failing" if outcome.failures else "")
                     + (f", {len(outcome.held)} held" if outcome.held else "") + ".")
    for failure in outcome.failures:
        hint = f"\n  Troubleshooting: {failure.hint}" if failure.hint else ""
        lines.append(f"• {quoted(failure.group)}: {failure.message}{hint}\n  "
                     f"{information(failure)}")
    for held in outcome.held:
        lines.append(f"• {quoted(held.group)} is held: a sync would remove {held.removing} "
                     f"of {held.of} members; `approve {held.request_id}` lets it go.")
    if outcome.left_alone:
        lines.append("Not retried (deactivated: `activate GROUP on APP` resumes it; or "
                     f"protected): {', '.join(quoted(g) for g in outcome.left_alone)}.")
    return "\n".join(lines)


FACTS = (("in_directory_group", "Member of the directory group"),
         ("active", "Active in the directory"),
         ("app_user", "Known to the app"),
         ("pushed", "Pushed by grouppush"),
         ("in_app_group", "In the app group now"))


@renders(Explained)
def explained(outcome: Explained) -> str:
    """One line per fact, in the order an admin checks them, then what the next sync does."""
    values = {"in_directory_group": outcome.in_directory_group, "active": outcome.active,
              "app_user": None if outcome.by_okta else outcome.app_user is not None,
              "pushed": outcome.pushed, "in_app_group": outcome.in_app_group}
    evidence = {"active": f"status {outcome.user_status}",
                "app_user": f"app user {outcome.app_user}",
                "pushed": "in the members it last pushed",
                "in_app_group": f"read from {outcome.app} now"}
    lines = [f"Why {outcome.user} is or is not in {quoted(outcome.group)} on {outcome.app}:"]
    for number, (fact, label) in enumerate(FACTS, 1):
        value = values[fact]
        said = "yes" if value else "unknown" if value is None else "no"
        why = (outcome.reason(fact) if not value else evidence.get(fact, "")).rstrip(".")
        lines.append(f"{number}. {label}: {said}" + (f": {why}" if why else "") + ".")
    lines.append(f"Next sync: {outcome.next_sync}: {outcome.reason('next_sync')}.")
    return "\n".join(lines)
