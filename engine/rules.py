"""Push rules: which directory groups a rule matches (regexes in linear time, by RE2)."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

import re2

from connectors.base import DirectoryGroup

RULE_KINDS = ("starts-with", "contains", "regex")
MAX_PATTERN = 1000
"""Characters of a rule's pattern; longer ones are refused before they are compiled."""


def _options() -> Any:
    options = re2.Options()
    options.log_errors = False  # the reason goes to the person, not to stderr
    return options


@functools.lru_cache(maxsize=256)
def compiled(pattern: str) -> Any:
    """The RE2 program of a regex rule: matching takes time linear in the name, whatever the
    pattern (no backtracking), so no rule can hang a sync."""
    return re2.compile(pattern, _options())


def rule_matches(kind: str, pattern: str, group_name: str) -> bool:
    """Whether a group name matches a rule (text rules ignore case; regex is searched as given)."""
    if kind == "starts-with":
        return group_name.casefold().startswith(pattern.casefold())
    if kind == "contains":
        return pattern.casefold() in group_name.casefold()
    if kind == "regex":
        return compiled(pattern).search(group_name) is not None
    raise ValueError(f"unknown rule kind {kind!r}")


def check_pattern(kind: str, pattern: str) -> str | None:
    """Why a pattern cannot be used, or None when it can."""
    if not pattern:
        return "the pattern is empty"
    if len(pattern) > MAX_PATTERN:
        return f"the pattern is {len(pattern)} characters long; at most {MAX_PATTERN}"
    if kind == "regex":
        try:
            compiled(pattern)
        except re2.error as exc:
            reason = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) \
                else str(exc)
            return (f"the regular expression is not valid: {reason} (rules run on RE2, "
                    "which has no backreferences or lookarounds, so matching never hangs)")
    return None


def matching_groups(kind: str, pattern: str,
                    groups: Iterable[DirectoryGroup]) -> list[DirectoryGroup]:
    """The groups a rule would push, by name."""
    return sorted((g for g in groups if rule_matches(kind, pattern, g.name)),
                  key=lambda g: g.name)
