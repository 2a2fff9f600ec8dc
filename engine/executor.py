"""The one executor: every surface hands it a typed operation; it checks who may run it,
runs its handler, and turns what a person can cause into a Reply instead of an exception."""

from __future__ import annotations

import logging

from connectors.errors import ConnectorError
from engine import changes, checks, pushes, reports, requests, sync  # noqa: F401  (handlers)
from engine.context import Context, Progress
from engine.grammar import UsageError
from engine.pusher import Refused
from engine.registry import HANDLERS, Kind, Operation, parse
from engine.results import Reply
from engine.service import GroupPushService

log = logging.getLogger(__name__)


def execute(service: GroupPushService, operation: Operation, actor: str, *, channel: str = "",
            progress: Progress | None = None) -> Reply:
    """Run one operation as `actor`; never raises for what a user can cause."""
    try:
        if operation.spec.kind in (Kind.CHANGE, Kind.APPROVAL):
            service.require_operator(actor)
        handler = HANDLERS[type(operation)]
        return handler(Context(service, actor, channel, progress), operation)
    except UsageError as error:
        return Reply(False, str(error), status="usage")
    except Refused as refusal:
        return Reply.refused(str(refusal))
    except ConnectorError as error:
        hint = f"\nTroubleshooting: {error.hint}" if error.hint else ""
        return Reply.failed(f"Failed: {error.describe()}{hint}")


def run_line(service: GroupPushService, text: str, actor: str, *, channel: str = "",
             progress: Progress | None = None) -> Reply:
    """Parse one command line and run it (the console and `grouppush exec`)."""
    try:
        operation = parse(text)
    except UsageError as error:
        return Reply(False, str(error), status="usage")
    return execute(service, operation, actor, channel=channel, progress=progress)
