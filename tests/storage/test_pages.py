"""The Push Groups tab's queries on SQLite and PostgreSQL: pages, filters, counts, selection."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from storage import pages
from storage.db import Database
from storage.models import ApprovalRequest, PushMapping, PushRule, utcnow
from storage.pages import BY_NAME, PushFilter


def fill(db: Database) -> None:
    """1,000 pushed groups on box (every 3rd by rule "team", every 5th inactive, every 7th
    failing, every 11th drifted — every 22nd of those ignored), 10 on wiki."""
    rows = []
    for i in range(1000):
        rows.append(PushMapping(
            group_id=f"g{i}", group_name=f"Team {i:04d}" if i != 500 else "100%_Sales",
            app="box", created_via="rule:team" if i % 3 == 0 else "name",
            status="inactive" if i % 5 == 0 else "active",
            error_message="HTTP 503" if i % 7 == 0 else "",
            drift_fingerprint="f" if i % 11 == 0 else "",
            drift_ignored_by="U0OPS" if i % 22 == 0 else ""))
    rows += [PushMapping(group_id=f"g{i}", group_name=f"Team {i:04d}", app="wiki")
             for i in range(10)]
    with db.session() as session:
        session.add_all(rows)


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    fill(database)
    yield database
    database.close()


def names(db: Database, wanted: PushFilter, offset: int = 0, limit: int = 20) -> list[str]:
    with db.session() as session:
        return [m.group_name for m in pages.page(session, wanted, offset, limit)]


def total(db: Database, wanted: PushFilter) -> int:
    with db.session() as session:
        return pages.count(session, wanted)


def test_a_page_is_the_filters_groups_by_name(db: Database) -> None:
    box = PushFilter(app="box")
    assert total(db, box) == 1000
    assert names(db, box, 0, 3) == ["100%_Sales", "Team 0000", "Team 0001"]
    assert names(db, box, 980, 20)[-1] == "Team 0999" and len(names(db, box, 995, 20)) == 5


def test_filters_by_name_rule_status_errors_and_drift(db: Database) -> None:
    assert names(db, PushFilter(app="box", name="team 001")) == [
        f"Team {i:04d}" for i in range(10, 20)]
    assert names(db, PushFilter(app="box", name="100%_")) == ["100%_Sales"]
    assert total(db, PushFilter(app="box", name="0%_S")) == 1  # % and _ are only letters here
    assert total(db, PushFilter(app="box", name="%")) == 1
    assert total(db, PushFilter(app="box", rule="team")) == 334
    assert total(db, PushFilter(app="box", rule=BY_NAME)) == 666
    assert total(db, PushFilter(app="box", rule="nope")) == 0
    assert total(db, PushFilter(app="box", status="inactive")) == 200
    assert total(db, PushFilter(app="box", errors=True)) == 143
    assert total(db, PushFilter(app="box", drift=True)) == 91 - 46
    both = PushFilter(app="box", rule="team", status="active", errors=True)
    expected = [i for i in range(1000) if i % 3 == 0 and i % 5 and i % 7 == 0]
    assert total(db, both) == len(expected)
    assert names(db, both, 0, 100) == [f"Team {i:04d}" for i in expected]
    assert total(db, PushFilter(app="wiki")) == 10


def test_counts_by_rule_trouble_and_selection(db: Database) -> None:
    with db.session() as session:
        assert pages.by_rule(session, "box") == {"team": 334, BY_NAME: 666}
        assert pages.trouble(session, "box") == (1000, 143, 45)
        chosen = pages.selection(session, PushFilter(app="box", name="Team 000"))
        assert [(g, n) for _, g, n in chosen] == [(f"g{i}", f"Team {i:04d}") for i in range(10)]
        assert len(pages.selection(session, PushFilter(app="box"), limit=100)) == 100


def test_the_change_stamp_moves_with_what_the_tab_shows(db: Database) -> None:
    def stamp() -> tuple[object, ...]:
        with db.session() as session:
            return pages.change_stamp(session)

    before = stamp()
    assert stamp() == before
    with db.session() as session:
        row = session.get(PushMapping, 2)
        assert row is not None
        row.status = "inactive"
    after_status = stamp()
    assert after_status != before
    with db.session() as session:
        session.add(PushRule(name="r", app="box", kind="contains", pattern="x"))
    after_rule = stamp()
    assert after_rule != after_status
    with db.session() as session:
        session.add(ApprovalRequest(id="X1", action="unlink", app="box", groups="g1",
                                    requested_by="U0OPS", expires_at=utcnow()))
    assert stamp() != after_rule
