"""What alerts need from the engine: which drift and errors to tell, and the buttons' actions."""

from __future__ import annotations

from dataclasses import dataclass

from connectors.errors import ConnectorError
from engine.checks import DriftFinding
from engine.pusher import Refused
from engine.results import Reply
from engine.service import GroupPushService, quoted
from engine.sync import sync_one
from storage import repo
from storage.models import PushMapping


@dataclass(frozen=True)
class ErrorAlert:
    """A push error to tell people about (once), with the Information details."""

    mapping_id: int
    group: str
    app: str
    operation: str
    message: str
    status: int | None
    hint: str
    at: str
    ts: str = ""


def mapping_by_id(service: GroupPushService, mapping_id: int) -> PushMapping:
    """A mapping by its id, or a refusal when it was unlinked since."""
    with service.db.session() as session:
        mapping = session.get(PushMapping, mapping_id)
    if mapping is None:
        raise Refused("This group is no longer pushed; nothing to do.")
    return mapping


def drift_to_tell(findings: list[DriftFinding]) -> tuple[list[DriftFinding], list[DriftFinding]]:
    """(new drift to post, drift that went away and whose alert should say so)."""
    return ([f for f in findings if f.state == "new"],
            [f for f in findings if f.state == "resolved"])


def alert_of(service: GroupPushService, mapping_id: int) -> tuple[str, str]:
    """(channel, ts) of the drift alert posted for a mapping, if any."""
    with service.db.session() as session:
        mapping = session.get(PushMapping, mapping_id)
        return (mapping.drift_alert_channel, mapping.drift_alert_ts) if mapping else ("", "")


def remember_drift_alert(service: GroupPushService, mapping_id: int, channel: str,
                         ts: str) -> None:
    """Keep where a drift alert was posted, to update it when the drift is fixed."""
    with service.db.session() as session:
        mapping = session.get(PushMapping, mapping_id)
        if mapping is not None:
            mapping.drift_alert_channel, mapping.drift_alert_ts = channel, ts


def ignore_drift(service: GroupPushService, mapping_id: int, actor: str) -> Reply:
    """Keep the app's changes: this drift is not reported again; who ignored it is recorded."""
    service.require_operator(actor)
    with service.db.session() as session:
        mapping = session.get(PushMapping, mapping_id)
        if mapping is None:
            raise Refused("This group is no longer pushed; nothing to do.")
        if not mapping.drift_fingerprint:
            return Reply.refused(f"{quoted(mapping.group_name)} on {mapping.app} has no drift "
                                 "now; nothing to ignore.")
        mapping.drift_ignored_by = actor
        repo.audit(session, actor, "ignore drift", f"{mapping.group_name} on {mapping.app}")
    return Reply(True, f"Drift of {quoted(mapping.group_name)} on {mapping.app} ignored by "
                 f"{actor}: the app's changes are kept and not reported again.")


def errors_to_tell(service: GroupPushService) -> tuple[list[ErrorAlert], list[ErrorAlert]]:
    """(errors not told yet, told errors that a later push fixed)."""
    new, fixed = [], []
    with service.db.session() as session:
        for m in repo.list_mappings(session):
            alert = ErrorAlert(mapping_id=int(m.id or 0), group=m.group_name, app=m.app,
                               operation=m.error_operation, message=m.error_message,
                               status=m.error_status, hint=m.error_hint,
                               at=f"{m.error_at:%Y-%m-%d %H:%M:%S} UTC" if m.error_at else "",
                               ts=m.error_alert_ts)
            if m.error_message and m.error_message != m.error_alerted:
                new.append(alert)
            elif not m.error_message and m.error_alert_ts:
                fixed.append(alert)
    return new, fixed


def remember_error_alert(service: GroupPushService, mapping_id: int, message: str,
                         ts: str) -> None:
    """Mark an error as told (ts of its message), or as fixed (empty message and ts)."""
    with service.db.session() as session:
        mapping = session.get(PushMapping, mapping_id)
        if mapping is not None:
            mapping.error_alerted, mapping.error_alert_ts = message, ts


def retry(service: GroupPushService, mapping_id: int, actor: str) -> Reply:
    """The Retry button: push this group's directory changes again, now."""
    service.require_operator(actor)
    mapping = mapping_by_id(service, mapping_id)
    app = service.find_app(mapping.app)
    try:
        outcome = sync_one(service, service.snapshot(), app, mapping_id, actor=actor)
    except ConnectorError as error:
        return Reply.failed(f"Retry of {quoted(mapping.group_name)} on {app.name} failed "
                            f"again: {error.describe()}")
    service.audit(actor, "retry", f"{mapping.group_name} on {app.name}")
    return Reply(True, f"Retried {quoted(mapping.group_name)} on {app.name}: it works again "
                 f"({outcome.added} added, {outcome.removed} removed).")


def push_now_by_id(service: GroupPushService, mapping_id: int, actor: str) -> Reply:
    """The Push now button of a drift alert."""
    mapping = mapping_by_id(service, mapping_id)
    return service.push_now(mapping.group_name, mapping.app, actor)
