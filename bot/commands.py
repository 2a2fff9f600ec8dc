"""The command grammar: text -> a typed Command (raises UsageError, never exits)."""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from connectors.settings import closest

USAGE = {
    "help": "help",
    "apps": "apps",
    "list": "list [APP]",
    "search": "search TEXT",
    "push": "push GROUP to APP [--no-memberships]",
    "rule": "rule add NAME to APP --starts-with T | --contains T | --regex R | "
            "rule list [APP] | rule remove NAME",
    "deactivate": "deactivate GROUP on APP",
    "activate": "activate GROUP on APP",
    "unlink": "unlink GROUP from APP --keep | --delete",
    "now": "now GROUP on APP",
    "info": "info GROUP on APP",
    "bulk": "bulk deactivate APP GROUP... | --all   or   bulk delete APP GROUP... | --all",
    "sync": "sync [APP] [--full]",
    "check": "check [APP]",
    "repush": "repush USER",
    "approve": "approve ID",
    "deny": "deny ID",
    "audit": "audit [N]",
}
HELP = """grouppush pushes directory groups and their active members into apps.
GROUP is a directory group name (quote it when it has spaces); APP is a configured app.

  help                                   this text
  apps                                   configured apps, their health
  list [APP]                             pushed groups: status, last push, errors
  search TEXT                            directory groups whose names match
  push GROUP to APP [--no-memberships]   push by name
  rule add NAME to APP --starts-with T | --contains T | --regex R
  rule list [APP]                        push rules
  rule remove NAME                       delete a rule (its groups stay pushed)
  deactivate GROUP on APP                pause a push
  activate GROUP on APP                  resume a push and catch up
  unlink GROUP from APP --keep|--delete  stop a push (needs approval)
  now GROUP on APP                       push now: overwrite the app's members
  info GROUP on APP                      the Information details
  bulk deactivate APP GROUP... | --all   pause many
  bulk delete APP GROUP... | --all       delete many from the app (needs approval)
  sync [APP] [--full]                    push directory changes now (--full: re-read all)
  check [APP]                            drift check now
  repush USER                            push one user to all their groups now
  approve ID | deny ID                   answer an approval request
  audit [N]                              the last N changes"""


class UsageError(ValueError):
    """The text is not a command; the message says what was wrong and how to write it."""

    def __init__(self, message: str, verb: str | None = None) -> None:
        usage = USAGE.get(verb or "", "")
        super().__init__(f"{message}\nUsage: {usage}" if usage else message)
        self.verb = verb


@dataclass(frozen=True)
class Command:
    """One parsed command."""

    verb: str
    group: str | None = None
    app: str | None = None
    text: str | None = None
    names: tuple[str, ...] = ()
    everything: bool = False
    memberships: bool = True
    delete: bool = False
    kind: str | None = None
    pattern: str | None = None
    count: int | None = None


def _split(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError as exc:
        raise UsageError(f"Cannot read the command: {exc} (a quote is not closed?).") from None


def _around(words: list[str], keyword: str, verb: str) -> tuple[str, str, list[str]]:
    """GROUP KEYWORD APP [rest]: the group may be several unquoted words."""
    positions = [i for i, w in enumerate(words) if w.lower() == keyword]
    if not positions or positions[-1] == 0 or positions[-1] + 1 >= len(words):
        raise UsageError(f"`{verb}` needs a group and an app.", verb)
    at = positions[-1]
    return " ".join(words[:at]), words[at + 1], words[at + 2:]


def _flags(rest: list[str], allowed: set[str], verb: str) -> set[str]:
    flags = set()
    for word in rest:
        if word not in allowed:
            near = closest(word, allowed)
            tip = f" Did you mean {near[0]}?" if near else ""
            raise UsageError(f"Unexpected `{word}`.{tip}", verb)
        flags.add(word)
    return flags


def parse(text: str) -> Command:
    """Parse one command line."""
    words = _split(text.strip())
    if not words:
        raise UsageError("Type a command; `help` lists them.", "help")
    verb, args = words[0].lower(), words[1:]
    if verb in ("help", "apps") and not args:
        return Command(verb)
    if verb == "sync" and "--full" in args and len(args) <= 2:
        apps = [a for a in args if a != "--full"]
        return Command(verb, app=apps[0] if apps else None, everything=True)
    if verb in ("list", "sync", "check") and len(args) <= 1:
        return Command(verb, app=args[0] if args else None)
    if verb == "search" and args:
        return Command(verb, text=" ".join(args))
    if verb == "push":
        if not args:
            return Command("push")
        group, app, rest = _around(args, "to", verb)
        return Command(verb, group=group, app=app,
                       memberships="--no-memberships" not in _flags(rest, {"--no-memberships"},
                                                                    verb))
    if verb in ("deactivate", "activate", "now", "info"):
        group, app, rest = _around(args, "on", verb)
        _flags(rest, set(), verb)
        return Command(verb, group=group, app=app)
    if verb == "unlink":
        group, app, rest = _around(args, "from", verb)
        flags = _flags(rest, {"--keep", "--delete"}, verb)
        if len(flags) != 1:
            raise UsageError("`unlink` needs exactly one of --keep (leave the group in the app) "
                             "or --delete (delete it there).", verb)
        return Command(verb, group=group, app=app, delete="--delete" in flags)
    if verb == "rule":
        return _rule(args)
    if verb == "bulk":
        return _bulk(args)
    if verb in ("repush", "approve", "deny") and len(args) == 1:
        return Command(verb, text=args[0])
    if verb == "audit" and len(args) <= 1:
        if args and (not args[0].isdigit() or int(args[0]) < 1):
            raise UsageError(f"`audit` takes a number of changes, not `{args[0]}`.", verb)
        return Command(verb, count=int(args[0]) if args else 20)
    if verb in USAGE:
        raise UsageError(f"`{verb}` was not written as expected.", verb)
    near = closest(verb, USAGE)
    tip = f" Did you mean `{near[0]}`?" if near else ""
    raise UsageError(f"Unknown command `{verb}`.{tip} `help` lists the commands.",
                     near[0] if near else None)


def _rule(args: list[str]) -> Command:
    sub = args[0].lower() if args else ""
    if sub == "list" and len(args) <= 2:
        return Command("rule list", app=args[1] if len(args) == 2 else None)
    if sub == "remove" and len(args) >= 2:
        return Command("rule remove", text=" ".join(args[1:]))
    if sub == "add":
        kinds = {"--starts-with": "starts-with", "--contains": "contains", "--regex": "regex"}
        flag_at = [i for i, w in enumerate(args) if w in kinds]
        if len(flag_at) != 1 or flag_at[0] + 2 != len(args):
            raise UsageError("`rule add` needs one of --starts-with, --contains or --regex, "
                             "followed by its text, at the end.", "rule")
        name, app, rest = _around(args[1:flag_at[0]], "to", "rule")
        if rest:
            raise UsageError(f"Unexpected `{' '.join(rest)}`.", "rule")
        return Command("rule add", text=name, app=app, kind=kinds[args[flag_at[0]]],
                       pattern=args[-1])
    raise UsageError("`rule` takes add, list or remove.", "rule")


def _bulk(args: list[str]) -> Command:
    if len(args) < 3 or args[0].lower() not in ("deactivate", "delete"):
        raise UsageError("`bulk` needs deactivate or delete, an app, then groups or --all.",
                         "bulk")
    everything = "--all" in args[2:]
    names = tuple(a for a in args[2:] if a != "--all")
    if everything and names:
        raise UsageError("Give either group names or --all, not both.", "bulk")
    return Command(f"bulk {args[0].lower()}", app=args[1], names=names, everything=everything)
