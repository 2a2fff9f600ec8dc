"""What the engine answers: a Reply every surface (console, CLI, Slack) can render."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.registry import Operation

from connectors.secrets import redact


@dataclass
class Reply:
    """The outcome of one command: done, refused or failed, with text and data for views."""

    ok: bool
    text: str
    status: str = "done"  # done | refused | failed | usage
    data: dict[str, Any] = field(default_factory=dict)
    operation: Operation | None = field(default=None, compare=False)
    """The operation this answers (set by the executor)."""

    def __post_init__(self) -> None:
        self.text = redact(self.text)  # whatever it quotes, no configured secret is shown

    @classmethod
    def refused(cls, text: str, **data: Any) -> Reply:
        """A request that was not carried out; nothing changed."""
        return cls(ok=False, text=text, status="refused", data=data)

    @classmethod
    def failed(cls, text: str, **data: Any) -> Reply:
        """A request that was tried and failed in an app."""
        return cls(ok=False, text=text, status="failed", data=data)

    @property
    def exit_code(self) -> int:
        """0 done, 1 refused or failed, 2 bad usage."""
        return 0 if self.ok else (2 if self.status == "usage" else 1)
