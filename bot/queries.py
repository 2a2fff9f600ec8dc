"""Read-only queries the Slack surfaces need, through the engine's and storage's functions."""

from __future__ import annotations

from collections import Counter
from typing import Any, cast

from bot.views.home import HomeData
from engine import requests
from engine.service import GroupPushService
from storage import repo


def home_data(service: GroupPushService) -> HomeData:
    """Apps, pushed groups, rules and pending approvals, for the Home tab."""
    apps = [(name, str(service.config.apps.get(name, {}).get("type", "?")))
            for name in sorted(service.apps)]
    with service.db.session() as session:
        mappings = repo.list_mappings(session)
        rules = repo.list_rules(session)
    waiting = [cast(dict[str, Any], requests.request_data(r)["approval"])
               for r in requests.pending(service)]
    return HomeData(apps=apps, mappings=mappings, rules=rules, pending=waiting,
                    now=service.clock())


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
    group = service.snapshot().groups.get(group_id)
    return group.name if group else None
