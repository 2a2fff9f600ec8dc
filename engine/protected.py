"""Protected groups (`safety.protected_groups`): app groups grouppush never links, overwrites,
empties or deletes, even with approval. Patterns match the app group's name in any case, with
`*` (any run of characters) and `?` (one character). Active Directory apps also protect AD's
built-in privileged groups, and any group the app says is privileged (adminCount=1)."""

from __future__ import annotations

import re
from functools import lru_cache

from connectors.base import App
from engine.config import Config
from engine.core import RefusalError
from engine.names import one_line
from engine.words import typeable

KEY = "safety.protected_groups"
ACTIVE_DIRECTORY = ("Domain Admins", "Enterprise Admins", "Schema Admins", "Administrators",
                    "Account Operators", "Backup Operators", "Server Operators",
                    "Print Operators")
"""AD's built-in privileged groups, protected on every Active Directory app."""


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


def patterns(config: Config, app: App) -> list[str]:
    """The patterns that protect groups of this app."""
    own = list(config.safety.protected_groups)
    kind = config.apps.get(app.name, {}).get("type")
    return own + list(ACTIVE_DIRECTORY) if kind == "active_directory" else own


def protected_by(config: Config, app: App, name: str, app_group_id: str | None = None, *,
                 ask_app: bool = True) -> str:
    """Why this app group is protected ("" when it is not): the pattern it matches, or (unless
    not `ask_app`) the app's own word (Active Directory: adminCount=1)."""
    for pattern in patterns(config, app):
        if _compiled(pattern).fullmatch(name):
            return f"{KEY} pattern {pattern!r}" if pattern in \
                config.safety.protected_groups else "an Active Directory built-in group"
    privileged = getattr(app, "privileged", None) if ask_app else None
    if callable(privileged) and privileged(name, app_group_id):
        return "adminCount=1 in Active Directory"
    return ""


def refuse_protected(config: Config, app: App, name: str, doing: str,
                     app_group_id: str | None = None) -> None:
    """Refuse to `doing` (link, overwrite, remove members from, delete) a protected group."""
    why = protected_by(config, app, name, app_group_id)
    if why:
        raise RefusalError(f"{typeable(one_line(name))} on {app.name} is protected ({why}): "
                      f"grouppush never {doing} it, even with approval. Nothing was changed.")


def found_in(config: Config, app: App) -> str:
    """What the patterns protect in this app, as config check tells it: each group a plain
    pattern names that the app has; patterns with * or ? are named as they are."""
    listed = patterns(config, app)
    if not listed:
        return ""
    found = []
    for pattern in listed:
        if "*" in pattern or "?" in pattern:
            found.append(f"any group named like {pattern!r}")
        else:
            group = app.find_group(pattern)
            if group is not None:
                found.append(typeable(one_line(group.name)))
    return "protects " + (", ".join(found) if found else "no group it has now")
