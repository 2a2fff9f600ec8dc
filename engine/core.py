"""The core vocabulary every part of grouppush speaks, importing nothing of grouppush's own:
an Operation (a typed command) of some Kind, the Outcome its handler returns (a Refusal when
it was not carried out), the Reply that carries it to a surface, and the Context a handler
gets next to its operation. Quoting a name the way the grammar reads it back lives here too.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from enum import StrEnum
from typing import Any, ClassVar, Generic, Self, TypeVar

DRY_RUN = "--dry-run"
Progress = Callable[[int, int], None]
"""Called with (done, total) members while a long push runs."""


class Kind(StrEnum):
    """What running an operation does, which decides who may run it and how it is answered."""

    READ = "read"
    """Changes nothing in any app; anyone may run it."""
    CHANGE = "change"
    """Changes pushes or apps; operators only; takes --dry-run."""
    APPROVAL = "needs approval"
    """Changes nothing until an approver approves the request it makes; operators only."""
    DECISION = "decision"
    """Answers an approval request; the approvals policy decides who may."""


class Status(StrEnum):
    """How an operation ended (a str enum: its JSON is the plain word)."""

    DONE = "done"
    REFUSED = "refused"
    FAILED = "failed"
    USAGE = "usage"


DONE, REFUSED, FAILED, USAGE = Status.DONE, Status.REFUSED, Status.FAILED, Status.USAGE


def quote(word: str) -> str:
    """A word (a group's name) as the grammar reads it back: bare when it can be, else quoted.
    The one quoting function; engine.service.quoted is it on one line, for messages."""
    if word and not any(c.isspace() or c in "'\"\\#`" for c in word):
        return word
    return f'"{word}"' if '"' not in word and "\\" not in word else shlex.quote(word)


def join(words: Iterable[str]) -> str:
    """A command line from words, each quoted as the grammar reads it back."""
    return " ".join(quote(w) for w in words)


class RefusalError(Exception):
    """Raised deep in the engine when a request will not be carried out; the message says why
    and what to do. The executor answers it as a Refusal outcome."""


@dataclass(frozen=True)
class Spec:
    """How one operation is written, what kind it is, and how it is shown in help."""

    verb: str
    usage: str
    kind: Kind
    summary: str
    long: bool = False
    """Work that may take long: Slack shows a working message with progress first."""
    flags: tuple[str, ...] = ()
    typed: bool = True
    """False for operations only buttons build (no text form)."""
    handled_in: str = ""
    """The module whose `@handles` function runs this operation, imported when it first runs
    (so a command loads its own handler, not every one)."""


@dataclass(frozen=True)
class Operation:
    """One command, typed: what every surface (chat, console, CLI, buttons, dialogs,
    notebook) builds and the executor runs."""

    spec: ClassVar[Spec]
    dry_run: bool = field(default=False, kw_only=True)

    @classmethod
    def parse(cls, words: Any) -> Self:
        """The operation from the words after its verb (engine.grammar.Words)."""
        return cls()

    def words(self) -> list[str]:
        """The words after the verb that `parse` reads back into this operation."""
        return []

    def line(self) -> str:
        """The command line people would type for this operation."""
        dry = [DRY_RUN] if self.dry_run else []
        return join([*self.spec.verb.split(), *self.words(), *dry])

    def to_dict(self) -> dict[str, Any]:
        """The operation as JSON-ready data: {"op": verb, field: value...}."""
        return {"op": self.spec.verb, **asdict(self)}


@dataclass(frozen=True)
class Outcome:
    """What one operation did. Subclasses are frozen dataclasses of plain values."""

    @property
    def status(self) -> Status:
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
    usage: bool = False
    """Bad usage (exit 2) rather than a refusal (exit 1)."""

    @property
    def status(self) -> Status:
        """refused, or usage."""
        return USAGE if self.usage else REFUSED

    def to_json(self) -> dict[str, Any]:
        """Nothing but its reason, which the reply's text carries."""
        return {}

    def rows(self) -> list[dict[str, Any]]:
        """No table."""
        return []


Redactor = Callable[[str], str]


def _unchanged(text: str) -> str:
    return text


@dataclass
class Reply:
    """The answer to one operation: its typed outcome (done, refused or failed), and the
    operation it answers. Every surface renders the outcome (bot/views/words)."""

    redact: ClassVar[Redactor] = _unchanged
    """What a refusal's reason goes through (connectors.secrets.redact, set at start-up)."""

    outcome: Outcome
    operation: Operation | None = field(default=None, compare=False)
    """The operation this answers (set by the executor)."""

    @classmethod
    def of(cls, outcome: Outcome) -> Reply:
        """The reply carrying a typed outcome."""
        return cls(outcome)

    @classmethod
    def refused(cls, text: str) -> Reply:
        """A request that was not carried out; nothing changed."""
        return cls(Refusal(text))

    @property
    def ok(self) -> bool:
        """Done: not refused, failed or bad usage."""
        return self.outcome.ok

    @property
    def status(self) -> Status:
        """done | refused | failed | usage."""
        return self.outcome.status

    @property
    def text(self) -> str:
        """A refusal's reason (no configured secret shown); empty for other outcomes."""
        return type(self).redact(self.outcome.reason) if isinstance(self.outcome, Refusal) \
            else ""

    @property
    def data(self) -> dict[str, Any]:
        """The outcome's JSON (the `data` of `--json`, docs/json.md)."""
        return self.outcome.to_json()

    @property
    def exit_code(self) -> int:
        """0 done, 1 refused or failed, 2 bad usage."""
        return 0 if self.ok else (2 if self.status == USAGE else 1)


S = TypeVar("S")


@dataclass(frozen=True)
class Context(Generic[S]):
    """What a handler gets next to its operation: who asks, from where, and the service that
    does the work (engine.service.Ctx names the context of grouppush's service)."""

    service: S
    actor: str
    channel: str = ""
    """The chat channel it was asked in (approval requests are posted there)."""
    progress: Progress | None = None
    """Called with (done, total) members while a long push runs."""
