"""A failed change: the app's message, a hint, and the recorded failure Retry needs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from engine.core import FAILED, Outcome, Status, quote
from engine.failures import Failure
from engine.shapes import STR, Shape, obj


@dataclass(frozen=True)
class Failed(Outcome):
    """A change tried in an app that failed there. `recorded` is the failure as `info` shows
    it (with what Retry needs) when a push recorded it; else only the app's message."""

    message: str
    hint: str = ""
    recorded: Failure | None = None

    @property
    def status(self) -> Status:
        """failed."""
        return FAILED

    shape: ClassVar[Shape] = obj({}, {"retry": STR})

    def to_json(self) -> dict[str, Any]:
        """{"retry": the command that runs it again} when Retry can, else {}."""
        recorded = self.recorded
        if recorded is None or not recorded.mapping_id:
            return {}
        return {"retry": f"retry {quote(recorded.group)} on {recorded.app}"}

    @property
    def retry_mapping(self) -> int | None:
        """The pushed group Retry pushes again, or None."""
        return self.recorded.mapping_id if self.recorded is not None else None

    def rows(self) -> list[dict[str, Any]]:
        """The failure's details."""
        return [self.recorded.to_dict()] if self.recorded is not None else \
            [{"message": self.message, "hint": self.hint}]
