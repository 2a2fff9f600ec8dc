"""Refusals and bad usage: their reason, as the engine found it."""

from __future__ import annotations

from bot.views.words.base import renders
from engine.outcomes import Refusal


@renders(Refusal)
def refusal(outcome: Refusal) -> str:
    """The reason, which names what was wrong and the closest valid choice."""
    return outcome.reason
