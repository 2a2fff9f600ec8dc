"""The kept directory in storage, on SQLite and the real PostgreSQL: a full read, deltas,
deletions, redelivered hook events, and a restart that reads nothing again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from connectors.okta import OktaDirectory, OktaSettings
from engine.kept import KeptDirectory
from storage import kept as store
from storage.db import Database
from storage.models import KeptMembership, KeptUser, PushRule
from tests.standins import loopback_client
from tests.standins.okta import OktaStandIn

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def kept(db: Database, okta: OktaStandIn, clock: list[datetime]) -> KeptDirectory:
    settings = OktaSettings(org_url=okta.org_url, token=okta.token).validate()
    return KeptDirectory(db, OktaDirectory(settings, loopback_client()), 86400,
                         lambda: clock[0])


def test_a_full_read_a_delta_and_a_restart(database_url: str, okta: OktaStandIn) -> None:
    ann, ben = okta.add_user("ann@acme.test"), okta.add_user("ben@acme.test")
    sales = okta.add_group("Sales", [ann, ben])
    gone = okta.add_group("Gone", [ann])
    db, clock = Database(database_url), [NOW]
    first = kept(db, okta, clock)
    assert first.refresh().full  # never read: a full read
    view = first.view()
    assert view.active_logins(view.groups[sales]) == {"ann@acme.test", "ben@acme.test"}

    okta.set_status(ben, "SUSPENDED")
    okta.delete_group(gone)
    before = len(okta.requests)
    again = kept(db, okta, clock)  # a restart: the same database
    assert not again.refresh().full
    assert len(okta.requests) - before == 3
    view = again.view()
    assert view.active_logins(view.groups[sales]) == {"ann@acme.test"}
    assert view.groups.get(gone) is None
    with db.session() as session:
        assert store.count(session, KeptUser) == 2
        assert store.count(session, KeptMembership) == 2

    clock[0] = NOW + timedelta(days=1, seconds=1)  # full_read_seconds later
    assert again.refresh().full


def test_a_hook_event_is_taken_once(database_url: str) -> None:
    db = Database(database_url)
    with db.session() as session:
        assert store.first_delivery(session, "evt-1", NOW)
    with db.session() as session:
        assert not store.first_delivery(session, "evt-1", NOW + timedelta(minutes=5))
        assert store.first_delivery(session, "evt-1", NOW + timedelta(days=2))  # forgotten


def test_a_full_read_rewrites_only_the_groups_whose_members_changed(
        database_url: str, okta: OktaStandIn) -> None:
    users = [okta.add_user(f"u{n}@acme.test") for n in range(6)]
    same = okta.add_group("Same", users[:3])
    moved = okta.add_group("Moved", users[2:5])
    db, clock = Database(database_url), [NOW]
    with db.session() as session:  # groups a rule matches have their members kept
        session.add(PushRule(name="all", app="box", kind="contains", pattern="m"))
    directory = kept(db, okta, clock)
    directory.refresh(full=True)
    with db.session() as session:
        before = store.versions(session, [same, moved])

    okta.remove_member(moved, users[3])  # two leave, one joins
    okta.remove_member(moved, users[4])
    okta.add_member(moved, users[5])
    directory.refresh(full=True)

    view = directory.view()
    assert view.active_logins(view.groups[moved]) == {"u2@acme.test", "u5@acme.test"}
    assert view.active_logins(view.groups[same]) == {"u0@acme.test", "u1@acme.test",
                                                     "u2@acme.test"}
    with db.session() as session:
        after = store.versions(session, [same, moved])
        assert store.count(session, KeptMembership) == 3 + 2
    assert after[same] == before[same]  # its pushes have nothing to plan
    assert after[moved] > before[moved]
