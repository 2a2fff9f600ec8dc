"""A push of one group in words: push, push now, activate, deactivate."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from bot.views.words.base import renders
from engine.names import one_line
from engine.outcomes import Activated, Deactivated, DriftIgnored, Pushed, PushedNow, PushResult
from engine.words import plural, quoted


@renders(Pushed)
def pushed(outcome: Pushed) -> str:
    """`Pushed Sales to box: created the group and pushed 3 members.` (+ notes)."""
    how = "linked the existing app group" if outcome.linked else "created the group"
    where = f"Pushed {quoted(outcome.group)} to {outcome.app}"
    if outcome.by_okta:
        return (f"{where}: Okta's group push mapping is made ("
                + ("linked to the existing app group" if outcome.linked
                   else "Okta creates the app group") + "); Okta pushes its members itself."
                + _look_alike(outcome))
    if not outcome.memberships:
        return f"{where}: {how}; members go at the next sync." + _look_alike(outcome)
    return (f"{where}: {how} and pushed {plural(outcome.added, 'member')}."
            + (f" {plural(outcome.removed, 'member')} only in the app removed."
               if outcome.removed else "")
            + skipped_note(outcome.skipped) + _look_alike(outcome))


@renders(PushedNow)
def pushed_now(outcome: PushedNow) -> str:
    """`Pushed Sales to box now: 2 added, 1 removed.` (+ notes)."""
    additive = " (additive: members only in the app were kept)" if outcome.additive else ""
    recreated = " The group was gone from the app and was created again." \
        if outcome.recreated else ""
    return (f"Pushed {quoted(outcome.group)} to {outcome.app} now: {outcome.added} added, "
            f"{outcome.removed} removed{additive}." + skipped_note(outcome.skipped)
            + recreated + group_note(outcome))


@renders(Activated)
def activated(outcome: Activated) -> str:
    """`Activated Sales on box and caught up: 1 added, 0 removed.` (+ notes)."""
    if outcome.by_okta:
        return (f"Activated {quoted(outcome.group)} on {outcome.app}: Okta's group push "
                "mapping is active again; Okta pushes the group's changes itself.")
    return (f"Activated {quoted(outcome.group)} on {outcome.app} and caught up: "
            f"{outcome.added} added, {outcome.removed} removed."
            + skipped_note(outcome.skipped) + group_note(outcome))


@renders(Deactivated)
def deactivated(outcome: Deactivated) -> str:
    """Paused, and how to resume."""
    where = f"{quoted(outcome.group)} on {outcome.app}"
    return (f"Deactivated {where}: the group stays in the app; directory changes are not "
            f"pushed until you `activate {where}`.")


def skipped_note(skipped: Iterable[str]) -> str:
    """A sentence about members the app does not know."""
    names = list(skipped)
    if not names:
        return ""
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    return f" Skipped {len(names)} not in the app: {shown}."


def group_note(outcome: PushResult) -> str:
    """A sentence about the app group following (or failing to follow) the directory group's
    new name or description."""
    if outcome.group_error is not None:
        return (" The app group did not take the directory group's new name or description: "
                f"{outcome.group_error}.")
    notes = [f"renamed from {quoted(outcome.renamed_from)}"] if outcome.renamed_from else []
    notes += ["given the directory group's new description"] if outcome.described else []
    return f" The app group was {' and '.join(notes)}." if notes else ""


def _look_alike(outcome: Pushed) -> str:
    """A warning when the new app group's name looks like another one's of the app."""
    if not outcome.looks_like:
        return ""
    name = outcome.group
    shown = ", ".join(f'"{one_line(n)}"' for n in outcome.looks_like)
    odd = sorted({c for c in name if not c.isascii()})
    letters = "; ".join(f"{c} is U+{ord(c):04X} {unicodedata.name(c, '?')}" for c in odd[:3])
    return (f" ⚠ Warning: \"{one_line(name)}\" looks like {shown}, also pushed to "
            f"{outcome.app}"
            + (f" ({letters})" if letters else " (some letters differ though they look alike)")
            + ". Check it is the group you meant.")


@renders(DriftIgnored)
def drift_ignored(outcome: DriftIgnored) -> str:
    """Who ignored the drift, and what that means."""
    return (f"Drift of {quoted(outcome.group)} on {outcome.app} ignored by {outcome.by}: the "
            "app's changes are kept and not reported again.")
