"""The push service: load -> read app -> plan -> apply -> record, for each push command."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal, overload

from sqlalchemy.exc import IntegrityError

from connectors.base import App, Directory, DirectoryGroup, DirectorySnapshot, MappingApp
from connectors.settings import closest
from engine.config import Config
from engine.core import Progress, RefusalError
from engine.failures import StepFailed
from engine.fanout import one
from engine.kept import KeptDirectory
from engine.names import confusable_with
from engine.outcomes import Activated, Deactivated, Pushed, PushedNow, Refusal
from engine.preconditions import refuse_okta_push_now, status_refusal
from engine.protected import refuse_protected
from engine.words import gone_from_directory, plural, quoted
from storage import repo
from storage.db import Database
from storage.models import PushMapping, utcnow
from storage.pending import pending_for
from storage.statuses import PushStatus

if TYPE_CHECKING:  # the push machinery loads with the first push, not with every command
    from engine.push.apply import PushOutcome

Clock = Callable[[], datetime]


SLACK_ID = re.compile(r"[UW][A-Z0-9]{2,}")
"""A Slack user ID: whoever else acts came from the console or the command line."""


class GroupPushService:
    """Pushes directory groups into apps and remembers what it did."""

    def __init__(self, config: Config, db: Database, directory: Directory,
                 apps: dict[str, App], clock: Clock = utcnow) -> None:
        self.config = config
        self.db = db
        self.directory = directory
        self.apps = apps
        self.clock = clock
        self.kept = KeptDirectory(db, directory, config.schedule.full_read_seconds, clock)
        self._locks: dict[int, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    # -- looking things up -------------------------------------------------------------

    def snapshot(self, *names: str) -> DirectorySnapshot:
        """The named groups with their members, read from the directory now; without names,
        the kept directory (engine/kept.py), which asks the directory nothing."""
        return self.kept.snapshot_of(names) if names else self.kept.view()

    def find_group(self, snapshot: DirectorySnapshot, name: str) -> DirectoryGroup:
        """The directory group called `name` (or `id:GROUPID`), or a refusal naming the
        closest ones; two groups of that name are told apart by their ids."""
        if name.startswith("id:"):
            if not name[3:].strip():
                raise RefusalError("`id:` needs a group id after it, such as id:00g1abcd; "
                                   "`search TEXT` shows groups with their ids.")
            by_id = snapshot.groups.get(name[3:].strip())
            if by_id is None:
                raise RefusalError(f"No directory group has the id {name[3:].strip()}. "
                                   "`search TEXT` shows groups with their ids.")
            return by_id
        same = [g for g in snapshot.groups.values() if g.name == name] or \
            [g for g in snapshot.groups.values() if g.name.casefold() == name.casefold()]
        if len(same) > 1:
            counts = {g.id: plural(len(snapshot.active_logins(g)), "active member")
                      for g in same}
            ids = ", ".join(f"`id:{g.id}` ({counts[g.id]})" for g in same)
            raise RefusalError(f"{len(same)} directory groups are named {quoted(name)}: {ids}. "
                               "Name one by its id instead of its name.")
        group = snapshot.group_named(name)
        if group is not None:
            return group
        names = list(dict.fromkeys([*(g.name for g in snapshot.groups.values()),
                                    *self.kept.group_names(), *self.kept.names_like(name)]))
        near = closest(name, names) or [n for n in names if name.casefold() in n.casefold()][:3]
        tip = f" Closest: {', '.join(quoted(n) for n in near)}." if near else \
            " `search TEXT` lists groups by name."
        raise RefusalError(f"No directory group named {quoted(name)}.{tip}")

    def find_app(self, name: str) -> App:
        """The configured app called `name`, or a refusal naming the closest ones."""
        if name in self.apps:
            return self.apps[name]
        folded = {app.casefold(): app for app in self.apps}
        near = [folded[n] for n in closest(name.casefold(), folded)]
        tip = f" Did you mean {near[0]}?" if near else ""
        raise RefusalError(f"No app named {name}.{tip} Configured apps: "
                           f"{', '.join(sorted(self.apps)) or 'none'}.")

    def find_push(self, snapshot: DirectorySnapshot, name: str,
                  app: App) -> tuple[DirectoryGroup | None, PushMapping]:
        """A push by its directory group's name or `id:GROUPID`, or by the name it was pushed
        under when the directory group is gone (then the group is None)."""
        try:
            group = self.find_group(snapshot, name)
        except RefusalError:
            wanted = name[3:] if name.startswith("id:") else name
            with self.db.session() as session:
                gone = [m for m in repo.list_mappings(session, app.name)
                        if m.group_id not in snapshot.groups
                        and wanted.casefold() in (m.group_name.casefold(), m.group_id.casefold(),
                                                  m.app_group_name.casefold())]
            if len(gone) == 1:
                return None, gone[0]
            raise
        return group, self.find_mapping(group, app, snapshot)

    def find_mapping(self, group: DirectoryGroup, app: App,
                     snapshot: DirectorySnapshot | None = None) -> PushMapping:
        """The push of this group to this app, or a refusal saying it is not pushed (and why
        it never can be, when the model forbids it)."""
        with self.db.session() as session:
            mapping = repo.find_mapping(session, group.id, app.name)
        if mapping is None and snapshot is not None:
            self.refuse_unpushable(snapshot, group, app)
        if mapping is None:
            raise RefusalError(f"{quoted(group.name)} is not pushed to {app.name}. Push it with "
                               f"`push {quoted(group.name)} to {app.name}`.")
        return mapping

    def pending_for(self, mapping: PushMapping) -> str:
        """The id of a pending request already acting on this push, or ""."""
        with self.db.session() as session:
            return pending_for(session, int(mapping.id or 0), self.clock())

    def audit(self, actor: str, action: str, detail: str) -> None:
        """Record one change."""
        with self.db.session() as session:
            repo.audit(session, actor, action, detail)

    def mapping_lock(self, mapping_id: int) -> threading.Lock:
        """One push at a time per mapping, whoever asks."""
        with self._locks_guard:
            return self._locks.setdefault(mapping_id, threading.Lock())

    # -- pushing -----------------------------------------------------------------------

    def refuse_unpushable(self, snapshot: DirectorySnapshot, group: DirectoryGroup,
                          app: App) -> None:
        """Refuse groups the Group Push model never pushes to this app."""
        if group.id in snapshot.assignments.get(app.name, frozenset()):
            raise RefusalError(f"{quoted(group.name)} is used for app assignments of {app.name}, "
                               f"so it cannot also be pushed to {app.name}. Push another group, "
                               "or remove it from the assignments first.")
        if group.type == "BUILT_IN":
            raise RefusalError(f"{quoted(group.name)} is a built-in directory group and is never "
                               "pushed.")
        refuse_protected(self.config, app, group.name, "links or pushes to")

    def push(self, group_name: str, app_name: str, actor: str, *, memberships: bool = True,
             via: str = "name", progress: Progress | None = None) -> Pushed:
        """Push a group by name: create (or link) the app group and push its active members."""
        snapshot = self.snapshot(group_name)
        group, app = self.find_group(snapshot, group_name), self.find_app(app_name)
        outcome = self.start_push(snapshot, group, app, actor, memberships=memberships,
                                  via=via, progress=progress)
        with self.db.session() as session:
            others = [name for gid, name in repo.pushed_names(session, app.name)
                      if gid != group.id]
        return Pushed(**result_fields(outcome), linked=outcome.linked, memberships=memberships,
                      looks_like=tuple(confusable_with(group.name, others)),
                      by_okta=isinstance(app, MappingApp))

    def start_push(self, snapshot: DirectorySnapshot, group: DirectoryGroup, app: App,
                   actor: str, *, memberships: bool, via: str,
                   progress: Progress | None = None) -> PushOutcome:
        """Refuse what may not be pushed, record the mapping, then push it: the push decides
        to link or create the app group. A push failing at its first request stays, with
        its error, for `info` and Retry; one refused by the app group's name does not."""
        self.refuse_unpushable(snapshot, group, app)
        already = RefusalError(f"{quoted(group.name)} is already pushed to {app.name}. "
                               f"`info {quoted(group.name)} on {app.name}` shows it; "
                               f"`now {quoted(group.name)} on {app.name}` pushes it again.")
        try:
            with self.db.session() as session:  # one push per group and app (a unique key)
                mapping = PushMapping(group_id=group.id, group_name=group.name, app=app.name,
                                      memberships=memberships, created_by=actor,
                                      created_via=via)
                session.add(mapping)
                session.flush()
                mapping_id = int(mapping.id or 0)
                run_id = repo.start_run(session, mapping, "push", actor)
                repo.audit(session, actor, "push",
                           f"{quoted(group.name)} to {app.name}"
                           + ("" if memberships else " (no memberships)")
                           + (f" by rule {quoted(via[5:])}" if via.startswith("rule:") else ""))
        except IntegrityError:  # someone pushed the same group at the same moment
            raise already from None

        def step(mapping_id: int) -> PushOutcome:
            with self.mapping_lock(mapping_id):
                return self._first_push(snapshot, group, app, mapping_id, run_id, actor,
                                        memberships, progress)

        return one(self.db, app, mapping_id, step, "push")

    def _first_push(self, snapshot: DirectorySnapshot, group: DirectoryGroup, app: App,
                    mapping_id: int, run_id: int | None, actor: str, memberships: bool,
                    progress: Progress | None) -> PushOutcome:
        """The first push of a new mapping, in the run opened with it; one refused by the
        app group's name leaves no push behind."""
        from engine.push.apply import push_mapping
        from engine.push.link import GroupTaken

        try:
            return push_mapping(self.db, app, snapshot, mapping_id, operation="push",
                                actor=actor, members=memberships, progress=progress,
                                group=group, run_id=run_id)
        except StepFailed as failed:
            if not isinstance(failed.error, GroupTaken):
                raise
            with self.db.session() as session:
                row = session.get(PushMapping, mapping_id)
                if row is not None:
                    repo.forget_mapping(session, row, history=True)
            raise RefusalError(str(failed.error)) from None

    def push_now(self, group_name: str, app_name: str, actor: str,
                 progress: Progress | None = None) -> PushedNow:
        """Overwrite the app group's members with the directory's (additive where the app is)."""
        snapshot = self.snapshot(group_name)
        app = self.find_app(app_name)
        group, mapping = self.find_push(snapshot, group_name, app)
        if group is None:
            raise RefusalError(gone_from_directory(mapping.group_name, app.name,
                                                   self.pending_for(mapping)))
        if mapping.status != PushStatus.ACTIVE:
            raise RefusalError(f"{quoted(group.name)} on {app.name} is deactivated. "
                               f"`activate {quoted(group.name)} on {app.name}` resumes it first.")
        refuse_protected(self.config, app, mapping.app_group_name or group.name, "overwrites",
                         mapping.app_group_id)
        from engine.push.apply import push_mapping

        if isinstance(app, MappingApp):
            raise refuse_okta_push_now(app.name, quoted(group.name))

        def step(mapping_id: int) -> PushOutcome:
            with self.mapping_lock(mapping_id):
                return push_mapping(self.db, app, snapshot, mapping_id, operation="push now",
                                    actor=actor, full=True, progress=progress)

        outcome = one(self.db, app, int(mapping.id or 0), step, "push now")
        self.audit(actor, "push now", f"{quoted(group.name)} on {app.name}: +{outcome.added} "
                   f"-{outcome.removed}")
        with self.db.session() as session:
            fresh = session.get(PushMapping, mapping.id)
            if fresh is not None:
                fresh.drift_fingerprint, fresh.drift_ignored_by = "", ""
        return PushedNow(**result_fields(outcome),
                         additive=app.capabilities.additive_push_now)

    @overload
    def set_status(self, group_name: str, app_name: str, actor: str,
                   active: Literal[True]) -> Activated | Refusal: ...

    @overload
    def set_status(self, group_name: str, app_name: str, actor: str,
                   active: Literal[False]) -> Deactivated | Refusal: ...

    def set_status(self, group_name: str, app_name: str, actor: str,
                   active: bool) -> Activated | Deactivated | Refusal:
        """Deactivate (pause) or activate (resume and catch up) a push."""
        snapshot = self.snapshot(group_name)
        app = self.find_app(app_name)
        found, mapping = self.find_push(snapshot, group_name, app)
        if found is None and active:
            raise RefusalError(gone_from_directory(mapping.group_name, app.name,
                                                   self.pending_for(mapping)))
        refused = status_refusal(found, mapping, app.name, active)
        if refused is not None:
            return Refusal(refused)
        from engine.okta_push.mappings import set_status as set_okta_status
        from engine.push.apply import push_mapping

        group = found or DirectoryGroup(id=mapping.group_id, name=mapping.group_name)
        wanted = PushStatus.ACTIVE if active else PushStatus.INACTIVE
        provider = app if isinstance(app, MappingApp) else None
        if provider is not None:  # the Okta mapping's status
            return one(self.db, app, int(mapping.id or 0), lambda _: set_okta_status(
                self.db, provider, mapping, active, actor), "activate" if active else "deactivate")
        with self.db.session() as session:
            row = session.get(PushMapping, mapping.id)
            assert row is not None
            row.status = wanted
            repo.audit(session, actor, "activate" if active else "deactivate",
                       f"{quoted(group.name)} on {app.name}")
        if not active:
            return Deactivated(group.name, app.name)

        def step(mapping_id: int) -> PushOutcome:
            with self.mapping_lock(mapping_id):
                return push_mapping(self.db, app, snapshot, mapping_id, operation="activate",
                                    actor=actor)

        outcome = one(self.db, app, int(mapping.id or 0), step, "activate")
        return Activated(**result_fields(outcome))

    def expires(self) -> datetime:
        """When a request made now expires."""
        return self.clock() + timedelta(minutes=self.config.slack.approval_ttl_minutes)


def result_fields(outcome: PushOutcome) -> dict[str, Any]:
    """What every push outcome says about one push (engine.outcomes.PushResult)."""
    error = outcome.group_error
    return {"group": outcome.group, "app": outcome.app, "added": outcome.added,
            "removed": outcome.removed, "skipped": tuple(outcome.skipped),
            "recreated": outcome.recreated, "renamed_from": outcome.renamed_from,
            "described": outcome.described,
            "group_error": error.describe() if error is not None else None}
