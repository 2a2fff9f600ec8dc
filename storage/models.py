"""What grouppush remembers, as SQLModel tables."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.statuses import PushStatus, RequestAction, RequestStatus

APP_USER_ID_INDEX = "ix_appuser_app_app_user_id"
"""Finds logins by app user id (drift checks name unexpected members)."""


def utcnow() -> datetime:
    """Now, in UTC."""
    return datetime.now(UTC)


def _stored(enum: type[StrEnum]) -> sa.Enum:
    """A column of one of these words: plain text in the database, the enum in Python."""
    return sa.Enum(enum, native_enum=False, create_constraint=False, length=32,
                   values_callable=lambda members: [m.value for m in members])


class PushMapping(SQLModel, table=True):
    """A directory group pushed to an app."""

    __table_args__ = (UniqueConstraint("group_id", "app"),)

    id: int | None = Field(default=None, primary_key=True)
    group_id: str = Field(index=True)
    group_name: str
    app: str = Field(index=True)
    app_group_id: str | None = None
    app_group_name: str = ""
    app_group_description: str = ""  # the description grouppush last gave the app group
    status: PushStatus = Field(default=PushStatus.ACTIVE, sa_type=_stored(PushStatus))
    memberships: bool = True
    linked: bool = False  # an existing app group was linked, not created
    created_by: str = ""
    created_at: datetime = Field(default_factory=utcnow)
    created_via: str = "name"  # "name" or "rule:NAME"
    last_push_at: datetime | None = None
    members_pushed: int = 0
    skipped_logins: str = ""  # newline-separated logins the app does not know
    error_operation: str = ""
    error_message: str = ""
    error_status: int | None = None
    error_hint: str = ""
    error_at: datetime | None = None
    drift_fingerprint: str = ""
    drift_ignored_by: str = ""
    drift_detail: str = ""  # the last drift found, as JSON, for alerts
    drift_alerted: str = ""  # the fingerprint of the drift last posted, so it is posted once
    drift_alert_channel: str = ""
    drift_alert_ts: str = ""
    error_alert_ts: str = ""
    error_alerted: str = ""  # the error message last posted, so it is posted once
    synced_version: int | None = None  # the kept group's version its last whole push read


class PushedMember(SQLModel, table=True):
    """One member as last pushed to an app group: the memory the sync diffs against."""

    mapping_id: int = Field(foreign_key="pushmapping.id", primary_key=True, ondelete="CASCADE")
    login: str = Field(primary_key=True)
    app_user_id: str


class AppUser(SQLModel, table=True):
    """An app's user id for a directory login, as resolved once."""

    __table_args__ = (Index(APP_USER_ID_INDEX, "app", "app_user_id"),)

    app: str = Field(primary_key=True)
    login: str = Field(primary_key=True)
    app_user_id: str


class PushRule(SQLModel, table=True):
    """Push every directory group whose name matches, now and at later syncs."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    app: str
    kind: str  # starts-with | contains | regex
    pattern: str
    created_by: str = ""
    created_at: datetime = Field(default_factory=utcnow)


class ApprovalRequest(SQLModel, table=True):
    """A change waiting for an approver (unlink, bulk delete, a held sync), bound to what it
    showed: its operation, its targets and a fingerprint of its plan."""

    id: str = Field(primary_key=True)
    action: RequestAction = Field(sa_type=_stored(RequestAction))
    app: str
    groups: str  # newline-separated directory group ids
    delete: bool = False
    summary: str = ""
    requested_by: str
    requested_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    status: RequestStatus = Field(default=RequestStatus.PENDING, sa_type=_stored(RequestStatus))
    decided_by: str = ""
    decided_at: datetime | None = None
    channel: str = ""
    message_ts: str = ""
    outcome: str = ""
    operation: str = ""  # the operation asked for, as JSON
    target: str = ""  # JSON: [{group_id, mapping_id, app_group_id}], what it was asked for
    fingerprint: str = ""  # of the plan shown when it was asked
    plan: str = ""  # the plan as shown, for people


class PushRun(SQLModel, table=True):
    """One push to one app group: what was asked, what was done."""

    id: int | None = Field(default=None, primary_key=True)
    mapping_id: int | None = Field(default=None, index=True)
    group_name: str
    app: str
    operation: str
    actor: str = ""
    started_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    outcome: str = "running"  # running | ok | failed
    added: int = 0
    removed: int = 0
    skipped: int = 0


class RunError(SQLModel, table=True):
    """A failure of a push run, with the Information details."""

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(index=True)
    mapping_id: int | None = None
    group_name: str
    app: str
    operation: str
    at: datetime = Field(default_factory=utcnow)
    status: int | None = None
    message: str
    hint: str = ""


class AuditEvent(SQLModel, table=True):
    """Who changed what, when."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor: str
    action: str
    detail: str


class JobLease(SQLModel, table=True):
    """Which process runs the scheduled jobs, until when (several instances, one leader)."""

    name: str = Field(primary_key=True)
    holder: str
    expires_at: datetime


class SchemaVersion(SQLModel, table=True):
    """The version of the schema this database has been migrated to."""

    id: int = Field(default=1, primary_key=True)
    version: int


class KeptUser(SQLModel, table=True):
    """A directory user as grouppush last read it (the kept directory)."""

    id: str = Field(primary_key=True)
    login: str = Field(index=True)
    status: str = "ACTIVE"
    first_name: str = ""
    last_name: str = ""
    seen: int = 0  # the full read that last saw it; older ones are gone after a full read


class KeptGroup(SQLModel, table=True):
    """A directory group as grouppush last read it; `members_stale` when the directory said its
    members changed and they were not read again (it is neither pushed nor matched)."""

    id: str = Field(primary_key=True)
    name: str = Field(index=True)
    description: str = ""
    type: str = "OKTA_GROUP"
    members_stale: bool = False
    members_version: str = ""  # the directory's members_version when the members were read
    seen: int = 0
    version: int = 0  # grows whenever its name, description, members or their statuses change


class KeptMembership(SQLModel, table=True):
    """One member of a kept group."""

    group_id: str = Field(primary_key=True)
    user_id: str = Field(primary_key=True, index=True)


class KeptDirectoryState(SQLModel, table=True):
    """Where the kept directory's next delta starts, and when it was last read whole."""

    id: int = Field(default=1, primary_key=True)
    cursor: str = ""
    full_read_at: datetime | None = None
    generation: int = 0


class MappingPoll(SQLModel, table=True):
    """Where the next poll of an okta_group_push app's mappings starts (engine/okta_push/poll.py);
    a new table, so create_all makes it on older databases too."""

    app: str = Field(primary_key=True)
    cursor: str = ""


class DirectoryBaseline(SQLModel, table=True):
    """One pushed group as the last trusted directory read had it: its active members, and
    the kept group's version they were counted at."""

    group_id: str = Field(primary_key=True)
    members: int = 0
    version: int | None = None


class HookEvent(SQLModel, table=True):
    """A directory event hook delivery's event, kept a day so a redelivery is dropped."""

    id: str = Field(primary_key=True)
    received_at: datetime = Field(default_factory=utcnow, index=True)
