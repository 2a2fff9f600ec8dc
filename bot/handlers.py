"""One handler for every surface: text in, Reply out (console, CLI and Slack share it)."""

from __future__ import annotations

import logging

from bot.commands import HELP, Command, UsageError, parse
from connectors.errors import ConnectorError
from engine import changes, checks, reports, requests, sync
from engine.pusher import Progress, Refused
from engine.results import Reply
from engine.service import GroupPushService

log = logging.getLogger(__name__)


def handle(service: GroupPushService, text: str, actor: str, *, channel: str = "",
           progress: Progress | None = None) -> Reply:
    """Parse and run one command as `actor`; never raises for what a user can cause."""
    try:
        command = parse(text)
        return run(service, command, actor, channel=channel, progress=progress)
    except UsageError as error:
        return Reply(False, str(error), status="usage")
    except Refused as refusal:
        return Reply.refused(str(refusal))
    except ConnectorError as error:
        hint = f"\nTroubleshooting: {error.hint}" if error.hint else ""
        return Reply.failed(f"Failed: {error.describe()}{hint}")


def run(service: GroupPushService, command: Command, actor: str, *, channel: str = "",
        progress: Progress | None = None) -> Reply:
    """Run a parsed command."""
    verb = command.verb
    if verb == "help":
        return Reply(True, HELP)
    if verb == "apps":
        return reports.apps_report(service)
    if verb == "list":
        return reports.list_report(service, command.app)
    if verb == "search":
        return reports.search_report(service, command.text or "")
    if verb == "push":
        if command.group is None or command.app is None:
            raise UsageError("`push` needs a group and an app here (the dialog is Slack's).",
                             "push")
        return service.push(command.group, command.app, actor,
                            memberships=command.memberships, progress=progress)
    if verb in ("deactivate", "activate"):
        return service.set_status(str(command.group), str(command.app), actor,
                                  active=verb == "activate")
    if verb == "now":
        return service.push_now(str(command.group), str(command.app), actor, progress=progress)
    if verb == "info":
        return reports.info_report(service, str(command.group), str(command.app))
    if verb == "unlink":
        return requests.request_unlink(service, str(command.group), str(command.app),
                                       delete=command.delete, actor=actor, channel=channel)
    if verb == "rule add":
        return changes.rule_add(service, str(command.text), str(command.app),
                                str(command.kind), str(command.pattern), actor)
    if verb == "rule list":
        return reports.rule_list_report(service, command.app)
    if verb == "rule remove":
        return changes.rule_remove(service, str(command.text), actor)
    if verb == "bulk deactivate":
        return changes.bulk_deactivate(service, str(command.app), list(command.names),
                                       command.everything, actor)
    if verb == "bulk delete":
        return requests.request_bulk_delete(service, str(command.app), list(command.names),
                                            command.everything, actor=actor, channel=channel)
    if verb == "sync":
        return sync.sync(service, command.app, actor, full=command.everything)
    if verb == "check":
        return checks.check(service, command.app, actor)[0]
    if verb == "repush":
        return changes.repush(service, str(command.text), actor)
    if verb in ("approve", "deny"):
        return requests.decide(service, str(command.text), actor, approve=verb == "approve")
    if verb == "audit":
        return reports.audit_report(service, command.count or 20)
    raise UsageError(f"Unknown command `{verb}`.", "help")
