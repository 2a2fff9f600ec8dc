"""The operations on one push: push, push now, activate, deactivate, ignore drift (retry:
engine/retry.py)."""

from __future__ import annotations

from connectors.base import DirectorySnapshot, MappingApp
from engine import alerts
from engine.approvals.directory_loss import refuse_while_untrusted
from engine.approvals.requests import pending_for
from engine.core import Context, RefusalError
from engine.operations import Activate, Deactivate, Ignore, OnApp, PushGroup, PushNow
from engine.outcomes import (
    Activated,
    Deactivated,
    DriftIgnored,
    Planned,
    Pushed,
    PushedNow,
    Refusal,
)
from engine.preconditions import refuse_okta_push_now, refuse_push_now, status_refusal
from engine.protected import refuse_protected
from engine.push.plan import planned, preview_mapping, preview_new_push
from engine.registry import handles
from engine.service import quoted
from storage.models import PushMapping

UNLINKING = ("unlink", "bulk_delete")
"""Request actions that end a push."""


def _looked_up(ctx: Context, op: OnApp) -> tuple[PushMapping, DirectorySnapshot]:
    """The push the operation names, and its directory group read now (only that group)."""
    service = ctx.service
    snapshot = service.snapshot(op.group)
    return service.find_push(snapshot, op.group, service.find_app(op.app))[1], snapshot


def _mapping(ctx: Context, op: OnApp) -> PushMapping:
    return _looked_up(ctx, op)[0]


def _not_while_unlinking(ctx: Context, op: OnApp, verb: str) -> None:
    """Refuse to pause or resume a push an unlink or bulk delete request is pending for: the
    request is bound to the push as it showed it (decided: approve, deny or withdraw first)."""
    mapping = _mapping(ctx, op)
    request = pending_for(ctx.service, mapping.app, {mapping.group_id})
    if request is not None and request.action in UNLINKING:
        raise RefusalError(f"Request {request.id} is pending for {quoted(mapping.group_name)} "
                           f"on {mapping.app}: {request.summary}. Approve, deny or withdraw it "
                           f"(`withdraw {request.id}`) before you {verb} it; nothing was "
                           "changed.")


@handles(PushGroup, dry_run=True)
def push_group(ctx: Context, op: PushGroup) -> Pushed | Planned:
    """Create (or link) the app group and push its active members."""
    service = ctx.service
    if op.dry_run:
        snapshot = service.snapshot(op.group)
        group, app = service.find_group(snapshot, op.group), service.find_app(op.app)
        return planned(op, [preview_new_push(service, snapshot, group, app, op.memberships)])
    return service.push(op.group, op.app, ctx.actor, memberships=op.memberships,
                        progress=ctx.progress)


@handles(PushNow, dry_run=True)
def push_now(ctx: Context, op: PushNow) -> PushedNow | Planned:
    """Overwrite the app group's members with the directory's."""
    refuse_while_untrusted(ctx.service, "Push now")
    if op.dry_run:
        mapping, snapshot = _looked_up(ctx, op)
        refuse_push_now(snapshot.groups.get(mapping.group_id), mapping, mapping.app)
        service = ctx.service
        app = service.find_app(op.app)
        refuse_protected(service.config, app, mapping.app_group_name or mapping.group_name,
                         "overwrites", mapping.app_group_id)
        if isinstance(app, MappingApp):
            raise refuse_okta_push_now(app.name, quoted(mapping.group_name))
        return planned(op, [preview_mapping(service, snapshot, app, mapping, full=True)])
    return ctx.service.push_now(op.group, op.app, ctx.actor, progress=ctx.progress)


def _status_preview(ctx: Context, op: Activate | Deactivate, active: bool) -> Refusal | Planned:
    """`activate|deactivate ... --dry-run`: refused exactly as the change would be, else its
    plan (activating catches up; pausing changes no app)."""
    mapping, snapshot = _looked_up(ctx, op)
    refused = status_refusal(snapshot.groups.get(mapping.group_id), mapping, mapping.app,
                             active=active)
    if refused is not None:
        return Refusal(refused)
    if not active:
        return planned(op, [])
    service = ctx.service
    return planned(op, [preview_mapping(service, snapshot, service.find_app(op.app), mapping)])


@handles(Activate, dry_run=True)
def activate(ctx: Context, op: Activate) -> Activated | Refusal | Planned:
    """Resume a push and catch up."""
    _not_while_unlinking(ctx, op, "activate")
    if op.dry_run:
        return _status_preview(ctx, op, active=True)
    return ctx.service.set_status(op.group, op.app, ctx.actor, active=True)


@handles(Deactivate, dry_run=True)
def deactivate(ctx: Context, op: Deactivate) -> Deactivated | Refusal | Planned:
    """Pause a push."""
    _not_while_unlinking(ctx, op, "deactivate")
    if op.dry_run:
        return _status_preview(ctx, op, active=False)
    return ctx.service.set_status(op.group, op.app, ctx.actor, active=False)


@handles(Ignore, dry_run=True)
def ignore(ctx: Context, op: Ignore) -> DriftIgnored | Refusal | Planned:
    """Keep the app's changes: this drift is not reported again."""
    mapping = _mapping(ctx, op)
    if op.dry_run:
        reason = alerts.why_not_ignore(mapping)
        return Refusal(reason) if reason is not None else planned(op, [])
    return alerts.ignore_drift(ctx.service, int(mapping.id or 0), ctx.actor)

