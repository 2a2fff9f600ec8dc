"""Outcomes in words: one renderer per engine outcome type (engine/outcomes/), used by the
console, the CLI, Slack replies and the notebook. `render(reply)` is the one entry point."""

from bot.views.words import (  # noqa: F401  (renderers register)
    changes,
    checks,
    failures,
    plans,
    pushes,
    refusals,
    reports,
    requests,
    sync,
    troubleshoot,
)
from bot.views.words.base import render, render_outcome, renders

__all__ = ["render", "render_outcome", "renders"]
