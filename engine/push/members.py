"""Who to add and who to remove: a pure function of what is wanted and what is there."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class MemberPlan:
    """The member changes one push makes to one app group."""

    add: dict[str, str]
    """login -> app user id to add"""
    remove: dict[str, str]
    """login (or app user id when no login is known) -> app user id to remove"""
    skipped: tuple[str, ...] = ()
    """wanted logins the app does not know"""

    @property
    def empty(self) -> bool:
        """Whether there is nothing to send."""
        return not self.add and not self.remove


def plan_members(
    desired: Iterable[str],
    resolved: Mapping[str, str],
    current: Mapping[str, str],
    *,
    additive: bool = False,
) -> MemberPlan:
    """Plan the member changes.

    desired: logins that should be members (active users only);
    resolved: login -> app user id, for the logins the app knows;
    current: login (or app id) -> app user id of the members there now (or as last pushed);
    additive: never remove (Active Directory's push now).
    """
    wanted = {login: resolved[login] for login in desired if login in resolved}
    skipped = tuple(sorted(login for login in set(desired) if login not in resolved))
    have = set(current.values())
    add = {login: uid for login, uid in sorted(wanted.items()) if uid not in have}
    wanted_ids = set(wanted.values())
    remove = {} if additive else {
        key: uid for key, uid in sorted(current.items()) if uid not in wanted_ids
    }
    return MemberPlan(add=add, remove=remove, skipped=skipped)


def removal_share(plan: MemberPlan, current_size: int) -> float:
    """The share of the current members this plan removes."""
    return len(plan.remove) / current_size if current_size else 0.0
