"""The one executor: every surface hands it a typed operation; it checks who may run it,
runs its handler, and turns what a person can cause into a Reply instead of an exception."""

from __future__ import annotations

import logging

import engine.approvals.handlers  # noqa: F401  (handlers register)
import engine.push.handlers  # noqa: F401
from connectors.errors import ConnectorError
from connectors.secrets import redact
from engine import (  # noqa: F401  (handlers register)
    audit_trail,
    changes,
    checks,
    reports,
    sync_command,
)
from engine.core import Context, Kind, Operation, Progress, RefusalError, Reply
from engine.failures import PushFailed
from engine.grammar import UsageError
from engine.outcomes import Failed, Refusal
from engine.registry import HANDLERS, PREVIEWS, parse
from engine.service import GroupPushService

log = logging.getLogger(__name__)
Reply.redact = redact  # whatever a reply quotes, no configured secret is shown


def execute(service: GroupPushService, operation: Operation, actor: str, *, channel: str = "",
            progress: Progress | None = None) -> Reply:
    """Run one operation as `actor`; never raises for what a user can cause. A refused
    attempt to change something is audited (who tried what, and why it was refused); a
    refused --dry-run only when the person may not change anything at all."""
    not_allowed = permitted(service, operation, actor)
    reply = not_allowed or _run(service, operation, actor, channel, progress)
    reply.operation = operation
    if not_allowed or not operation.dry_run:  # a refused preview tried to change nothing
        audit_refusal(service, operation, actor, reply)
    return reply


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
        if operation.dry_run and type(operation) not in PREVIEWS:
            return Reply.refused(f"`{operation.spec.verb}` has no --dry-run yet; nothing was "
                                 "changed.")
        handler = HANDLERS[type(operation)]
        answer = handler(Context(service, actor, channel, progress), operation)
        return answer if isinstance(answer, Reply) else Reply.of(answer)
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


def permitted(service: GroupPushService, operation: Operation, actor: str) -> Reply | None:
    """None when `actor` may run the operation; else the refusal."""
    if operation.spec.kind not in (Kind.CHANGE, Kind.APPROVAL):
        return None
    try:
        service.require_operator(actor)
    except RefusalError as refusal:
        return Reply.refused(str(refusal))
    return None


def run_line(service: GroupPushService, text: str, actor: str, *, channel: str = "",
             progress: Progress | None = None) -> Reply:
    """Parse one command line and run it (the console and `grouppush exec`)."""
    try:
        operation = parse(text)
    except UsageError as error:
        return Reply.of(Refusal(str(error), usage=True))
    return execute(service, operation, actor, channel=channel, progress=progress)
