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
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

__all__ = ["SQLITE_BUSY_TIMEOUT_S", "create_engine", "session_factory", "transaction"]

#: How long a SQLite connection waits for another writer before failing, seconds.
SQLITE_BUSY_TIMEOUT_S = 30.0

#: Execution option that makes a SQLite transaction take the write lock at BEGIN.
_BEGIN_IMMEDIATE = "accord_sqlite_begin_immediate"


def create_engine(url: str, *, echo: bool = False) -> Engine:
    """Engine for a SQLAlchemy URL (`sqlite:///var/accord.db`, `postgresql+psycopg://...`).

    SQLite: the parent folder is created, the database runs in WAL mode (readers do not
    block the writer) with foreign keys enforced, and transactions are begun explicitly
    so that DDL and SAVEPOINTs are transactional too. PostgreSQL goes through psycopg 3
    (a bare `postgresql://` URL is mapped to `postgresql+psycopg://`).
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() != "psycopg":
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
