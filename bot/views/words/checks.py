"""The drift check in words: a first line on what was found, then one line per group."""

from __future__ import annotations

from bot.views.words.base import renders
from engine.core import quote
from engine.drift import DriftReport, drift_summary
from engine.outcomes import DriftChecked
from engine.words import plural, quoted


def describe_drift(report: DriftReport) -> str:
    """One paragraph about one drifted group."""
    return f"{quoted(report.group)} on {report.app}: {drift_summary(report)}"


def overwrite_hint(report: DriftReport) -> str:
    """The real `now` command that overwrites this drifted app group."""
    return f" `now {quote(report.group)} on {quote(report.app)}` overwrites it."


def _summary(scope: str, drifted: int, checked: int, unread: int) -> str:
    """The first line of a check: drift found, none, or the check could not complete."""
    total = checked + unread
    if unread:
        found = (f"; {drifted} of the {checked} read {_differ(drifted)} from what was pushed"
                 if drifted else f"; the {checked} read {_match(checked)} what was pushed"
                 if checked else "")
        return (f"The drift check of {scope} could not complete: {unread} of "
                f"{plural(total, 'pushed group')} could not be read{found}.")
    if drifted:
        return (f"Drift in {scope}: {drifted} of {plural(total, 'pushed group')} "
                f"{_differ(drifted)} from "
                "what was pushed.")
    return (f"No drift in {scope}: {plural(total, 'pushed group')} {_match(total)} what was "
            "pushed.")


def _differ(count: int) -> str:
    return "differs" if count == 1 else "differ"


def _match(count: int) -> str:
    return "matches" if count == 1 else "match"


@renders(DriftChecked)
def drift_checked(outcome: DriftChecked) -> str:
    """The summary, the drift (new, seen before, then ignored) and the groups not read."""
    reported = outcome.reported
    lines = [("• " if d.state == "new" else "• (seen before) ") + describe_drift(d.report)
             .rstrip(".") + "." + overwrite_hint(d.report) for d in reported]
    lines += [f"• (ignored by {d.ignored_by}) " + describe_drift(d.report)
              for d in outcome.drift if d.state == "ignored"]
    lines += [f"✗ {quoted(f.group)} on {f.app}: {f.message}" for f in outcome.failures]
    head = _summary(outcome.app or "all apps", len(reported), outcome.checked,
                    len(outcome.failures))
    return "\n".join([head, *lines, *(f"ℹ {a.not_read}" for a in outcome.apps if a.not_read)])
