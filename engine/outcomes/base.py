"""The outcome every answer is: its status, its JSON and rows; refusals and failures."""

from __future__ import annotations

from dataclasses import dataclass, fields, is_dataclass
from typing import Any

from engine.failures import Failure
from engine.words import typeable

DONE, REFUSED, FAILED, USAGE = "done", "refused", "failed", "usage"


@dataclass(frozen=True)
class Outcome:
    """What one operation did. Subclasses are frozen dataclasses of plain values."""

    @property
    def status(self) -> str:
        """done | refused | failed | usage (held work is done: its request waits)."""
        return DONE

    @property
    def ok(self) -> bool:
        """Done: not refused, failed or bad usage."""
        return self.status == DONE

    def to_json(self) -> dict[str, Any]:
        """The `data` of `grouppush exec --json` (docs/json.md): every field, tuples as lists."""
        return {f.name: plain(getattr(self, f.name)) for f in fields(self)}

    def rows(self) -> list[dict[str, Any]]:
        """The outcome as table rows (one row by default)."""
        return [self.to_json()]


def plain(value: Any) -> Any:
    """A field's value as JSON-ready data: tuples as lists, outcomes and records as objects."""
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    if isinstance(value, Outcome) or hasattr(value, "to_json"):
        return value.to_json()
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in fields(value)}
    return value


@dataclass(frozen=True)
class Refusal(Outcome):
    """A request that was not carried out; nothing changed. The reason names what was wrong
    and the closest valid choice (refusals are raised deep in the engine with their reason)."""

    reason: str = ""
    data: tuple[tuple[str, Any], ...] = ()
    """What views need next to the reason (a refused decision's approval)."""
    usage: bool = False
    """Bad usage (exit 2) rather than a refusal (exit 1)."""

    @property
    def status(self) -> str:
        """refused, or usage."""
        return USAGE if self.usage else REFUSED

    def to_json(self) -> dict[str, Any]:
        """Its data (often empty)."""
        return dict(self.data)

    def rows(self) -> list[dict[str, Any]]:
        """No table."""
        return []


@dataclass(frozen=True)
class Failed(Outcome):
    """A change tried in an app that failed there. `recorded` is the failure as `info` shows
    it (with what Retry needs) when a push recorded it; else only the app's message."""

    message: str
    hint: str = ""
    recorded: Failure | None = None

    @property
    def status(self) -> str:
        """failed."""
        return FAILED

    def to_json(self) -> dict[str, Any]:
        """{"retry": the command that runs it again} when Retry can, else {}."""
        recorded = self.recorded
        if recorded is None or not recorded.mapping_id:
            return {}
        return {"retry": f"retry {typeable(recorded.group)} on {recorded.app}"}

    @property
    def retry_mapping(self) -> int | None:
        """The pushed group Retry pushes again, or None."""
        return self.recorded.mapping_id if self.recorded is not None else None

    def rows(self) -> list[dict[str, Any]]:
        """The failure's details."""
        return [self.recorded.to_dict()] if self.recorded is not None else \
            [{"message": self.message, "hint": self.hint}]
