"""Words for people: counts with the right plural, names in a form that can be typed back."""

from __future__ import annotations

from datetime import datetime

from engine.core import quote
from engine.names import one_line
from engine.times import utc


def plural(count: int, noun: str, many: str | None = None) -> str:
    """`1 member`, `2 members` (`many` when the plural is not noun + s)."""
    return f"{count} {noun if count == 1 else many or noun + 's'}"


def quoted(name: str) -> str:
    """A name as people type it back: quoted when it has spaces or quotes, on one line."""
    return quote(one_line(name))


def when(at: datetime | None) -> str:
    """A time for people, in UTC."""
    return f"{utc(at):%Y-%m-%d %H:%M:%S} UTC" if at else "never"


def gone_from_directory(name: str, app: str, pending: str = "") -> str:
    """Why a push whose directory group is gone cannot push, and the two ways to end it (or
    the request already `pending` to end it)."""
    if pending:
        return (f"The directory group {quote(name)} is no longer in the directory, so it "
                f"cannot be pushed. Request {pending} to unlink it from {app} is already "
                f"pending: `approve {pending}` or `deny {pending}`.")
    return (f"The directory group {quote(name)} is no longer in the directory, so it cannot be "
            f"pushed. `unlink {quote(name)} from {app} --delete` deletes it from {app}; "
            f"`unlink {quote(name)} from {app} --keep` leaves it there.")


def concrete(hint: str, group: str, app: str) -> str:
    """A hint's `... GROUP on APP` commands for this group and app, typed as they must be."""
    return hint.replace("GROUP on APP", f"{quote(group)} on {quote(app)}")


def okta_pushes(active: int | None) -> str:
    """The members of a push Okta makes itself (okta_group_push), as every surface says it:
    the directory group's active members, since the app group's cannot be read."""
    count = f"its {plural(active, 'active member')}" if active is not None else \
        "its active members"
    return f"Okta pushes {count} (the app group's members are not readable through Okta's API)"
