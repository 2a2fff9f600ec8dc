"""Read-only queries the Slack surfaces need, through the engine's and storage's functions."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import Any, cast

from bot.views.home import HomeData, HomeState
from engine.approvals import requests
from engine.push.tab import pushed_page
from engine.service import GroupPushService


def home_data(service: GroupPushService, state: HomeState | None = None) -> HomeData:
    """One app's page of pushed groups under the person's filter, and pending approvals."""
    apps = [(name, str(service.config.apps.get(name, {}).get("type", "?")))
            for name in sorted(service.apps)]
    state = state or HomeState()
    if apps and state.app not in service.apps:
        state = HomeState(app=apps[0][0])
    page = pushed_page(service, state.filter(), state.page) if apps else None
    if page is not None:
        state = replace(state, page=page.page)
    waiting = [cast(dict[str, Any], requests.request_data(r)["approval"])
               for r in requests.pending(service)]
    return HomeData(apps=apps, state=state, page=page, pending=waiting, now=service.clock())


def group_choices(service: GroupPushService, text: str, limit: int = 50) -> list[tuple[str, str]]:
    """(group id, label) of the directory groups whose names contain the text: groups used
    for app assignments last and marked, groups sharing a name told apart by id."""
    found = service.directory.search_groups(text, limit=limit)
    snapshot = service.snapshot()
    used = {gid: sorted(app for app, ids in snapshot.assignments.items() if gid in ids)
            for gid in (g.id for g in found)}
    names = Counter(g.name.casefold() for g in found)
    choices = []
    for group in sorted(found, key=lambda g: bool(used[g.id])):
        label = group.name + (f" (id {group.id})" if names[group.name.casefold()] > 1 else "")
        if used[group.id]:
            label += f" — assignments of {', '.join(used[group.id])}"
        choices.append((group.id, label))
    return choices


def group_name(service: GroupPushService, group_id: str) -> str | None:
    """The name of a directory group by id (as chosen in the dialog)."""
    return service.kept.current_name(group_id)
