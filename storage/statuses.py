"""The words grouppush stores for where a push or an approval request stands, as enums: each
value is the stored word, which JSON (docs/json.md) and messages show unchanged."""

from __future__ import annotations

from enum import StrEnum


class PushStatus(StrEnum):
    """Whether a push is kept in step (its value is the word stored and shown)."""

    ACTIVE = "active"
    INACTIVE = "inactive"
    """Deactivated: the sync leaves it alone until it is activated again."""


class RequestStatus(StrEnum):
    """Where an approval request stands (its value is the word stored and shown)."""

    PENDING = "pending"
    APPROVED = "approved"
    DENIED = "denied"
    EXPIRED = "expired"
    FAILED = "failed"
    """Approved, but carrying it out failed (its outcome says how)."""
    WITHDRAWN = "withdrawn"
    CHANGED = "changed"
    """Approved after its plan changed: nothing was carried out."""


class RequestAction(StrEnum):
    """What an approval request asks for (its value is the word stored)."""

    UNLINK = "unlink"
    BULK_DELETE = "bulk_delete"
    SYNC_REMOVAL = "sync_removal"
    """One push's removals, held by its own removal guard."""
    SYNC_REMOVALS = "sync_removals"
    """A sync's removals over the organisation-wide limit, held together."""
    DIRECTORY_LOSS = "directory_loss"
    """A directory read that lost too much, held until it is trusted."""
