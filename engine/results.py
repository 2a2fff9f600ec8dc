"""What the engine answers: a Reply carrying a typed outcome every surface renders (the
console and CLI as text, Slack as Block Kit, --json, a notebook's table)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.registry import Operation

from connectors.secrets import redact
from engine.outcomes import Outcome, Refusal


@dataclass
class Reply:
    """The answer to one command: done, refused or failed, with its outcome.

    `text` is the engine's own sentence for the commands whose handlers do not return a typed
    outcome yet, and the reason of a refusal; for a typed outcome it is empty and the bot
    renders the outcome (bot/views/words)."""

    ok: bool
    text: str
    status: str = "done"  # done | refused | failed | usage
    data: dict[str, Any] = field(default_factory=dict)
    operation: Operation | None = field(default=None, compare=False)
    """The operation this answers (set by the executor)."""
    outcome: Outcome | None = None
    """What the operation did, typed (None for a command not migrated yet)."""

    def __post_init__(self) -> None:
        self.text = redact(self.text)  # whatever it quotes, no configured secret is shown

    @classmethod
    def of(cls, outcome: Outcome) -> Reply:
        """The reply carrying a typed outcome; its data is the outcome's JSON."""
        text = outcome.reason if isinstance(outcome, Refusal) else ""
        return cls(outcome.ok, text, outcome.status, outcome.to_json(), outcome=outcome)

    @classmethod
    def refused(cls, text: str, **data: Any) -> Reply:
        """A request that was not carried out; nothing changed."""
        return cls.of(Refusal(text, tuple(data.items())))

    @classmethod
    def failed(cls, text: str, **data: Any) -> Reply:
        """A request that was tried and failed in an app."""
        return cls(ok=False, text=text, status="failed", data=data)

    @property
    def exit_code(self) -> int:
        """0 done, 1 refused or failed, 2 bad usage."""
        return 0 if self.ok else (2 if self.status == "usage" else 1)
