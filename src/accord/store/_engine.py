"""Engines and transactions: SQLite by default, any SQLAlchemy URL (PostgreSQL) when given.

Nothing here runs at import time; the application builds one engine at start-up from
`Settings.resolved_database_url` and passes it down.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

__all__ = [
    "DATABASE_URL_EXAMPLES",
    "SQLITE_BUSY_TIMEOUT_S",
    "DatabaseUnavailableError",
    "DatabaseUrlError",
    "check_database",
    "check_database_url",
    "create_engine",
    "session_factory",
    "transaction",
]

#: How long a SQLite connection waits for another writer before failing, seconds.
SQLITE_BUSY_TIMEOUT_S = 30.0

#: The URL forms Accord runs on, for error messages and docs (docs/store.md, "Databases").
DATABASE_URL_EXAMPLES = (
    "sqlite:///path/to/file.db or postgresql+psycopg://user:password@host:5432/db"
)

# SQLAlchemy driver names accepted per backend; None is the backend's bare name.
_SUPPORTED_DRIVERS = {"sqlite": {None, "pysqlite"}, "postgresql": {None, "psycopg"}}


class DatabaseUrlError(ValueError):
    """The database URL (`ACCORD_DATABASE_URL`) is unparsable or names an unsupported backend."""


class DatabaseUnavailableError(OSError):
    """The database named by the URL cannot be opened (server down, refused, wrong password)."""


def _redacted(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        # Unparsable: shown whole only when it cannot hold credentials (they follow an @).
        return url if "@" not in url else url.split("://", 1)[0] + "://..."


def check_database_url(url: str) -> URL:
    """Parse a database URL and check that Accord supports its backend and driver.

    Supported: SQLite (`sqlite:///path`, Python's sqlite3) and PostgreSQL through psycopg 3
    (`postgresql+psycopg://...`; a bare `postgresql://` means the same). Raises
    `DatabaseUrlError`, naming ACCORD_DATABASE_URL and the accepted forms, otherwise.
    """
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseUrlError(
            f"ACCORD_DATABASE_URL {_redacted(url)!r} is not a database URL; set it to "
            f"{DATABASE_URL_EXAMPLES}, or unset it for the embedded SQLite file"
        ) from None
    backend = parsed.get_backend_name()
    driver = parsed.drivername.partition("+")[2] or None
    if driver not in _SUPPORTED_DRIVERS.get(backend, set()):
        raise DatabaseUrlError(
            f"ACCORD_DATABASE_URL {_redacted(url)!r} names {parsed.drivername!r}, which "
            f"Accord does not support (it runs on SQLite and on PostgreSQL through psycopg 3); "
            f"set it to {DATABASE_URL_EXAMPLES}, or unset it for the embedded SQLite file"
        )
    return parsed


def check_database(engine: Engine) -> None:
    """Open and close one connection, so that an unreachable database fails now, clearly.

    Raises `DatabaseUnavailableError` naming the (redacted) URL, ACCORD_DATABASE_URL, the
    driver's own reason and what to check.
    """
    try:
        with engine.connect():
            pass
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        url = engine.url.render_as_string(hide_password=True)
        if engine.dialect.name == "sqlite":
            fix = "check that the file's folder exists and is writable"
        else:
            fix = (
                "check that the server is running and reachable, and the URL's host, port, "
                "user, password and database name"
            )
        raise DatabaseUnavailableError(
            f"cannot open the database {url} (ACCORD_DATABASE_URL): {reason}; {fix}, or "
            "unset ACCORD_DATABASE_URL for the embedded SQLite file"
        ) from None


#: Execution option that makes a SQLite transaction take the write lock at BEGIN.
_BEGIN_IMMEDIATE = "accord_sqlite_begin_immediate"


def create_engine(url: str, *, echo: bool = False) -> Engine:
    """Engine for a SQLAlchemy URL (`sqlite:///var/accord.db`, `postgresql+psycopg://...`).

    SQLite: the parent folder is created, the database runs in WAL mode (readers do not
    block the writer) with foreign keys enforced, and transactions are begun explicitly
    so that DDL and SAVEPOINTs are transactional too. PostgreSQL goes through psycopg 3
    (a bare `postgresql://` URL is mapped to `postgresql+psycopg://`). Any other backend or
    driver, or an unparsable URL, raises `DatabaseUrlError` (`check_database_url`).
    """
    parsed = check_database_url(url)
    if parsed.get_backend_name() == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() != "sqlite":
        return sa.create_engine(parsed, echo=echo, pool_pre_ping=True)

    database = parsed.database or ""
    in_memory = database in ("", ":memory:") or database.startswith("file::memory:")
    if not in_memory:
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(parsed, echo=echo, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S})
    _configure_sqlite(engine, wal=not in_memory)
    return engine


def _configure_sqlite(engine: Engine, *, wal: bool) -> None:
    """Pragmas on every new connection, and explicit BEGIN (SQLAlchemy's pysqlite recipe).

    Python's sqlite3 module otherwise opens transactions lazily before DML only, which
    leaves DDL outside the transaction and breaks SAVEPOINT; taking over BEGIN fixes both.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys = ON")
            if wal:
                cursor.execute("PRAGMA journal_mode = WAL")
                # In WAL mode NORMAL stays crash-safe (a commit is atomic); only the last
                # commits may be lost on power failure, never half of one.
                cursor.execute("PRAGMA synchronous = NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get(_BEGIN_IMMEDIATE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """A session factory bound to `engine`; objects stay readable after commit."""
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(engine: Engine, *, write_lock: bool = False) -> Iterator[Session]:
    """One unit of work: commit when the block ends, roll back if it raises.

    `write_lock=True` takes the database's write lock at the start (SQLite: BEGIN
    IMMEDIATE, so a writer that first reads cannot fail later on a stale snapshot; on
    other databases it changes nothing: use row or advisory locks there).
    """
    bind = engine.execution_options(**{_BEGIN_IMMEDIATE: True}) if write_lock else engine
    with Session(bind=bind, expire_on_commit=False) as session, session.begin():
        yield session
