"""Push rules: which directory groups a rule matches."""

from __future__ import annotations

import re
from collections.abc import Iterable

from connectors.base import DirectoryGroup

RULE_KINDS = ("starts-with", "contains", "regex")


def rule_matches(kind: str, pattern: str, group_name: str) -> bool:
    """Whether a group name matches a rule (text rules ignore case; regex is searched as given)."""
    if kind == "starts-with":
        return group_name.casefold().startswith(pattern.casefold())
    if kind == "contains":
        return pattern.casefold() in group_name.casefold()
    if kind == "regex":
        return re.search(pattern, group_name) is not None
    raise ValueError(f"unknown rule kind {kind!r}")


def check_pattern(kind: str, pattern: str) -> str | None:
    """Why a pattern cannot be used, or None when it can."""
    if not pattern:
        return "the pattern is empty"
    if kind == "regex":
        try:
            re.compile(pattern)
        except re.error as exc:
            return f"the regular expression is not valid: {exc}"
    return None


def matching_groups(kind: str, pattern: str,
                    groups: Iterable[DirectoryGroup]) -> list[DirectoryGroup]:
    """The groups a rule would push, by name."""
    return sorted((g for g in groups if rule_matches(kind, pattern, g.name)),
                  key=lambda g: g.name)
