"""Failures in words: the app's message, a hint, and the Information details `retry` needs."""

from __future__ import annotations

from bot.views.words.base import renders
from engine.core import quote
from engine.failures import Failure
from engine.outcomes import Failed, Retried
from engine.words import quoted, when


def information(recorded: Failure) -> str:
    """The Information details of a recorded failure, and the commands that show and retry it."""
    group = quote(recorded.group)
    return (f"Information: {recorded.group} on {recorded.app}, operation "
            f"{recorded.operation}, {when(recorded.at)}"
            + (f", app status {recorded.status}" if recorded.status else "")
            + f". `info {group} on {recorded.app}` shows it; `retry {group} on "
            f"{recorded.app}` pushes it again.")


@renders(Failed)
def failed(outcome: Failed) -> str:
    """`Failed: ...`, the troubleshooting hint, and where `info` and `retry` find it."""
    hint = f"\nTroubleshooting: {outcome.hint}" if outcome.hint else ""
    recorded = outcome.recorded
    if recorded is None:
        return f"Failed: {outcome.message}{hint}"
    return f"Failed: {outcome.message}{hint}\n{information(recorded)}"


@renders(Retried)
def retried(outcome: Retried) -> str:
    """Works again, failed again (with its Information), or held for an approver."""
    where = f"{quoted(outcome.group)} on {outcome.app}"
    if outcome.error is not None:
        details = f"\n{information(outcome.failure)}" if outcome.failure is not None else ""
        hint = f"\nTroubleshooting: {outcome.failure.hint}" \
            if outcome.failure is not None and outcome.failure.hint else ""
        return f"Retry of {where} failed again: {outcome.error}{hint}{details}"
    if outcome.held is not None:
        return (f"Retry of {where} is held: a sync would remove {outcome.removing} of "
                f"{outcome.of} members; `approve {outcome.held}` lets it go.")
    return (f"Retried {where}: it works again ({outcome.added} added, {outcome.removed} "
            "removed).")
