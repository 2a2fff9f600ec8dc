"""The members planner: what pushes would send to their app groups, with reads only. Many
pushes of one app are planned in a few queries for all (a sync); plan_push is the planner of
one. push_mapping carries out the plan made here (engine/push/apply.py) and previews show it
(engine/push/plan.py)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from connectors.base import App, DirectoryGroup, DirectorySnapshot, MappingApp
from connectors.errors import ConnectorError, DirectoryError
from engine.core import RefusalError
from engine.push.members import MemberPlan, plan_members
from engine.push.users import resolve
from engine.words import gone_from_directory
from storage import plan_reads, repo
from storage.db import Database
from storage.models import PushMapping


@dataclass(frozen=True)
class MembersPlanned:
    """A push's members plan, made once: what to send, the members the group has once it is
    sent (login -> app id), how many are pushed now, and the push's newest run when it was
    made (a run since makes it stale, and the push plans again)."""

    plan: MemberPlan
    wanted: dict[str, str]
    pushed: int
    after_run: int | None = None
    group: DirectoryGroup | None = None
    """The directory group as planned (its name, description and version; no members)."""


@dataclass
class Plans:
    """The members plans of many pushes, and why the others could not be made (a group gone
    from the directory, a push removed meanwhile, the app's or the directory's failure)."""

    made: dict[int, MembersPlanned] = field(default_factory=dict)
    failed: dict[int, ConnectorError | RefusalError] = field(default_factory=dict)


@dataclass(frozen=True)
class _Wanted:
    """One push planned against what was last pushed."""

    desired: set[str]
    skip: set[str]
    """Logins skipped before, not looked up again (an app group never made skips none)."""
    exists: bool
    """Whether the app group exists (else nothing is pushed there yet)."""
    after_run: int | None = None
    group: DirectoryGroup | None = None


def plan_push(db: Database, app: App, snapshot: DirectorySnapshot, mapping_id: int, *,
              full: bool = False, row: PushMapping | None = None) -> MembersPlanned:
    """What a push of this mapping would send now (plan_pushes of one); its failure raised.
    `row`: the push's row as its push read it under its lock, to plan against (no run
    read: a plan carried out at once is not made stale by a run)."""
    plans = plan_pushes(db, app, snapshot, [mapping_id], full=full,
                        rows={mapping_id: row} if row is not None else None)
    if mapping_id in plans.failed:
        raise plans.failed[mapping_id]
    return plans.made[mapping_id]


def plan_pushes(db: Database, app: App, snapshot: DirectorySnapshot,
                mapping_ids: Iterable[int], *, full: bool = False,
                rows: dict[int, PushMapping] | None = None) -> Plans:
    """What pushes of this app would send now (full: against what each app group has now,
    else against what was last pushed), with reads only, in a few queries for all; each
    push carries its plan out when no other run of it came between (push_mapping's
    `planned`)."""
    ids = list(dict.fromkeys(mapping_ids))
    if isinstance(app, MappingApp):  # Okta pushes the members itself
        return Plans({m: MembersPlanned(MemberPlan(add={}, remove={}), {}, 0) for m in ids})
    plans = Plans()
    runs: dict[int, tuple[int, str]] = {}
    if rows is None:
        with db.session() as session:
            rows = plan_reads.mappings(session, ids)
            runs = plan_reads.last_runs(session, ids)
    plans.failed.update((m, RefusalError(f"push #{m} no longer exists"))
                        for m in ids if m not in rows)
    found = _groups(snapshot, [m.group_id for m in rows.values()])
    wants: dict[int, _Wanted] = {}
    for mapping_id, mapping in rows.items():
        got = found.get(mapping.group_id)
        if not isinstance(got, tuple):
            plans.failed[mapping_id] = got or DirectoryError(
                gone_from_directory(mapping.group_name, app.name))
            continue
        group, desired = got
        run = runs.get(mapping_id)  # a plan made while a run is under way is stale once it ends
        after = None if run is None else -1 if run[1] == "running" else run[0]
        if full and mapping.app_group_id is not None:
            try:
                planned = plan_against_app(db, app, desired, mapping_id, mapping.app_group_id)
            except ConnectorError as error:
                plans.failed[mapping_id] = error
                continue
            plans.made[mapping_id] = replace(planned, after_run=after, group=group)
            continue
        skip = set() if full or mapping.app_group_id is None else _skipped(mapping)
        wants[mapping_id] = _Wanted(desired, skip, mapping.app_group_id is not None, after,
                                    group)
    made, failed = _against_pushed(db, app, wants)
    plans.made.update(made)
    plans.failed.update(failed)
    return plans


def _skipped(mapping: PushMapping) -> set[str]:
    return set(filter(None, mapping.skipped_logins.split("\n")))


def _groups(snapshot: DirectorySnapshot, group_ids: list[str],
            ) -> dict[str, tuple[DirectoryGroup, set[str]] | ConnectorError]:
    """The groups with their active logins; a directory's failure is each group's own."""
    found: dict[str, tuple[DirectoryGroup, set[str]] | ConnectorError] = {}
    try:
        found.update(snapshot.groups_and_logins(group_ids))
    except ConnectorError:  # read them one by one: the failure goes to the groups it meets
        for group_id in group_ids:
            try:
                found.update(snapshot.groups_and_logins([group_id]))
            except ConnectorError as error:
                found[group_id] = error
    return found


def _against_pushed(db: Database, app: App, wants: dict[int, _Wanted],
                   ) -> tuple[dict[int, MembersPlanned], dict[int, ConnectorError]]:
    """Plans against what was last pushed: the pushed members of all read at once, and the
    new logins of all resolved at once (the app asked only for those not cached)."""
    with db.session() as session:
        pushed = plan_reads.pushed_members_of(session, [m for m, w in wants.items() if w.exists])
    new = {m: sorted(login for login in w.desired - w.skip if login not in pushed.get(m, {}))
           for m, w in wants.items()}
    resolved, failed = _resolved(db, app, new)
    made = {}
    for mapping_id, w in wants.items():
        if mapping_id in failed:
            continue
        have = pushed.get(mapping_id, {})
        known = {**have, **{login: resolved[login] for login in new[mapping_id]
                            if login in resolved}}
        plan = plan_members(w.desired - w.skip, known, have)
        plan = MemberPlan(add=plan.add, remove=plan.remove,
                          skipped=tuple(sorted(set(plan.skipped) | (w.desired & w.skip))))
        wanted = {login: known[login] for login in w.desired if login in known}
        made[mapping_id] = MembersPlanned(plan, wanted, len(have), w.after_run, w.group)
    return made, failed


def plan_against_pushed(db: Database, app: App, desired: set[str], mapping_id: int,
                        skip: set[str]) -> MembersPlanned:
    """The members plan of one push against what was last pushed (skip: logins skipped
    before, not looked up again)."""
    made, failed = _against_pushed(db, app, {mapping_id: _Wanted(desired, skip, True)})
    if mapping_id in failed:
        raise failed[mapping_id]
    return made[mapping_id]


def _resolved(db: Database, app: App, new: dict[int, list[str]],
              ) -> tuple[dict[str, str], dict[int, ConnectorError]]:
    """The app user ids of all the new logins; the app's failure is each push's own."""
    try:
        return resolve(db, app, (login for logins in new.values() for login in logins)), {}
    except ConnectorError:  # resolve them push by push: the failure goes to those it meets
        known: dict[str, str] = {}
        failed: dict[int, ConnectorError] = {}
        for mapping_id, logins in new.items():
            try:
                known.update(resolve(db, app, logins))
            except ConnectorError as error:
                failed[mapping_id] = error
        return known, failed


def plan_against_app(db: Database, app: App, desired: set[str], mapping_id: int | None,
                     group_id: str) -> MembersPlanned:
    """The members plan of one app group against what it has now, read from the app (a push
    now; mapping_id None: a new push linking an existing group)."""
    with db.session() as session:
        pushed = repo.pushed_members(session, mapping_id) if mapping_id is not None else {}
    in_app = app.list_members(group_id)
    by_id = {uid: login for login, uid in pushed.items()}
    others = [uid for uid in in_app if uid not in by_id]  # the pushed ones are known
    with db.session() as session:
        known = repo.logins_by_app_id(session, app.name, others) if others else {}
    unnamed = [uid for uid in others if uid not in known and not in_app[uid]]
    if unnamed:  # people the plan would remove are named by their login
        known.update(app.user_logins(unnamed))
    current = {by_id.get(uid) or known.get(uid) or in_app[uid] or uid: uid for uid in in_app}
    resolved = resolve(db, app, desired, refresh=True)
    plan = plan_members(desired, resolved, current, additive=app.capabilities.additive_push_now)
    wanted = {login: resolved[login] for login in desired if login in resolved}
    return MembersPlanned(plan, wanted, len(pushed))
