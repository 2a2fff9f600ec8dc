"""What alerts need from the engine: which drift and errors to tell, and the buttons' actions."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from engine.core import RefusalError
from engine.drift import DriftReport, report_from_json
from engine.outcomes import DriftIgnored, Refusal
from engine.service import GroupPushService, quoted
from storage import repo
from storage.models import PushMapping
from storage.statuses import PushStatus


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
    app_errors: int = 0
    """How many pushes of the app have an error now (its alert offers Retry all when more
    than one)."""


def mapping_by_id(service: GroupPushService, mapping_id: int) -> PushMapping:
    """A mapping by its id, or a refusal when it was unlinked since."""
    with service.db.session() as session:
        mapping = session.get(PushMapping, mapping_id)
    if mapping is None:
        raise RefusalError("This group is no longer pushed; nothing to do.")
    return mapping


@dataclass(frozen=True)
class DriftAlert:
    """Drift to post (report set) or a posted alert whose drift is gone (report None)."""

    mapping_id: int
    report: DriftReport | None
    fingerprint: str = ""
    channel: str = ""
    ts: str = ""


def drift_to_tell(service: GroupPushService) -> tuple[list[DriftAlert], list[DriftAlert]]:
    """(drift found by any check and not posted yet, posted drift that went away)."""
    new, gone = [], []
    with service.db.session() as session:
        for m in repo.list_mappings(session):
            mapping_id = int(m.id or 0)
            if (m.drift_fingerprint and not m.drift_ignored_by and m.status == PushStatus.ACTIVE
                    and m.drift_fingerprint != m.drift_alerted and m.drift_detail):
                new.append(DriftAlert(mapping_id, report_from_json(m.drift_detail),
                                      m.drift_fingerprint, m.drift_alert_channel,
                                      m.drift_alert_ts))
            elif not m.drift_fingerprint and m.drift_alert_ts:
                gone.append(DriftAlert(mapping_id, None, "", m.drift_alert_channel,
                                       m.drift_alert_ts))
    return new, gone


def drift_of(service: GroupPushService, mapping_id: int) -> DriftReport | None:
    """The drift last found on a push, if any (what its alert showed)."""
    with service.db.session() as session:
        mapping = session.get(PushMapping, mapping_id)
        detail = mapping.drift_detail if mapping is not None else ""
    return report_from_json(detail) if detail else None


def remember_drift_alert(service: GroupPushService, mapping_id: int, channel: str = "",
                         ts: str = "", fingerprint: str = "") -> None:
    """Keep where a drift alert was posted (and for which drift), or forget it once closed."""
    with service.db.session() as session:
        mapping = session.get(PushMapping, mapping_id)
        if mapping is not None:
            mapping.drift_alert_channel, mapping.drift_alert_ts = channel, ts
            mapping.drift_alerted = fingerprint


def why_not_ignore(mapping: PushMapping | None) -> str | None:
    """Why this push's drift cannot be ignored now (ignore and its --dry-run), or None."""
    if mapping is None:
        raise RefusalError("This group is no longer pushed; nothing to do.")
    if not mapping.drift_fingerprint:
        return f"{quoted(mapping.group_name)} on {mapping.app} has no drift now; nothing to ignore."
    return None


def ignore_drift(service: GroupPushService, mapping_id: int,
                 actor: str) -> DriftIgnored | Refusal:
    """Keep the app's changes: this drift is not reported again; who ignored it is recorded."""
    with service.db.session() as session:
        mapping = session.get(PushMapping, mapping_id)
        reason = why_not_ignore(mapping)
        if reason is not None or mapping is None:
            return Refusal(reason or "")
        mapping.drift_ignored_by = actor
        repo.audit(session, actor, "ignore drift", f"{quoted(mapping.group_name)} on {mapping.app}")
        return DriftIgnored(mapping.group_name, mapping.app, actor)


def errors_to_tell(service: GroupPushService) -> tuple[list[ErrorAlert], list[ErrorAlert]]:
    """(errors not told yet, told errors that a later push fixed)."""
    new, fixed = [], []
    with service.db.session() as session:
        mappings = repo.list_mappings(session)
        failing = Counter(m.app for m in mappings
                      if m.error_message and m.status == PushStatus.ACTIVE)
        for m in mappings:
            alert = ErrorAlert(mapping_id=int(m.id or 0), group=m.group_name, app=m.app,
                               operation=m.error_operation, message=m.error_message,
                               status=m.error_status, hint=m.error_hint,
                               at=f"{m.error_at:%Y-%m-%d %H:%M:%S} UTC" if m.error_at else "",
                               ts=m.error_alert_ts, app_errors=failing[m.app])
            if m.error_message and m.error_message != m.error_alerted:
                new.append(alert)
            elif not m.error_message and m.error_alert_ts:
                fixed.append(alert)
    return new, fixed


def claim_error_alert(service: GroupPushService, mapping_id: int, message: str) -> bool:
    """Take the telling of this error, once across every instance (False: told already)."""
    with service.db.session() as session:
        return repo.claim_error_alert(session, mapping_id, message)


def remember_error_alert(service: GroupPushService, mapping_id: int, message: str,
                         ts: str) -> None:
    """Mark an error as told (ts of its message), or as fixed (empty message and ts)."""
    with service.db.session() as session:
        mapping = session.get(PushMapping, mapping_id)
        if mapping is not None:
            mapping.error_alerted, mapping.error_alert_ts = message, ts


def adopt_error_alert(service: GroupPushService, mapping_id: int, ts: str) -> None:
    """Take a message at `ts` in the alerts channel as the alert of the push's current
    error (so that error is not posted again, and its fix updates that message)."""
    with service.db.session() as session:
        mapping = session.get(PushMapping, mapping_id)
        if mapping is not None and mapping.error_message and \
                repo.claim_error_alert(session, mapping_id, mapping.error_message):
            mapping.error_alert_ts = ts

