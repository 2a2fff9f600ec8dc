"""`help COMMAND`: one command's usage, its flags, and examples that run (bot/views/words
says what each flag does)."""

from __future__ import annotations

from connectors.settings import closest
from engine.core import Reply
from engine.grammar import UsageError
from engine.operations import Help
from engine.outcomes import CommandHelp, Commands, Refusal
from engine.registry import DRY_RUN, OPERATIONS, Kind, Operation, parse

EXAMPLES: dict[str, tuple[str, ...]] = {
    "help": ("help", "help push"),
    "apps": ("apps",),
    "list": ("list", "list box --errors", "list box --rule eng --status active"),
    "search": ("search sales",),
    "push": ("push Sales to box", 'push "Sales Team" to box --no-memberships',
             "push id:00g1abc to box --dry-run"),
    "rule add": ("rule add eng to box --starts-with Engineering",
                 "rule add proj to box --regex ^Project (Apollo|Gemini)$"),
    "rule list": ("rule list", "rule list box"),
    "rule remove": ("rule remove eng",),
    "deactivate": ("deactivate Sales on box",),
    "activate": ("activate Sales on box --dry-run",),
    "unlink": ("unlink Sales from box --keep", "unlink Sales from box --delete"),
    "now": ("now Sales on box --dry-run", "now Sales on box"),
    "info": ("info Sales on box",),
    "ignore": ("ignore Sales on box",),
    "bulk deactivate": ("bulk deactivate box Sales Marketing", "bulk deactivate box --all"),
    "bulk delete": ("bulk delete box Sales Marketing", "bulk delete box --all --dry-run"),
    "sync": ("sync", "sync box --full"),
    "check": ("check", "check box"),
    "repush": ("repush alice@acme.com",),
    "approve": ("approve 7f3a",),
    "deny": ("deny 7f3a",),
    "withdraw": ("withdraw 7f3a",),
    "requests": ("requests",),
    "audit": ("audit", "audit 50 --since 7d", "audit --since 1d --format jsonl"),
    "retry": ("retry Sales on box", "retry box --all", "retry box --all --dry-run"),
    "explain": ("explain alice@acme.com in Sales on box",),
}
"""Examples of each command (a test parses every one)."""


def commands() -> Commands:
    """Every command people can type, in the order help lists them."""
    return Commands(tuple(CommandHelp(c.spec.usage, c.spec.summary, str(c.spec.kind))
                          for c in OPERATIONS.values() if c.spec.typed), DRY_RUN)


def command_help(name: str) -> Commands:
    """One command (or a family such as `rule`) in detail; a usage error names the closest."""
    wanted = " ".join(name.lower().split())
    typed = {verb: cls for verb, cls in OPERATIONS.items() if cls.spec.typed}
    found = [typed[wanted]] if wanted in typed else [
        cls for verb, cls in typed.items() if verb.split()[0] == wanted.split()[0]]
    if not found:
        near = closest(wanted, list(dict.fromkeys(v.split()[0] for v in typed)))
        tip = f" Did you mean `help {near[0]}`?" if near else ""
        raise UsageError(f"No command `{wanted}`.{tip} `help` lists the commands.", "help",
                         "help [COMMAND]")
    return Commands(tuple(detail(cls) for cls in found), DRY_RUN, detailed=True)


def detail(cls: type[Operation]) -> CommandHelp:
    """One command's usage, summary, kind, flags and examples."""
    spec = cls.spec
    flags = [*spec.flags, *([DRY_RUN] if spec.kind in (Kind.CHANGE, Kind.APPROVAL) else [])]
    return CommandHelp(spec.usage, spec.summary, str(spec.kind),
                       tuple(flags),
                       EXAMPLES.get(spec.verb, ()))


def answer(text: str) -> Reply | None:
    """`help [COMMAND]` answered without the service (no config, database or app: the CLI's
    `exec help` starts in a blink); None when the line is not a help command."""
    try:
        operation = parse(text)
    except UsageError:
        return None
    if not isinstance(operation, Help):
        return None
    try:
        reply = Reply.of(command_help(operation.command) if operation.command else commands())
    except UsageError as error:
        reply = Reply.of(Refusal(str(error), usage=True))
    reply.operation = operation
    return reply
