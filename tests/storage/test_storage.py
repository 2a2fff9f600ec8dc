"""Storage on SQLite and on a real PostgreSQL: schema on start, what the engine relies on."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import inspect, text

from storage import repo
from storage.db import SCHEMA_VERSION, Database
from storage.models import ApprovalRequest, PushMapping, SchemaVersion, utcnow
from storage.statuses import PushStatus, RequestAction, RequestStatus


def test_schema_is_created_on_start_and_versioned(database_url: str) -> None:
    db = Database(database_url)
    tables = set(inspect(db.engine).get_table_names())
    assert {"pushmapping", "pushedmember", "appuser", "pushrule", "approvalrequest",
            "pushrun", "runerror", "auditevent", "schemaversion"} <= tables
    with db.session() as session:
        assert session.get(SchemaVersion, 1).version == SCHEMA_VERSION  # type: ignore[union-attr]
    Database(database_url).close()  # a second start keeps what is there
    db.close()



def test_a_push_is_recorded_by_its_statements_built_once(database_url: str) -> None:
    """The statements a push runs are built once and reused: a second push of another kind
    (no members told, no version) and a push removed meanwhile are each recorded rightly."""
    db = Database(database_url)
    with db.session() as session:
        mapping = PushMapping(group_id="g1", group_name="Sales", app="box", created_by="U1")
        session.add(mapping)
        session.flush()
        mapping_id = int(mapping.id or 0)
        run_id = repo.start_run(session, mapping, "push", "U1")
    for n in (1, 2):  # the second time, every statement is the one built the first
        with db.session() as session:
            assert repo.update_mapping(session, mapping_id, app_group_id=f"A{n}",
                                       app_group_name=f"Sales ({n})")
            repo.record_added(session, mapping_id, {f"u{i}@x": str(i) for i in range(n + 1)})
            recorded = repo.record_push(session, mapping_id, told=True, version=6 + n,
                                        skipped=f"s{n}@x")
            repo.finish_run(session, run_id, "ok", n + 1, 0, n)
        assert recorded == repo.Recorded("Sales", "", False)
    with db.session() as session:
        row = session.get(PushMapping, mapping_id)
        assert row is not None
        assert (row.app_group_id, row.app_group_name, row.members_pushed, row.synced_version,
                row.skipped_logins) == ("A2", "Sales (2)", 3, 8, "s2@x")
        pushed_at = row.last_push_at
        run = repo.last_run(session, mapping_id)
        assert run is not None and (run.outcome, run.added, run.skipped) == ("ok", 3, 2)
    with db.session() as session:  # told nothing, no version: the time and version stay
        repo.record_push(session, mapping_id, told=False, version=None, skipped=None)
    with db.session() as session:
        row = session.get(PushMapping, mapping_id)
        assert row is not None
        assert (row.last_push_at, row.synced_version, row.skipped_logins) == \
            (pushed_at, 8, "s2@x")
        repo.forget_mapping(session, row)
    with db.session() as session:  # gone: nothing to update or record
        assert not repo.update_mapping(session, mapping_id, app_group_id="A2")
        assert repo.record_push(session, mapping_id, told=True, version=9, skipped="") is None
    db.close()

def test_mappings_and_pushed_members_round_trip(database_url: str) -> None:
    db = Database(database_url)
    with db.session() as session:
        mapping = PushMapping(group_id="g1", group_name="Sales", app="box", created_by="U1")
        session.add(mapping)
        session.flush()
        repo.record_added(session, mapping.id or 0, {"a@x": "1", "b@x": "2", "c@x": "3"})
    with db.session() as session:
        found = repo.find_mapping(session, "g1", "box")
        assert found is not None and found.created_at.tzinfo is not None
        repo.record_removed(session, found.id or 0, ["b@x"])
        repo.record_added(session, found.id or 0, {"a@x": "1"})  # idempotent
    with db.session() as session:
        assert repo.pushed_members(session, found.id or 0) == {"a@x": "1", "c@x": "3"}
        repo.forget_mapping(session, found)
    with db.session() as session:
        assert repo.list_mappings(session) == []
        assert repo.pushed_members(session, found.id or 0) == {}
    db.close()


def test_a_request_is_decided_once_even_when_two_decide_at_the_same_time(
        database_url: str) -> None:
    db = Database(database_url)
    with db.session() as session:
        session.add(ApprovalRequest(id="ABC123", action="unlink", app="box", groups="g1",
                                    requested_by="U1", expires_at=utcnow() + timedelta(hours=1)))
    wins: list[bool] = []
    barrier = threading.Barrier(4)

    def decide(actor: str) -> None:
        barrier.wait()
        with db.session() as session:
            wins.append(repo.claim_request(session, "ABC123", "approved", actor, utcnow()))

    threads = [threading.Thread(target=decide, args=(f"U{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(wins) == [False, False, False, True]
    db.close()


def test_statuses_are_stored_as_their_plain_words_and_read_back_as_enums(
        database_url: str) -> None:
    db = Database(database_url)
    with db.session() as session:
        session.add(PushMapping(group_id="g1", group_name="Sales", app="box"))
        session.add(ApprovalRequest(id="ABC123", action=RequestAction.BULK_DELETE, app="box",
                                    groups="g1", requested_by="U1",
                                    expires_at=utcnow() + timedelta(hours=1)))
    with db.session() as session:
        assert repo.claim_request(session, "ABC123", RequestStatus.WITHDRAWN, "U1", utcnow())
        session.execute(text("UPDATE pushmapping SET status = 'inactive'"))
    with db.session() as session:
        stored = session.execute(text("SELECT action, status FROM approvalrequest")).one()
        assert tuple(stored) == ("bulk_delete", "withdrawn")
        request = session.get(ApprovalRequest, "ABC123")
        assert request is not None and request.status is RequestStatus.WITHDRAWN
        assert request.action is RequestAction.BULK_DELETE
        assert [m.status for m in repo.list_mappings(session, status=PushStatus.INACTIVE)] \
            == [PushStatus.INACTIVE]
    db.close()


def test_app_user_cache_both_ways(database_url: str) -> None:
    db = Database(database_url)
    with db.session() as session:
        repo.cache_app_users(session, "box", {f"u{i}@x": f"id{i}" for i in range(1200)})
    with db.session() as session:
        assert len(repo.cached_app_users(session, "box", [f"u{i}@x" for i in range(1300)])) \
            == 1200
        assert repo.logins_by_app_id(session, "box", ["id5", "nope"]) == {"id5": "u5@x"}
        assert repo.cached_app_users(session, "other", ["u1@x"]) == {}
    db.close()


def test_audit_is_newest_first(database_url: str) -> None:
    db = Database(database_url)
    with db.session() as session:
        for i in range(5):
            repo.audit(session, "U1", "push", f"group {i}")
    with db.session() as session:
        events = repo.recent_audit(session, 3)
    assert [e.detail for e in events] == ["group 4", "group 3", "group 2"]
    db.close()


def test_a_version_1_database_is_migrated_once(database_url: str) -> None:
    from sqlalchemy import text

    from storage.models import APP_USER_ID_INDEX

    db = Database(database_url)
    with db.session() as session:
        session.add(PushMapping(group_id="g1", group_name="Sales", app="box"))
    with db.session() as session:
        session.execute(text(f"DROP INDEX {APP_USER_ID_INDEX}"))
        session.execute(text("ALTER TABLE pushmapping DROP COLUMN app_group_description"))
        session.execute(text("ALTER TABLE pushmapping DROP COLUMN synced_version"))
        session.execute(text("ALTER TABLE keptgroup DROP COLUMN version"))
        for column in ("operation", "target", "fingerprint", "plan"):
            session.execute(text(f"ALTER TABLE approvalrequest DROP COLUMN {column}"))
        session.get(SchemaVersion, 1).version = 1  # type: ignore[union-attr]
    db.close()
    db = Database(database_url)
    indexes = {i["name"] for i in inspect(db.engine).get_indexes("appuser")}
    assert APP_USER_ID_INDEX in indexes
    with db.session() as session:
        [mapping] = repo.list_mappings(session, "box")
        assert mapping.app_group_description == "" and mapping.synced_version is None
    with db.session() as session:
        assert session.get(SchemaVersion, 1).version == SCHEMA_VERSION  # type: ignore[union-attr]
    db.close()


def test_an_error_is_claimed_for_telling_once_even_by_two_instances(database_url: str) -> None:
    db = Database(database_url)
    with db.session() as session:
        mapping = PushMapping(group_id="g1", group_name="Sales", app="box", created_by="U1",
                              error_message="HTTP 401")
        session.add(mapping)
        session.flush()
        mapping_id = mapping.id or 0
    wins: list[bool] = []
    barrier = threading.Barrier(4)

    def tell() -> None:
        barrier.wait()
        with db.session() as session:
            wins.append(repo.claim_error_alert(session, mapping_id, "HTTP 401"))

    threads = [threading.Thread(target=tell) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(wins) == [False, False, False, True]
    with db.session() as session:
        assert not repo.claim_error_alert(session, mapping_id, "HTTP 500")  # not its error now
        row = session.get(PushMapping, mapping_id)
        assert row is not None
        row.error_message = "HTTP 500"
    with db.session() as session:
        assert repo.claim_error_alert(session, mapping_id, "HTTP 500")  # a new error: told
    db.close()
