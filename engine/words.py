"""Words for people: counts with the right plural, names in a form that can be typed back."""

from __future__ import annotations

import shlex


def plural(count: int, noun: str, many: str | None = None) -> str:
    """`1 member`, `2 members` (`many` when the plural is not noun + s)."""
    return f"{count} {noun if count == 1 else many or noun + 's'}"


def typeable(name: str) -> str:
    """A name as a command reads it back: bare when it can be, else quoted."""
    if name and not any(c.isspace() or c in "'\"\\#`" for c in name):
        return name
    return f'"{name}"' if '"' not in name and "\\" not in name else shlex.quote(name)


def gone_from_directory(name: str, app: str, pending: str = "") -> str:
    """Why a push whose directory group is gone cannot push, and the two ways to end it (or
    the request already `pending` to end it)."""
    if pending:
        return (f"The directory group {typeable(name)} is no longer in the directory, so it "
                f"cannot be pushed. Request {pending} to unlink it from {app} is already "
                f"pending: `approve {pending}` or `deny {pending}`.")
    return (f"The directory group {typeable(name)} is no longer in the directory, so it cannot be "
            f"pushed. `unlink {typeable(name)} from {app} --delete` deletes it from {app}; "
            f"`unlink {typeable(name)} from {app} --keep` leaves it there.")


def concrete(hint: str, group: str, app: str) -> str:
    """A hint's `... GROUP on APP` commands for this group and app, typed as they must be."""
    return hint.replace("GROUP on APP", f"{typeable(group)} on {typeable(app)}")
