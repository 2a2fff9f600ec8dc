"""Opening the database: SQLite by default, PostgreSQL via DATABASE_URL; schema made on start."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, event, inspect, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, SQLModel, create_engine, select

from storage import models

SCHEMA_VERSION = 7
"""Bump with each change to the tables, and add the step that gets there to MIGRATIONS."""


def execute(session: Session, statement: Any, params: Any = None) -> Any:
    """Execute a statement built once (a cached builder) on the session's connection, past the
    ORM's work for each statement: for the writes and plain-column reads a push makes,
    which touch no object the session holds. Its result (a CursorResult)."""
    return session.connection().execute(statement, params)


def _index_app_user_ids(connection: Connection) -> None:
    connection.execute(text(f"CREATE INDEX IF NOT EXISTS {models.APP_USER_ID_INDEX} "
                            "ON appuser (app, app_user_id)"))


def _app_group_descriptions(connection: Connection) -> None:
    connection.execute(text("ALTER TABLE pushmapping ADD COLUMN app_group_description "
                            "VARCHAR NOT NULL DEFAULT ''"))


def _bound_requests(connection: Connection) -> None:
    for column in ("operation", "target", "fingerprint", "plan"):
        connection.execute(text(f"ALTER TABLE approvalrequest ADD COLUMN {column} "
                                "VARCHAR NOT NULL DEFAULT ''"))


def _kept_directory(connection: Connection) -> None:
    for model in (models.KeptUser, models.KeptGroup, models.KeptMembership,
                  models.KeptDirectoryState, models.HookEvent):
        model.__table__.create(connection, checkfirst=True)  # type: ignore[union-attr]


def _kept_versions(connection: Connection) -> None:
    for table, column, kind in (("keptgroup", "version", "INTEGER NOT NULL DEFAULT 0"),
                                ("pushmapping", "synced_version", "INTEGER")):
        if column not in {c["name"] for c in inspect(connection).get_columns(table)}:
            connection.execute(text(f"ALTER TABLE {table} ADD COLUMN {column} {kind}"))


def _baseline_versions(connection: Connection) -> None:
    if "version" not in {c["name"] for c in inspect(connection).get_columns("directorybaseline")}:
        connection.execute(text("ALTER TABLE directorybaseline ADD COLUMN version INTEGER"))


MIGRATIONS: dict[int, Callable[[Connection], None]] = {
    2: _index_app_user_ids, 3: _app_group_descriptions, 4: _bound_requests,
    5: _kept_directory, 6: _kept_versions, 7: _baseline_versions}
"""version -> the step from version-1 to it (ALTER TABLE ...), run once, in order, at start."""


def _create_private(path: str) -> None:
    """Create the SQLite file readable by its owner only (0600) before SQLite does with the
    umask's mode; its -wal and -shm files take the same mode. An existing file is left as is."""
    if path and not os.path.exists(path):
        with contextlib.suppress(OSError):  # no such folder: SQLite says so in its words next
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))


EXAMPLES = "sqlite:///path/to/grouppush.db or postgresql+psycopg://user@host/db"


SHORT_SCHEMES = ("postgres://", "postgresql://")
"""PostgreSQL URLs as Heroku, Render and libpq write them: read as postgresql+psycopg://."""


def with_driver(url: str) -> str:
    """The URL with grouppush's PostgreSQL driver named when it names none."""
    for scheme in SHORT_SCHEMES:
        if url.startswith(scheme):
            return "postgresql+psycopg://" + url[len(scheme):]
    return url


class DatabaseUnavailable(Exception):
    """DATABASE_URL names no database grouppush can use; the message says why and what to
    write instead (never the password). `usage` is true when the URL itself is wrong."""

    def __init__(self, message: str, *, usage: bool) -> None:
        super().__init__(message)
        self.usage = usage


def _check_url(url: str) -> str:
    """The URL as safe to print, or DatabaseUnavailable when it cannot name a database."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseUnavailable(f"DATABASE_URL is not a database URL; write {EXAMPLES}.",
                                  usage=True) from None
    shown = parsed.render_as_string(hide_password=True)
    backend, driver = parsed.get_backend_name(), parsed.get_driver_name()
    if backend not in ("sqlite", "postgresql"):
        raise DatabaseUnavailable(f"DATABASE_URL {shown}: grouppush keeps its data in SQLite or "
                                  f"PostgreSQL, not {backend}; write {EXAMPLES}.", usage=True)
    if backend == "postgresql" and driver != "psycopg":
        raise DatabaseUnavailable(f"DATABASE_URL {shown}: name the psycopg driver, "
                                  "postgresql+psycopg://user@host/db.", usage=True)
    if backend == "postgresql":
        try:
            import psycopg  # noqa: F401
        except ImportError:
            raise DatabaseUnavailable("PostgreSQL needs the psycopg driver, which is not "
                                      "installed: pip install 'grouppush[postgres]'.",
                                      usage=True) from None
    return shown


def _unreachable(shown: str, error: OperationalError) -> DatabaseUnavailable:
    reason = str(error.orig).strip().splitlines()[0] if error.orig else "it did not answer"
    if shown.startswith("sqlite"):
        return DatabaseUnavailable(f"cannot open the SQLite database {shown} ({reason}); does "
                                   "its folder exist and may grouppush write there?",
                                   usage=False)
    return DatabaseUnavailable(f"cannot reach the database {shown}: {reason}", usage=False)


def make_engine(url: str) -> Engine:
    """An engine for the URL; SQLite gets WAL and a busy timeout so threads can share it."""
    if url.startswith("sqlite"):
        in_memory = url in ("sqlite://", "sqlite:///:memory:")
        if not in_memory:
            _create_private(make_url(url).database or "")
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30},
            poolclass=StaticPool if in_memory else None,
        )

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            if not in_memory:
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def init_schema(engine: Engine) -> None:
    """Create missing tables and run the migrations this database has not had yet."""
    SQLModel.metadata.create_all(engine)
    with Session(engine) as session:
        row = session.exec(select(models.SchemaVersion)).first()
        if row is None:
            session.add(models.SchemaVersion(version=SCHEMA_VERSION))
            session.commit()
            return
        for version in range(row.version + 1, SCHEMA_VERSION + 1):
            MIGRATIONS[version](session.connection())
            row.version = version
        session.commit()


class Database:
    """The engine plus short-lived sessions, one per unit of work."""

    def __init__(self, url: str) -> None:
        url = with_driver(url)
        self.url = url
        shown = _check_url(url)
        self.engine = make_engine(url)
        try:
            init_schema(self.engine)
        except OperationalError as error:
            self.engine.dispose()
            raise _unreachable(shown, error) from None

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on error."""
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def close(self) -> None:
        """Dispose of the connection pool."""
        self.engine.dispose()
