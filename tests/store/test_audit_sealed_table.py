"""audit_sealed_details: created by its migration, append-only in the database, both backends."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from accord.store import AuditLogRepository, transaction

TABLE = "audit_sealed_details"
TIME = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def filled(engine: Engine) -> Engine:
    """The engine, with one entry and its sealed details."""
    with transaction(engine, write_lock=True) as session:
        repository = AuditLogRepository(session)
        repository.insert(
            [(0, TIME, "cdm.issued", "system", None, None, b'{"seq":0}')], [(0, 0, b"\x01" * 32)]
        )
        repository.insert_sealed([(0, b"\x02" * 32, b'{"miss_m":4239}', frozenset({7, 3}))])
    return engine


def test_sealed_details_read_back_with_their_readers(filled: Engine) -> None:
    with transaction(filled) as session:
        repository = AuditLogRepository(session)
        stored = repository.sealed(0)
        assert repository.sealed(1) is None
    assert stored is not None
    assert (stored.salt, stored.details_json) == (b"\x02" * 32, b'{"miss_m":4239}')
    assert stored.readers == frozenset({3, 7})


@pytest.mark.parametrize(
    "statement",
    [
        f"UPDATE {TABLE} SET readers = '[1]'",
        f"UPDATE {TABLE} SET salt = salt WHERE seq = 0",
        f"DELETE FROM {TABLE}",
        f"DELETE FROM {TABLE} WHERE seq = 0",
    ],
)
def test_update_and_delete_are_refused(filled: Engine, statement: str) -> None:
    with pytest.raises(DBAPIError, match="append-only"):
        with filled.begin() as connection:
            connection.exec_driver_sql(statement)
    with filled.connect() as connection:
        readers = connection.exec_driver_sql(f"SELECT readers FROM {TABLE}").scalar_one()
    assert readers == "[3,7]"


def test_replace_and_truncate_are_refused(filled: Engine, database_backend: str) -> None:
    """SQLite's REPLACE deletes without firing DELETE triggers; PostgreSQL has TRUNCATE."""
    statement = (
        f"INSERT OR REPLACE INTO {TABLE} (seq, salt, details, readers) "
        "VALUES (0, x'00', x'7b7d', '[1]')"
        if database_backend == "sqlite"
        else f"TRUNCATE {TABLE}"
    )
    with pytest.raises(DBAPIError, match="append-only"):
        with filled.begin() as connection:
            connection.exec_driver_sql(statement)


def test_sealed_details_need_their_entry(engine: Engine) -> None:
    with pytest.raises(sa.exc.IntegrityError):
        with transaction(engine, write_lock=True) as session:
            AuditLogRepository(session).insert_sealed([(5, b"\x00" * 32, b"{}", frozenset())])
