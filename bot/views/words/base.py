"""The renderer registry: one function per outcome type, turning it into what people read."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from connectors.secrets import redact
from engine.core import Reply
from engine.outcomes import Outcome

Out = TypeVar("Out", bound=Outcome)
Renderer = Callable[[Any], str]
RENDERERS: dict[type[Outcome], Renderer] = {}


def renders(cls: type[Out]) -> Callable[[Callable[[Out], str]], Callable[[Out], str]]:
    """Register the function that words one outcome type (subclasses use it unless they have
    their own)."""
    def register(function: Callable[[Out], str]) -> Callable[[Out], str]:
        RENDERERS[cls] = function
        return function
    return register


def render_outcome(outcome: Outcome) -> str | None:
    """The words for one outcome, or None when its type has no renderer."""
    for kind in type(outcome).__mro__:
        if kind in RENDERERS:
            return redact(RENDERERS[kind](outcome))
    return None


def render(reply: Reply) -> str:
    """What the console and the CLI print, and Slack shows, for one reply: its outcome in
    words, or the engine's text for a command that returns no typed outcome yet."""
    if reply.outcome is None:
        return reply.text
    words = render_outcome(reply.outcome)
    return reply.text if words is None else words
