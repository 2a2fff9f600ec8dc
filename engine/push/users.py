"""Resolving users: the app's user id of each directory login, from the cache first."""

from __future__ import annotations

from collections.abc import Iterable

from connectors.base import App
from storage import repo
from storage.db import Database


def resolve(db: Database, app: App, logins: Iterable[str], refresh: bool = False) -> dict[str, str]:
    """App user ids for logins: from the cache, asking the app only for the ones not known."""
    wanted = sorted(set(logins))
    if not wanted:
        return {}
    with db.session() as session:
        known = {} if refresh else repo.cached_app_users(session, app.name, wanted)
    missing = [login for login in wanted if login not in known]
    if missing:
        fresh = app.resolve_users(missing)
        with db.session() as session:
            repo.cache_app_users(session, app.name, fresh)
        known.update(fresh)
    return known
