"""The registry of operations: each command registered once with its grammar, kind and handler.

    @command("ignore GROUP on APP", Kind.CHANGE, "keep the app's changes",
             handled_in="engine.push.handlers")
    @dataclass(frozen=True)
    class Ignore(Operation):
        group: str
        app: str

        @classmethod
        def parse(cls, words: Words) -> Ignore:
            return cls(*words.around("on"))

        def words(self) -> list[str]:
            return [self.group, "on", self.app]

    # engine/push/handlers.py, loaded when the first `ignore` runs:
    @handles(Ignore)
    def ignore(ctx: Context, op: Ignore) -> Ignored: ...   # a typed outcome (engine/outcomes/)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from importlib import import_module
from typing import Any, TypeVar

from engine.core import DRY_RUN, Context, Kind, Operation, Outcome, Spec, join
from engine.grammar import UsageError, Words, split

Op = TypeVar("Op", bound=Operation)
Handler = Callable[[Context, Any], Outcome]
"""A handler returns a typed outcome (raising RefusalError, UsageError or a connector's error
is answered by the executor as a Refusal or a Failed outcome)."""
OPERATIONS: dict[str, type[Operation]] = {}
"""Every registered operation by verb, in the order help lists them."""
HANDLERS: dict[type[Operation], Handler] = {}
"""The handlers registered so far (a handler's module loads when its operation first runs:
use `handler_of`)."""
PREVIEWS: set[type[Operation]] = set()
"""Operations whose handler honours dry_run (the executor refuses --dry-run for the others)."""


def _verb(usage: str) -> str:
    words = []
    for word in usage.split():
        if not word.isalpha() or not word.islower():
            break
        words.append(word)
    return " ".join(words)


def command(usage: str, kind: Kind, summary: str, *, handled_in: str, long: bool = False,
            flags: tuple[str, ...] = (), typed: bool = True) -> Callable[[type[Op]], type[Op]]:
    """Register an operation class under the verb its usage starts with; `handled_in` is the
    module of its handler, imported when the operation first runs."""
    def register(cls: type[Op]) -> type[Op]:
        verb = _verb(usage)
        if verb in OPERATIONS:
            raise ValueError(f"two operations registered for `{verb}`")
        cls.spec = Spec(verb=verb, usage=usage, kind=kind, summary=summary, long=long,
                        flags=flags, typed=typed, handled_in=handled_in)
        OPERATIONS[verb] = cls
        return cls
    return register


H = TypeVar("H", bound=Callable[..., Any])


def handles(cls: type[Op], *, dry_run: bool = False) -> Callable[[H], H]:
    """Register the handler that runs one operation; dry_run=True when it honours
    `op.dry_run` (the exact plan, no write to any app)."""
    def register(handler: H) -> H:
        if handler.__module__ != cls.spec.handled_in:
            raise ValueError(f"`{cls.spec.verb}` is handled in {handler.__module__}, but its "
                             f"@command says handled_in={cls.spec.handled_in!r}")
        HANDLERS[cls] = handler
        if dry_run:
            PREVIEWS.add(cls)
        return handler
    return register


def handler_of(cls: type[Operation]) -> Handler:
    """The handler that runs an operation, its module imported the first time."""
    if cls not in HANDLERS:
        import_module(cls.spec.handled_in)
    return HANDLERS[cls]


def previews(cls: type[Operation]) -> bool:
    """True when the operation's handler honours --dry-run."""
    handler_of(cls)
    return cls in PREVIEWS


def every_handler() -> dict[type[Operation], Handler]:
    """Every operation's handler, each module imported (for checks over all commands)."""
    return {cls: handler_of(cls) for cls in OPERATIONS.values()}


def from_dict(data: dict[str, Any]) -> Operation:
    """An operation back from `to_dict` (as stored with an approval request)."""
    cls = OPERATIONS[str(data["op"])]
    names = {f.name for f in fields(cls)}
    values: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v
                              for k, v in data.items() if k in names}
    return cls(**values)


def parse(text: str) -> Operation:
    """The operation a command line means; UsageError names what was wrong."""
    from connectors.settings import closest

    words = split(text.strip())
    if not words:
        raise UsageError("Type a command; `help` lists them.", "help")
    for size in (2, 1):
        verb = " ".join(w.lower() for w in words[:size])
        if len(words) >= size and verb in OPERATIONS and OPERATIONS[verb].spec.typed:
            return _parse(OPERATIONS[verb], words[size:])
    first = words[0].lower()
    verbs = [v for v, cls in OPERATIONS.items() if cls.spec.typed]
    family = [v for v in verbs if v.split()[0] == first and " " in v]
    if family:
        raise UsageError(f"`{first}` takes {', '.join(v.split()[1] for v in family)}.", first,
                         " | ".join(OPERATIONS[v].spec.usage for v in family))
    near = closest(first, list(dict.fromkeys(v.split()[0] for v in verbs)))
    tip = f" Did you mean {_corrected(near[0], words[1:])}?" if near else ""
    raise UsageError(f"Unknown command `{first}`.{tip} `help` lists the commands.",
                     near[0] if near else None,
                     " | ".join(OPERATIONS[v].spec.usage for v in verbs
                                if near and v.split()[0] == near[0]))


def _corrected(verb: str, rest: list[str]) -> str:
    """The line with its verb corrected, as a command when it then parses, else the word."""
    line = join([verb, *rest])
    try:
        parse(line)
    except UsageError:
        return verb
    return f"`{line}`"


def _parse(cls: type[Operation], rest: list[str]) -> Operation:
    spec = cls.spec
    words = Words(spec.verb, spec.usage, rest)
    changes = spec.kind in (Kind.CHANGE, Kind.APPROVAL, Kind.DECISION) or DRY_RUN in spec.flags
    dry_run = words.flag(DRY_RUN) if changes else False
    if not changes and DRY_RUN in rest:
        raise words.error(f"`{spec.verb}` changes nothing, so it takes no {DRY_RUN}.")
    operation = cls.parse(words)
    words.done(list(dict.fromkeys([*spec.flags, *([DRY_RUN] if changes else [])])))
    return operation if not dry_run else _with_dry_run(operation)


def _with_dry_run(operation: Op) -> Op:
    from dataclasses import replace

    return replace(operation, dry_run=True)
