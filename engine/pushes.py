"""The operations on one push: push, push now, activate, deactivate, ignore drift, retry."""

from __future__ import annotations

from engine import alerts
from engine.context import Context
from engine.operations import Activate, Deactivate, Ignore, PushGroup, PushNow, Retry
from engine.registry import handles
from engine.results import Reply


@handles(PushGroup)
def push_group(ctx: Context, op: PushGroup) -> Reply:
    """Create (or link) the app group and push its active members."""
    return ctx.service.push(op.group, op.app, ctx.actor, memberships=op.memberships,
                            progress=ctx.progress)


@handles(PushNow)
def push_now(ctx: Context, op: PushNow) -> Reply:
    """Overwrite the app group's members with the directory's."""
    return ctx.service.push_now(op.group, op.app, ctx.actor, progress=ctx.progress)


@handles(Activate)
def activate(ctx: Context, op: Activate) -> Reply:
    """Resume a push and catch up."""
    return ctx.service.set_status(op.group, op.app, ctx.actor, active=True)


@handles(Deactivate)
def deactivate(ctx: Context, op: Deactivate) -> Reply:
    """Pause a push."""
    return ctx.service.set_status(op.group, op.app, ctx.actor, active=False)


@handles(Ignore)
def ignore(ctx: Context, op: Ignore) -> Reply:
    """Keep the app's changes: this drift is not reported again."""
    service = ctx.service
    _, mapping = service.find_push(service.snapshot(), op.group, service.find_app(op.app))
    return alerts.ignore_drift(service, int(mapping.id or 0), ctx.actor)


@handles(Retry)
def retry(ctx: Context, op: Retry) -> Reply:
    """Push a failed group's directory changes again, now."""
    return alerts.retry(ctx.service, op.mapping_id, ctx.actor)
