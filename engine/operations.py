"""Every command as a typed operation with its grammar; handlers live with the engine's work.

Adding a command: one class here (`@command` + dataclass + `parse`/`words`, its
`handled_in` naming the engine module of its handler), one `@handles(...)` function there
returning a typed outcome (engine/outcomes/), and its renderer in bot/views/words. The
executor imports a handler's module when its operation first runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import ClassVar, Self, cast

from connectors.settings import closest
from engine.core import Kind, Operation
from engine.grammar import Words
from engine.registry import command

READ, CHANGE, APPROVAL, DECISION = Kind.READ, Kind.CHANGE, Kind.APPROVAL, Kind.DECISION
RULE_KINDS = ("starts-with", "contains", "regex")
AUDIT_FORMATS = ("text", "jsonl", "csv")
STATUSES = ("active", "inactive")


@dataclass(frozen=True)
class OnApp(Operation):
    """An operation on one pushed group: GROUP on APP."""

    group: str
    app: str
    keyword = "on"

    @classmethod
    def parse(cls, words: Words) -> Self:
        """GROUP KEYWORD APP."""
        group, app = words.around(cls.keyword)
        return cls(group, app)

    def words(self) -> list[str]:
        """GROUP KEYWORD APP."""
        return [self.group, self.keyword, self.app]


@dataclass(frozen=True)
class OneText(Operation):
    """An operation on one value typed after its verb: a name, a text, a login, an id. The
    subclass declares the value's field and what a missing value is called."""

    missing: ClassVar[str] = "a value"
    """What the usage error says is missing."""
    one_word: ClassVar[bool] = False
    """True: exactly one word (a login, an id); False: every word left is the value."""

    @classmethod
    def parse(cls, words: Words) -> Self:
        """The value."""
        build = cast("Callable[[str], Self]", cls)  # the subclass's one field
        return build((words.one if cls.one_word else words.text)(cls.missing))

    def words(self) -> list[str]:
        """The value."""
        return [str(getattr(self, next(f.name for f in fields(self) if not f.kw_only)))]


@dataclass(frozen=True)
class OptionalApp(Operation):
    """An operation on one app, or on every app when none is named."""

    app: str | None = None

    @classmethod
    def parse(cls, words: Words) -> Self:
        """[APP]."""
        return cls(words.optional())

    def words(self) -> list[str]:
        """[APP]."""
        return [self.app] if self.app else []


@command("help [COMMAND]", READ, "this text; with a command: its usage, flags and examples",
         handled_in="engine.reports")
@dataclass(frozen=True)
class Help(Operation):
    """The list of commands, or one command in detail."""

    command: str | None = None

    @classmethod
    def parse(cls, words: Words) -> Self:
        """[COMMAND] (one or two words: `push`, `rule add`)."""
        given = [w for w in words.rest if not w.startswith("--")]
        words.rest = [w for w in words.rest if w.startswith("--")]
        return cls(" ".join(given[:2]) if given else None)

    def words(self) -> list[str]:
        """[COMMAND]."""
        return self.command.split() if self.command else []


@command("apps", READ, "configured apps, their health",
         handled_in="engine.reports")
@dataclass(frozen=True)
class Apps(Operation):
    """Configured apps and their health."""


@command("list [APP] [--rule NAME] [--status active|inactive] [--errors] [--drift]", READ,
         "pushed groups: status, last push, errors (filtered)",
         flags=("--rule", "--status", "--errors", "--drift"),
         handled_in="engine.reports")
@dataclass(frozen=True)
class ListPushes(Operation):
    """Pushed groups, of one app or all: those a rule found, of a status, failing, drifted."""

    app: str | None = None
    rule: str | None = None
    status: str | None = None
    errors: bool = False
    drift: bool = False

    @classmethod
    def parse(cls, words: Words) -> Self:
        """[APP] [--rule NAME] [--status active|inactive] [--errors] [--drift]."""
        rule, status = words.value("--rule"), words.value("--status")
        if status is not None and status.lower() not in STATUSES:
            near = closest(status, STATUSES)
            tip = f" Did you mean {near[0]}?" if near else ""
            raise words.error(f"`--status` takes active or inactive, not `{status}`.{tip}")
        errors, drift = words.flag("--errors"), words.flag("--drift")
        return cls(words.optional(), rule, status.lower() if status else None, errors, drift)

    def words(self) -> list[str]:
        """[APP] [--rule NAME] [--status S] [--errors] [--drift]."""
        out = [self.app] if self.app else []
        out += ["--rule", self.rule] if self.rule is not None else []
        out += ["--status", self.status] if self.status else []
        return out + ["--errors"] * self.errors + ["--drift"] * self.drift


@command("search TEXT", READ, "directory groups whose names match",
         handled_in="engine.reports")
@dataclass(frozen=True)
class Search(OneText):
    """Directory groups whose names contain a text."""

    text: str
    missing = "a text to search for"


@command("push GROUP to APP [--no-memberships]", CHANGE, "push by name", long=True,
         flags=("--no-memberships",),
         handled_in="engine.push.handlers")
@dataclass(frozen=True)
class PushGroup(Operation):
    """Push a directory group to an app: create (or link) the app group, push its members."""

    group: str
    app: str
    memberships: bool = True

    @classmethod
    def parse(cls, words: Words) -> Self:
        """GROUP to APP [--no-memberships]; `push` alone is the Slack dialog."""
        if not words.rest:
            raise words.error("`push` needs a group and an app here (the dialog is Slack's).")
        group, app = words.around("to")
        return cls(group, app, memberships=not words.flag("--no-memberships"))

    def words(self) -> list[str]:
        """GROUP to APP [--no-memberships]."""
        return [self.group, "to", self.app, *([] if self.memberships else ["--no-memberships"])]


@command("rule add NAME to APP --starts-with T | --contains T | --regex R", CHANGE,
         "push every group whose name matches, now and at every sync", long=True,
         flags=tuple(f"--{k}" for k in RULE_KINDS),
         handled_in="engine.changes")
@dataclass(frozen=True)
class RuleAdd(Operation):
    """Save a push rule and push what it matches."""

    name: str
    app: str
    kind: str
    pattern: str

    @classmethod
    def parse(cls, words: Words) -> Self:
        """NAME to APP --KIND PATTERN (the flag and its text at the end)."""
        at = [i for i, w in enumerate(words.rest) if w[2:] in RULE_KINDS and w[:2] == "--"]
        if len(at) != 1 or at[0] + 1 == len(words.rest):
            raise words.error("`rule add` needs one of --starts-with, --contains or --regex, "
                              "followed by its text, at the end.")
        # the text is every word after the flag, as `^Project (Apollo|Gemini)$` unquoted
        kind, pattern = words.rest[at[0]][2:], " ".join(words.rest[at[0] + 1:])
        words.rest = words.rest[:at[0]]
        name, app = words.around("to", "a rule name and an app")
        return cls(name, app, kind, pattern)

    def words(self) -> list[str]:
        """NAME to APP --KIND PATTERN."""
        return [self.name, "to", self.app, f"--{self.kind}", self.pattern]


@command("rule list [APP]", READ, "push rules",
         handled_in="engine.reports")
@dataclass(frozen=True)
class RuleList(OptionalApp):
    """Push rules, of one app or all."""


@command("rule remove NAME", CHANGE, "delete a rule (its groups stay pushed)",
         handled_in="engine.changes")
@dataclass(frozen=True)
class RuleRemove(OneText):
    """Delete a push rule (its name may have several words)."""

    name: str
    missing = "the name of a rule"


@command("deactivate GROUP on APP", CHANGE, "pause a push",
         handled_in="engine.push.handlers")
@dataclass(frozen=True)
class Deactivate(OnApp):
    """Pause a push: the group stays in the app."""


@command("activate GROUP on APP", CHANGE, "resume a push and catch up", long=True,
         handled_in="engine.push.handlers")
@dataclass(frozen=True)
class Activate(OnApp):
    """Resume a push and catch up."""


@command("unlink GROUP from APP --keep | --delete", APPROVAL, "stop a push",
         flags=("--keep", "--delete"),
         handled_in="engine.approvals.handlers")
@dataclass(frozen=True)
class Unlink(Operation):
    """Stop a push, keeping or deleting the app group."""

    group: str
    app: str
    delete: bool

    @classmethod
    def parse(cls, words: Words) -> Self:
        """GROUP from APP --keep | --delete."""
        group, app = words.around("from")
        keep, delete = words.flag("--keep"), words.flag("--delete")
        words.done(cls.spec.flags)
        if keep == delete:
            raise words.error("`unlink` needs exactly one of --keep (leave the group in the "
                              "app) or --delete (delete it there).")
        return cls(group, app, delete)

    def words(self) -> list[str]:
        """GROUP from APP --keep | --delete."""
        return [self.group, "from", self.app, "--delete" if self.delete else "--keep"]


@command("now GROUP on APP", CHANGE, "push now: overwrite the app's members", long=True,
         handled_in="engine.push.handlers")
@dataclass(frozen=True)
class PushNow(OnApp):
    """Overwrite the app group's members with the directory's."""


@command("info GROUP on APP", READ, "the Information details",
         handled_in="engine.reports")
@dataclass(frozen=True)
class Info(OnApp):
    """The Information details of one push."""


@command("ignore GROUP on APP", CHANGE, "keep the app's changes (same as the alert's Ignore)",
         handled_in="engine.push.handlers")
@dataclass(frozen=True)
class Ignore(OnApp):
    """Keep the drift the app has: not reported again."""


@dataclass(frozen=True)
class Bulk(Operation):
    """An operation on many pushes of one app: APP GROUP... | --all."""

    app: str
    names: tuple[str, ...] = ()
    everything: bool = False

    @classmethod
    def parse(cls, words: Words) -> Self:
        """APP GROUP... | --all."""
        everything = words.flag("--all")
        if not words.rest:
            raise words.error(f"`{cls.spec.verb}` needs an app, then groups or --all.")
        if not everything and len(words.rest) < 2:
            raise words.error(f"`{cls.spec.verb} {words.rest[0]}` needs the groups after the "
                              f"app (each quoted if it has spaces), or --all for every group "
                              f"pushed to it.")
        app, names = words.rest[0], tuple(words.rest[1:])
        words.rest = []
        if everything and names:
            raise words.error("Give either group names or --all, not both.")
        return cls(app, names, everything)

    def words(self) -> list[str]:
        """APP GROUP... | --all."""
        return [self.app, *(["--all"] if self.everything else self.names)]


@command("bulk deactivate APP GROUP... | --all", CHANGE, "pause many", long=True,
         handled_in="engine.changes")
@dataclass(frozen=True)
class BulkDeactivate(Bulk):
    """Pause many pushes of one app."""


@command("bulk delete APP GROUP... | --all", APPROVAL, "delete many from the app",
         handled_in="engine.approvals.handlers")
@dataclass(frozen=True)
class BulkDelete(Bulk):
    """Delete many pushed groups from one app."""


@command("sync [APP] [--full]", CHANGE,
         "push directory changes now (--full: read the whole directory again)", long=True,
         flags=("--full",),
         handled_in="engine.sync_command")
@dataclass(frozen=True)
class Sync(OptionalApp):
    """Push directory changes now; `full` reads the whole directory first."""

    full: bool = False

    @classmethod
    def parse(cls, words: Words) -> Self:
        """[APP] [--full]."""
        full = words.flag("--full")
        return cls(words.optional(), full)

    def words(self) -> list[str]:
        """[APP] [--full]."""
        return [*super().words(), *(["--full"] if self.full else [])]


@command("check [APP]", READ, "drift check now", long=True, flags=("--dry-run",),
         handled_in="engine.checks")
@dataclass(frozen=True)
class Check(OptionalApp):
    """A drift check now."""


@command("repush USER", CHANGE, "push one user to all their groups now", long=True,
         handled_in="engine.changes")
@dataclass(frozen=True)
class Repush(OneText):
    """Bring one user up to date in every pushed group they belong to."""

    user: str
    missing, one_word = "user login", True


@dataclass(frozen=True)
class Answer(OneText):
    """An answer to one approval request: ID."""

    request_id: str
    missing, one_word = "request id", True


@command("approve ID", DECISION, "answer an approval request: carry it out",
         handled_in="engine.approvals.handlers")
@dataclass(frozen=True)
class Approve(Answer):
    """Approve a request and carry it out."""


@command("deny ID", DECISION, "answer an approval request: it will not happen",
         handled_in="engine.approvals.handlers")
@dataclass(frozen=True)
class Deny(Answer):
    """Deny a request."""


@command("withdraw ID", DECISION, "withdraw one's own request",
         handled_in="engine.approvals.handlers")
@dataclass(frozen=True)
class Withdraw(Answer):
    """Withdraw a request one asked for."""


@command("requests", READ, "pending approval requests",
         handled_in="engine.approvals.handlers")
@dataclass(frozen=True)
class Requests(Operation):
    """Pending approval requests: all of them to approvers, one's own to others."""


@command("audit [N] [--since 7d] [--format text|jsonl|csv]", READ,
         "the last changes and refused attempts: who, what, when",
         flags=("--since", "--format"),
         handled_in="engine.audit_trail")
@dataclass(frozen=True)
class Audit(Operation):
    """The last changes and refused attempts: who, what, when (as text, JSON Lines or CSV)."""

    count: int | None = None
    """How many, newest last; None: 20, or all of --since."""
    since: str | None = None
    """A duration as typed (7d, 12h), checked when parsed."""
    format: str = "text"

    @classmethod
    def parse(cls, words: Words) -> Self:
        """[N] [--since D] [--format F]."""
        since, fmt = words.value("--since"), words.value("--format") or "text"
        if since is not None:
            from storage.audit_export import parse_duration

            try:
                parse_duration(since)
            except ValueError as error:
                raise words.error(f"--since: {error}") from None
        if fmt not in AUDIT_FORMATS:
            near = closest(fmt, AUDIT_FORMATS)
            raise words.error(f"--format takes {', '.join(AUDIT_FORMATS)}, not `{fmt}`."
                              + (f" Did you mean {near[0]}?" if near else ""))
        given = words.optional()
        if given is not None and (not given.isdigit() or int(given) < 1):
            raise words.error(f"`audit` takes a number of changes, not `{given}`.")
        return cls(int(given) if given else None, since, fmt)

    def words(self) -> list[str]:
        """[N] [--since D] [--format F]."""
        return ([str(self.count)] if self.count is not None else []) + (
            ["--since", self.since] if self.since else []) + (
            ["--format", self.format] if self.format != "text" else [])


@command("retry GROUP on APP | APP --all", CHANGE,
         "push a failed group again (the Retry button); --all: every group of APP with an "
         "error", long=True, flags=("--all",),
         handled_in="engine.retry")
@dataclass(frozen=True)
class Retry(Operation):
    """Push failed groups again: one (GROUP on APP, or the Retry button's push id) or every
    push of APP that has an error (Okta's "Retry All Groups")."""

    mapping_id: int = 0
    """The Retry button's push (0 when typed)."""
    group: str = ""
    app: str = ""
    everything: bool = False

    @classmethod
    def parse(cls, words: Words) -> Self:
        """GROUP on APP | APP --all."""
        if words.flag("--all"):
            return cls(app=words.one("app (`retry APP --all`)"), everything=True)
        group, app = words.around("on")
        return cls(group=group, app=app)

    def words(self) -> list[str]:
        """GROUP on APP | APP --all (the button's push id when nothing else is known)."""
        if self.everything:
            return [self.app, "--all"]
        return [self.group, "on", self.app] if self.app else [str(self.mapping_id)]


@command("explain LOGIN in GROUP on APP", READ,
         "each fact that decides whether LOGIN is in the app group",
         handled_in="engine.explain")
@dataclass(frozen=True)
class Explain(Operation):
    """Why one person is (or is not) in one pushed group's app group."""

    login: str
    group: str
    app: str

    @classmethod
    def parse(cls, words: Words) -> Self:
        """LOGIN in GROUP on APP."""
        if len(words.rest) < 2 or words.rest[1].lower() != "in":
            raise words.error("`explain` needs a login, then `in` and a group, then `on` and "
                              "an app.")
        login, words.rest = words.rest[0], words.rest[2:]
        group, app = words.around("on", "a group and an app after the login")
        return cls(login, group, app)

    def words(self) -> list[str]:
        """LOGIN in GROUP on APP."""
        return [self.login, "in", self.group, "on", self.app]

