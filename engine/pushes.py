"""The operations on one push: push, push now, activate, deactivate, ignore drift, retry."""

from __future__ import annotations

from connectors.base import DirectorySnapshot
from engine import alerts
from engine.context import Context
from engine.operations import Activate, Deactivate, Ignore, OnApp, PushGroup, PushNow, Retry
from engine.plans import dry_run_reply, preview_mapping, preview_new_push
from engine.pusher import Refused
from engine.registry import handles
from engine.results import Reply
from engine.service import quoted
from storage.models import PushMapping


def _looked_up(ctx: Context, op: OnApp) -> tuple[PushMapping, DirectorySnapshot]:
    """The push the operation names, and its directory group read now (only that group)."""
    service = ctx.service
    snapshot = service.snapshot(op.group)
    return service.find_push(snapshot, op.group, service.find_app(op.app))[1], snapshot


def _mapping(ctx: Context, op: OnApp) -> PushMapping:
    return _looked_up(ctx, op)[0]


def _nothing(op: OnApp, would: str) -> Reply:
    return Reply(True, f"Dry run, nothing changed: `{op.line()}` would {would}.",
                 data={"dry_run": True, "plan": []})


@handles(PushGroup, dry_run=True)
def push_group(ctx: Context, op: PushGroup) -> Reply:
    """Create (or link) the app group and push its active members."""
    service = ctx.service
    if op.dry_run:
        snapshot = service.snapshot(op.group)
        group, app = service.find_group(snapshot, op.group), service.find_app(op.app)
        plan = preview_new_push(service, snapshot, group, app, op.memberships)
        return dry_run_reply(f"push {quoted(group.name)} to {app.name}.", [plan])
    return service.push(op.group, op.app, ctx.actor, memberships=op.memberships,
                        progress=ctx.progress)


@handles(PushNow, dry_run=True)
def push_now(ctx: Context, op: PushNow) -> Reply:
    """Overwrite the app group's members with the directory's."""
    if op.dry_run:
        mapping, snapshot = _looked_up(ctx, op)
        if mapping.status != "active":
            raise Refused(f"{quoted(mapping.group_name)} on {mapping.app} is deactivated; "
                          "`activate` resumes it first.")
        service = ctx.service
        plan = preview_mapping(service, snapshot, service.find_app(op.app), mapping, full=True)
        return dry_run_reply(f"push {quoted(plan.group)} to {plan.app} now.", [plan])
    return ctx.service.push_now(op.group, op.app, ctx.actor, progress=ctx.progress)


@handles(Activate, dry_run=True)
def activate(ctx: Context, op: Activate) -> Reply:
    """Resume a push and catch up."""
    if op.dry_run:
        mapping, snapshot = _looked_up(ctx, op)
        if mapping.status == "active":
            raise Refused(f"{quoted(mapping.group_name)} on {mapping.app} is already active.")
        service = ctx.service
        plan = preview_mapping(service, snapshot, service.find_app(op.app), mapping)
        return dry_run_reply(f"activate {quoted(plan.group)} on {plan.app} and catch up.",
                             [plan])
    return ctx.service.set_status(op.group, op.app, ctx.actor, active=True)


@handles(Deactivate, dry_run=True)
def deactivate(ctx: Context, op: Deactivate) -> Reply:
    """Pause a push."""
    if op.dry_run:
        _mapping(ctx, op)
        return _nothing(op, "pause the push; the app group stays as it is")
    return ctx.service.set_status(op.group, op.app, ctx.actor, active=False)


@handles(Ignore, dry_run=True)
def ignore(ctx: Context, op: Ignore) -> Reply:
    """Keep the app's changes: this drift is not reported again."""
    mapping = _mapping(ctx, op)
    if op.dry_run:
        return _nothing(op, "keep the app's changes and stop reporting this drift")
    return alerts.ignore_drift(ctx.service, int(mapping.id or 0), ctx.actor)


@handles(Retry)
def retry(ctx: Context, op: Retry) -> Reply:
    """Push a failed group's directory changes again, now."""
    return alerts.retry(ctx.service, op.mapping_id, ctx.actor)
