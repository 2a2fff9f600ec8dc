"""The Push Groups tab's questions: a page of one app's pushed groups, and one group's
Information details, as typed outcomes the views render (no Slack here)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from connectors.base import MappingApp
from connectors.errors import ConnectorError
from engine.core import RefusalError
from engine.drift import DriftReport, report_from_json
from engine.protected import protected_by
from engine.service import GroupPushService
from storage import pages, repo
from storage.models import PushMapping, PushRule
from storage.pages import PushFilter
from storage.statuses import PushStatus

PAGE_SIZE = 20
"""Pushed groups per page of the Home tab: two blocks each, well inside Slack's 100."""
GROUP_TYPES = {"OKTA_GROUP": "OKTA_GROUP (an Okta group)",
               "APP_GROUP": "APP_GROUP (imported into Okta from an app or directory)",
               "BUILT_IN": "BUILT_IN (an Okta built-in group)"}


@dataclass(frozen=True)
class PushedRow:
    """One pushed group as a row of the tab."""

    mapping_id: int
    group_id: str
    name: str
    active: bool
    members_pushed: int
    active_members: int | None
    """Active members in the directory now; None when the directory does not have it."""
    last_push_at: datetime | None
    error: str
    drift: bool
    drift_ignored_by: str
    rule: str | None
    """The rule that found it, or None when it was pushed by name."""
    origin: str = "name"
    """name | rule | okta (made in Okta's admin console, found by a sync)."""
    protected: str = ""
    """Why grouppush leaves the app group alone (safety.protected_groups), or ""."""
    by_okta: bool = False
    """Okta pushes the members (okta_group_push): members_pushed is 0 and the app group's
    members are not readable; active_members is what Okta pushes."""


@dataclass(frozen=True)
class PushedPage:
    """One page of one app's pushed groups under a filter, and what the filters offer."""

    wanted: PushFilter
    rows: tuple[PushedRow, ...]
    page: int
    size: int
    total: int
    """Pushed groups the filter keeps (all pages)."""
    app_total: int
    app_errors: int
    app_drift: int
    rules: tuple[tuple[str, int], ...]
    """Each rule of the app with how many pushed groups it found."""
    by_name: int
    """How many were pushed by name."""
    removed_rules: tuple[tuple[str, int], ...] = ()
    """Rules removed since, with how many pushed groups they had found (still pushed)."""

    @property
    def pages(self) -> int:
        """How many pages the filter spans (at least one)."""
        return max(1, -(-self.total // self.size))


def rule_of(mapping: PushMapping) -> str | None:
    """The rule that found a pushed group, or None when it was pushed by name."""
    return mapping.created_via[5:] if mapping.created_via.startswith("rule:") else None


def origin_of(mapping: PushMapping) -> str:
    """How it came to be pushed: name, rule, or okta (in Okta's admin console)."""
    via = mapping.created_via
    return "rule" if via.startswith("rule:") else "okta" if via == "okta" else "name"


def active_counts(service: GroupPushService, group_ids: Iterable[str]) -> dict[str, int]:
    """Active members in the directory now, of the groups it has (a page's, not all)."""
    try:
        snapshot = service.snapshot()
        found = {gid: snapshot.groups.get(gid) for gid in group_ids}
        return {gid: len(snapshot.active_logins(g)) for gid, g in found.items() if g}
    except ConnectorError:  # the directory is away: the rows show what was pushed
        return {}


def _row(mapping: PushMapping, active: dict[str, int], by_okta: bool) -> PushedRow:
    error = f"{mapping.error_operation or 'push'} failed: {mapping.error_message}" \
        if mapping.error_message else ""
    return PushedRow(
        mapping_id=int(mapping.id or 0), group_id=mapping.group_id, name=mapping.group_name,
        active=mapping.status == PushStatus.ACTIVE, members_pushed=mapping.members_pushed,
        active_members=active.get(mapping.group_id), last_push_at=mapping.last_push_at,
        error=error, drift=bool(mapping.drift_fingerprint),
        drift_ignored_by=mapping.drift_ignored_by, rule=rule_of(mapping),
        origin=origin_of(mapping), by_okta=by_okta)


def pushed_page(service: GroupPushService, wanted: PushFilter, page: int = 0,
                size: int = PAGE_SIZE) -> PushedPage:
    """One page of the filter (a page past the end shows the last one)."""
    with service.db.session() as session:
        total = pages.count(session, wanted)
        last = max(0, -(-total // size) - 1)
        page = min(max(0, page), last)
        mappings = pages.page(session, wanted, page * size, size)
        app = wanted.app or ""
        app_total, app_errors, app_drift = pages.trouble(session, app)
        found = pages.by_rule(session, app)
        rules = [r.name for r in repo.list_rules(session, app)]
    counts = active_counts(service, [m.group_id for m in mappings])
    named = [(name, found.get(name, 0)) for name in rules]
    gone = [(name, n) for name, n in found.items() if name and name not in rules]
    rows = tuple(replace(_row(m, counts, isinstance(service.apps[m.app], MappingApp)),
                         protected=protected_by(service.config, service.apps[m.app],
                                                m.app_group_name or m.group_name,
                                                ask_app=False))
                 if m.app in service.apps else _row(m, counts, False) for m in mappings)
    return PushedPage(wanted=wanted, rows=rows, page=page,
                      size=size, total=total, app_total=app_total, app_errors=app_errors,
                      app_drift=app_drift, rules=tuple(sorted(named)),
                      by_name=found.get(pages.BY_NAME, 0), removed_rules=tuple(sorted(gone)))


def selection(service: GroupPushService, wanted: PushFilter,
              limit: int | None = None) -> list[tuple[int, str, str]]:
    """(mapping id, group id, name) of every pushed group the filter keeps."""
    with service.db.session() as session:
        return pages.selection(session, wanted, limit)


def groups_by_rule(service: GroupPushService,
                   rules: Iterable[PushRule]) -> dict[str, list[str]]:
    """The names of the pushed groups each rule found, by rule name."""
    found: dict[str, list[str]] = {}
    for rule in rules:
        chosen = selection(service, PushFilter(app=rule.app, rule=rule.name))
        found[rule.name] = [name for _, _, name in chosen]
    return found


def mapping_by_id(service: GroupPushService, mapping_id: int) -> PushMapping:
    """A pushed group by its id, or a refusal when it is no longer pushed."""
    with service.db.session() as session:
        mapping = session.get(PushMapping, mapping_id)
    if mapping is None:
        raise RefusalError("That group is no longer pushed (unlinked meanwhile); nothing was "
                           "changed.")
    return mapping


@dataclass(frozen=True)
class ErrorDetail:
    """The last failed push of a group, with what to do about it."""

    operation: str
    message: str
    status: int | None
    hint: str
    at: datetime | None


@dataclass(frozen=True)
class Information:
    """Everything `info` tells about one pushed group, and where it came from."""

    mapping_id: int
    group: str
    group_id: str
    group_type: str
    in_directory: bool
    app: str
    app_type: str
    app_group: str
    active: bool
    memberships: bool
    linked: bool
    created_by: str
    created_at: datetime | None
    rule: str | None
    last_push_at: datetime | None
    members_pushed: int
    active_members: int | None
    skipped: tuple[str, ...]
    skipped_reason: str
    drift: DriftReport | None
    drift_ignored_by: str
    error: ErrorDetail | None
    origin: str = "name"
    """name | rule | okta (made in Okta's admin console)."""
    by_okta: bool = False
    """Okta pushes the members (okta_group_push): none are pushed by grouppush and the app
    group's are not readable; active_members is what Okta pushes."""
    okta: tuple[tuple[str, str], ...] = ()
    """Okta's own state of the mapping, read now (by_okta only): (label, text)."""


def group_type(service: GroupPushService, kind: str | None) -> str:
    """The directory group's type as people read it: Okta's type, or the directory file's."""
    if service.config.directory.get("type") == "file":
        return f"directory file group ({Path(str(service.config.directory.get('path'))).name})"
    if kind is None:
        return "unknown (the group is no longer in the directory)"
    return GROUP_TYPES.get(kind, kind)


def information(service: GroupPushService, mapping_id: int) -> Information:
    """The Information details of one pushed group."""
    mapping = mapping_by_id(service, mapping_id)
    try:
        snapshot = service.snapshot()
        group = snapshot.groups.get(mapping.group_id)
        active = len(snapshot.active_logins(group)) if group else None
    except ConnectorError:
        group, active = None, None
    error = None
    if mapping.error_message:
        with service.db.session() as session:
            last = repo.last_error(session, mapping_id)
        error = ErrorDetail(operation=mapping.error_operation or "push",
                            message=mapping.error_message, status=mapping.error_status,
                            hint=mapping.error_hint or (last.hint if last else ""),
                            at=mapping.error_at)
    drift = report_from_json(mapping.drift_detail) \
        if mapping.drift_fingerprint and mapping.drift_detail else None
    app_type = str(service.config.apps.get(mapping.app, {}).get("type", "?"))
    app = service.apps.get(mapping.app)
    if isinstance(app, MappingApp):  # Okta's code loads with the first look at its push
        from engine.okta_push.info import okta_state
    app_group = f"{mapping.app_group_name or mapping.group_name} (id {mapping.app_group_id})" \
        if mapping.app_group_id else "not created yet"
    return Information(
        mapping_id=mapping_id, group=mapping.group_name, group_id=mapping.group_id,
        group_type=group_type(service, group.type if group else None),
        in_directory=group is not None, app=mapping.app, app_type=app_type,
        app_group=app_group, active=mapping.status == PushStatus.ACTIVE,
        memberships=mapping.memberships, linked=mapping.linked,
        created_by=mapping.created_by, created_at=mapping.created_at, rule=rule_of(mapping),
        last_push_at=mapping.last_push_at, members_pushed=mapping.members_pushed,
        active_members=active,
        skipped=tuple(s for s in mapping.skipped_logins.split("\n") if s),
        skipped_reason=f"no user in {mapping.app} has this login "
                       f"({'userName' if app_type == 'scim' else 'the matched attribute'})",
        drift=drift, drift_ignored_by=mapping.drift_ignored_by, error=error,
        origin=origin_of(mapping), by_okta=isinstance(app, MappingApp),
        okta=tuple(okta_state(app, mapping).items()) if isinstance(app, MappingApp) else ())
