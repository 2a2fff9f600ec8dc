"""The one executor: every surface hands it a typed operation; it is the one gate that says
who may run it, runs its handler, and turns what a person can cause into a Reply carrying a
typed outcome instead of an exception."""

from __future__ import annotations

import logging
from collections.abc import Callable

from connectors.errors import ConnectorError
from connectors.secrets import redact
from engine import operations  # noqa: F401  (the operations register; handlers when they run)
from engine.core import Context, Kind, Operation, Progress, RefusalError, Reply
from engine.failures import PushFailed
from engine.grammar import UsageError
from engine.outcomes import Failed, Refusal
from engine.registry import handler_of, parse, previews
from engine.service import SLACK_ID, GroupPushService

log = logging.getLogger(__name__)
Reply.redact = redact  # whatever a reply quotes, no configured secret is shown
Started = Callable[[], Progress | None]
"""Called once an operation may run, before its handler: long work posts its working message
there and returns the progress callback to report to."""


def execute(service: GroupPushService, operation: Operation, actor: str, *, channel: str = "",
            progress: Progress | None = None, started: Started | None = None,
            system: bool = False) -> Reply:
    """Run one operation as `actor`; never raises for what a user can cause. A refused
    attempt to change something is audited (who tried what, and why it was refused); a
    refused --dry-run only when the person may not change anything at all. `system`: work
    grouppush starts by itself (the scheduler's jobs), which no person asked for."""
    not_allowed = gate(service, operation.spec.kind, actor, system=system)
    if not_allowed is not None:
        reply = Reply.of(not_allowed)
    else:
        progress = started() if started is not None else progress
        reply = _run(service, operation, actor, channel, progress)
    reply.operation = operation
    if not_allowed or not operation.dry_run:  # a refused preview tried to change nothing
        audit_refusal(service, operation, actor, reply)
    return reply


def gate(service: GroupPushService, kind: Kind, actor: str, *,
         system: bool = False) -> Refusal | None:
    """The one permission gate: None when `actor` may run an operation of this kind; else the
    refusal. Changes, and requests for them, are for operators when operators are listed;
    anyone may read; the approvals policy decides who may decide a request. System work (the
    schedule the config sets) is permitted by the caller's flag, never by a name: `--as
    scheduler` is a person like any other."""
    operators = service.config.slack.operators
    if system or kind not in (Kind.CHANGE, Kind.APPROVAL) or not operators or \
            actor in operators:
        return None
    shell = "" if SLACK_ID.fullmatch(actor) else (
        f" At the console and on the command line `--as` acts as a listed operator: "
        f"`grouppush console --as {operators[0]}`.")
    return Refusal(f"Only operators may change pushes; {actor} is not one "
                   f"(operators: {', '.join(operators)}). Anyone may read.{shell}")


def audit_refusal(service: GroupPushService, operation: Operation, actor: str,
                  reply: Reply) -> None:
    """Audit a refused attempt to change something: who tried what, and why it was refused."""
    if reply.status == "refused" and operation.spec.kind is not Kind.READ:
        try:
            service.audit(actor, "refused", f"{operation.line()}: {reply.text}"[:2000])
        except Exception:  # the refusal stands even if the database is away
            log.exception("could not audit a refused attempt")


def _run(service: GroupPushService, operation: Operation, actor: str, channel: str,
         progress: Progress | None) -> Reply:
    try:
        if operation.dry_run and not previews(type(operation)):
            return Reply.refused(f"`{operation.spec.verb}` has no --dry-run yet; nothing was "
                                 "changed.")
        handler = handler_of(type(operation))
        return Reply.of(handler(Context(service, actor, channel, progress), operation))
    except UsageError as error:
        return Reply.of(Refusal(str(error), usage=True))
    except RefusalError as refusal:
        return Reply.refused(str(refusal))
    except (ConnectorError, PushFailed) as error:
        return failure(error)


def failure(error: ConnectorError | PushFailed) -> Reply:
    """A failed change's answer: the app's error, a hint, and, when a push recorded it, its
    Information details and what Retry needs."""
    if isinstance(error, ConnectorError):
        return Reply.of(Failed(error.describe(), error.hint))
    failed = error.failure
    return Reply.of(Failed(failed.message, failed.hint, failed))


def run_line(service: GroupPushService, text: str, actor: str, *, channel: str = "",
             progress: Progress | None = None) -> Reply:
    """Parse one command line and run it (the console and `grouppush exec`)."""
    try:
        operation = parse(text)
    except UsageError as error:
        return Reply.of(Refusal(str(error), usage=True))
    return execute(service, operation, actor, channel=channel, progress=progress)
