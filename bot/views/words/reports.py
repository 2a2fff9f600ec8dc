"""Reads in words: help, apps, list, search, info, rule list."""

from __future__ import annotations

from bot.views.words.base import renders
from engine.help import commands
from engine.outcomes import (
    AppsListed,
    AuditTrail,
    CommandHelp,
    Commands,
    GroupsFound,
    Information,
    PushesListed,
    PushRow,
    PushStatus,
    RulesListed,
)
from engine.words import okta_pushes, plural, quoted, when

USAGE_WIDTH = 40
"""Usages at least this long get a line of their own in `help`."""


@renders(Commands)
def commands_text(outcome: Commands) -> str:
    """Every command's usage and summary, aligned, as `help` shows them (in detail: each
    command's flags and examples)."""
    if outcome.detailed:
        return "\n\n".join(command_detail(c) for c in outcome.commands)
    width = max(len(c.usage) for c in outcome.commands if len(c.usage) < USAGE_WIDTH)
    lines = ["grouppush pushes directory groups and their active members into apps.",
             "GROUP is a directory group name (quote it when it has spaces); APP is a "
             "configured app.", ""]
    for c in outcome.commands:
        note = " (needs approval)" if c.kind == "needs approval" else ""
        if len(c.usage) > width:
            lines += [f"  {c.usage}", f"  {'':{width}}  {c.summary}{note}"]
        else:
            lines.append(f"  {c.usage:{width}}  {c.summary}{note}")
    lines += ["", f"Commands that change something take {outcome.dry_run_flag}: the exact "
              "plan, no write. `approve ID --dry-run` shows what approving would carry out now "
              "and whether it still matches the request, deciding nothing; `check --dry-run` "
              "tells what a check finds and remembers no drift."]
    return "\n".join(lines)


FLAGS: dict[str, str] = {
    "--no-memberships": "create or link the app group now; its members go at the next sync",
    "--starts-with": "groups whose names start with the text",
    "--contains": "groups whose names contain the text",
    "--regex": "groups whose names match the pattern (RE2; everything after it, as typed)",
    "--keep": "leave the app group in the app as it is",
    "--delete": "delete the app group in the app, with its memberships",
    "--full": "read the whole directory again first",
    "--rule": "only the groups this rule found",
    "--status": "only active or inactive (deactivated) pushes",
    "--errors": "only pushes whose last push failed",
    "--drift": "only pushes whose app group differs from what was pushed",
    "--since": "only the last DURATION: 90s, 30m, 12h, 7d, 2w",
    "--format": "text, or jsonl / csv (as audit-export writes them)",
    "--all": "every one of the app (for retry: every push with an error)",
    "--dry-run": "print the exact plan; change nothing in any app",
}
"""What each flag does, as `help COMMAND` shows it (a test: every flag has its words)."""

KINDS = {"read": "a read: anyone may run it", "change": "a change: operators only",
         "needs approval": "a change that needs an approver's approval",
         "decision": "answers an approval request"}


def command_detail(command: CommandHelp) -> str:
    """`help COMMAND`: usage, what it does, its flags, examples."""
    lines = [f"Usage: {command.usage}",
             f"  {command.summary} ({KINDS.get(command.kind, command.kind)})."]
    if command.flags:
        width = max(len(f) for f in command.flags)
        lines += ["Flags:", *(f"  {f:{width}}  {FLAGS.get(f, '')}" for f in command.flags)]
    if command.examples:
        lines += ["Examples:", *(f"  {e}" for e in command.examples)]
    return "\n".join(lines)


def help_text() -> str:
    """The `help` text (Slack shows it as a code block)."""
    return commands_text(commands())


@renders(AppsListed)
def apps_listed(outcome: AppsListed) -> str:
    """One line per app: its type, health and pushed groups."""
    if not outcome.apps:
        return "No apps are configured; add them under `apps:` in grouppush.yml."
    return "\n".join(["Apps:", *(f"• {a.name} ({a.type}): {a.health}; "
                                 f"{plural(a.pushed, 'pushed group')}" for a in outcome.apps)])


@renders(PushesListed)
def pushes_listed(outcome: PushesListed) -> str:
    """`Pushed groups (2, active):` and one line per pushed group."""
    shown = _filters(outcome)
    if not outcome.pushes:
        where = f" to {outcome.app}" if outcome.app else ""
        return f"No pushed group{where} matches the filter ({shown})." if shown else \
            f"No groups are pushed{where} yet. `push GROUP to APP` pushes one."
    head = f"Pushed groups ({len(outcome.pushes)}" + (f", {shown}" if shown else "") + "):"
    return "\n".join([head, *(_push_line(p) for p in outcome.pushes)])


def _filters(outcome: PushesListed) -> str:
    parts = [f"found by rule {quoted(outcome.rule)}"] if outcome.rule else []
    parts += [outcome.state] if outcome.state else []
    return ", ".join(parts + ["with errors"] * outcome.errors + ["with drift"] * outcome.drift)


def _push_line(row: PushRow) -> str:
    error = f" — error: {row.error}" if row.error else ""
    drift = " — drift" if row.drift else ""
    if row.origin == "okta":
        drift += " — pushed in Okta's admin console (outside grouppush)"
    status = "deactivated" if row.status == PushStatus.INACTIVE else row.status
    protected = f" — 🔒 protected ({row.protected}): left alone" if row.protected else ""
    members = okta_pushes(row.okta_pushes) if row.members is None else \
        plural(row.members, 'member')
    return (f"• {quoted(row.group)} → {row.app}: {status}, "
            f"{members}, last push {when(row.last_push)}{error}{drift}"
            f"{protected}")


@renders(GroupsFound)
def groups_found(outcome: GroupsFound) -> str:
    """The groups found, with their active members, and how many more there are."""
    if not outcome.groups:
        return f"No directory group name contains {quoted(outcome.text)}."
    lines = [f"• {quoted(g.name)} ({plural(g.active_members, 'active member')})"
             + (f" — `id:{g.id}`, another group has this name" if g.same_name else "")
             for g in outcome.groups]
    if outcome.more:
        lines.append(f"… and {'at least ' if outcome.at_least else ''}"
                     f"{plural(outcome.more, 'more group')}: search a longer text to narrow "
                     "it down.")
    return "\n".join([f"Directory groups matching {quoted(outcome.text)}:", *lines])


@renders(Information)
def information(outcome: Information) -> str:
    """`Information: Sales on box` and one `  Label: text` line per detail."""
    return "\n".join([f"Information: {quoted(outcome.group)} on {outcome.app}",
                      *(f"  {k}: {v}" for k, v in outcome.details)])


@renders(RulesListed)
def rules_listed(outcome: RulesListed) -> str:
    """Each rule with its pattern and the pushed groups it found."""
    if not outcome.rules:
        return "No push rules. `rule add NAME to APP --starts-with TEXT` adds one."
    lines = []
    for r in outcome.rules:
        lines.append(f"• {r.name} → {r.app}: --{r.kind} {quoted(r.pattern)} "
                     f"({plural(len(r.groups), 'group')} pushed, by {r.created_by})")
        lines.append(f"    found: {', '.join(quoted(n) for n in r.groups)}" if r.groups
                     else "    found: none yet")
    return "\n".join(["Push rules:", *lines])


@renders(AuditTrail)
def audit_trail(outcome: AuditTrail) -> str:
    """The export as asked (JSON Lines, CSV), or the events newest first for people."""
    if outcome.format != "text":
        return outcome.export
    if not outcome.events:
        return "No changes recorded" + (" in that time." if outcome.since else " yet.")
    lines = [f"• {when(e.at)} {e.actor}: {e.action} {e.detail}"
             for e in reversed(outcome.events)]
    return "\n".join([f"Last {len(lines)} changes:", *lines])
