"""Failures in words: the app's message, a hint, and the Information details Retry needs."""

from __future__ import annotations

from bot.views.words.base import renders
from engine.core import quote
from engine.outcomes import Failed, Retried
from engine.reports import when
from engine.service import quoted


@renders(Failed)
def failed(outcome: Failed) -> str:
    """`Failed: ...`, the troubleshooting hint, and where `info` and Retry find it."""
    hint = f"\nTroubleshooting: {outcome.hint}" if outcome.hint else ""
    recorded = outcome.recorded
    if recorded is None:
        return f"Failed: {outcome.message}{hint}"
    details = (f"\nInformation: {recorded.group} on {recorded.app}, operation "
               f"{recorded.operation}, {when(recorded.at)}"
               + (f", app status {recorded.status}" if recorded.status else "")
               + f". `info {quote(recorded.group)} on {recorded.app}` shows it; Retry "
               "pushes it again.")
    return f"Failed: {outcome.message}{hint}{details}"


@renders(Retried)
def retried(outcome: Retried) -> str:
    """Works again, failed again, or held for an approver."""
    where = f"{quoted(outcome.group)} on {outcome.app}"
    if outcome.error is not None:
        return f"Retry of {where} failed again: {outcome.error}"
    if outcome.held is not None:
        return (f"Retry of {where} is held: {outcome.group} on {outcome.app}: a sync would "
                f"remove {outcome.removing} of {outcome.of} members; `approve {outcome.held}` "
                "lets it go.")
    return (f"Retried {where}: it works again ({outcome.added} added, {outcome.removed} "
            "removed).")
