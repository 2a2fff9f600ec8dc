"""Member writes into a SCIM group that survive a slow app: a PATCH with no answer in time is
not sent again blindly; the group is read to learn what the app applied, and only what is
missing is sent, in smaller batches while the app stays slow."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from connectors.batching import AdaptiveBatch
from connectors.errors import TimedOutError


class MemberWrites(Protocol):
    """What these writes need of a SCIM app (connectors.scim.ScimApp)."""

    batch: AdaptiveBatch

    def patch_group(self, group_id: str, operations: list[Any], what: str,
                    repeat_on_timeout: bool = True) -> None:
        """PATCH the group with these operations."""

    def list_members(self, group_id: str) -> Mapping[str, str | None]:
        """Members of the group by app user id."""


Operations = Callable[[Sequence[str]], list[Any]]
MAX_TIMEOUTS = 4
"""Writes in a row with no answer before the push gives up (and the next sync resumes it)."""


def write_members(app: MemberWrites, group_id: str, user_ids: list[str], operations: Operations,
                  *, adding: bool) -> None:
    """Add (or remove) these members, in batches sized by app.batch."""
    verb = "adding" if adding else "removing"
    pending, timeouts = list(user_ids), 0
    while pending:
        batch = pending[:app.batch.size]
        started = time.monotonic()
        try:
            app.patch_group(group_id, operations(batch), f"{verb} {len(batch)} members",
                       repeat_on_timeout=False)
        except TimedOutError:
            timeouts += 1
            app.batch.timed_out()
            if timeouts > MAX_TIMEOUTS:
                raise
            pending = still_to_do(app, group_id, pending, adding=adding)
            continue
        timeouts = 0
        app.batch.took(time.monotonic() - started)
        pending = pending[len(batch):]


def still_to_do(app: MemberWrites, group_id: str, pending: list[str], *, adding: bool) -> list[str]:
    """The members of `pending` the app has not taken yet (read from the group itself)."""
    members = set(app.list_members(group_id))
    return [uid for uid in pending if (uid in members) != adding]
