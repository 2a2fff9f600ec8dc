"""Names people read: control characters escaped for one-line display, and look-alike names
found by their Unicode TR39 skeletons (ICU's SpoofChecker)."""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Iterable

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_lock = threading.Lock()


@functools.cache
def _checker() -> object:
    import icu  # loaded when a name is first compared: a command's start needs none of it

    return icu.SpoofChecker()


def one_line(name: str) -> str:
    """A name with its control characters (a newline, an ANSI escape) written as escapes."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], name)


@functools.lru_cache(maxsize=4096)
def skeleton(name: str) -> str:
    """The TR39 skeleton: names with the same skeleton look alike ("Sаles" with a Cyrillic а,
    "SaIes" with a capital I, and "Sales")."""
    with _lock:
        return str(_checker().getSkeleton(0, name))  # type: ignore[attr-defined]


def confusable_with(name: str, others: Iterable[str]) -> list[str]:
    """The other names that look like `name` without being it, sorted (no other name:
    nothing to compare, and ICU is not loaded)."""
    rest = {other for other in others if other != name}
    if not rest:
        return []
    mine = skeleton(name)
    return sorted(other for other in rest if skeleton(other) == mine)
