"""Audit log tables: created by migration 0002, append-only in the database, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from accord.store import AuditLogRepository, create_engine, downgrade, transaction, upgrade

AUDIT_TABLES = ("audit_entries", "audit_subtrees", "audit_checkpoints")
TIME = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def filled(engine: Engine) -> Engine:
    """The engine, with one row in each audit table."""
    with transaction(engine, write_lock=True) as session:
        repository = AuditLogRepository(session)
        repository.insert(
            [(0, TIME, "partner.admitted", "system", None, None, b'{"seq":0}')],
            [(0, 0, b"\x01" * 32)],
        )
        repository.add_checkpoint(
            tree_size=1, root_hash=b"\x01" * 32, note="x\n1\nAQ==\n\n", signed_at=TIME
        )
    return engine


def test_migration_creates_the_audit_tables(engine: Engine) -> None:
    assert set(AUDIT_TABLES) <= set(sa.inspect(engine).get_table_names())


@pytest.mark.parametrize("table", AUDIT_TABLES)
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE {table} SET {column} = {column}",
        "DELETE FROM {table}",
        "DELETE FROM {table} WHERE {column} IS NOT NULL",
    ],
)
def test_update_and_delete_are_refused(filled: Engine, table: str, statement: str) -> None:
    column = {"audit_entries": "seq", "audit_subtrees": "level", "audit_checkpoints": "id"}[table]
    with pytest.raises(DBAPIError, match="append-only"):
        with filled.begin() as connection:
            connection.exec_driver_sql(statement.format(table=table, column=column))
    with filled.connect() as connection:
        assert connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one() == 1


@pytest.mark.parametrize("table", AUDIT_TABLES)
def test_truncate_is_refused_on_postgresql(
    filled: Engine, database_backend: str, table: str
) -> None:
    if database_backend != "postgresql":
        pytest.skip("SQLite has no TRUNCATE; DELETE without WHERE is refused above")
    # CASCADE: a plain TRUNCATE of audit_entries is already stopped by the foreign key of
    # audit_sealed_details; with CASCADE only the triggers stand in the way.
    with pytest.raises(DBAPIError, match="append-only"):
        with filled.begin() as connection:
            connection.exec_driver_sql(f"TRUNCATE {table} CASCADE")


#: Per table: its primary key, every column, and the column a forger would overwrite.
_FORGEABLE = {
    "audit_entries": (
        ("seq",),
        ("seq", "time", "action", "actor_kind", "actor_id", "content_sha256", "entry"),
        "entry",
    ),
    "audit_subtrees": (("level", "node_index"), ("level", "node_index", "hash"), "hash"),
    "audit_checkpoints": (
        ("id",),
        ("id", "tree_size", "root_hash", "note", "signed_at"),
        "root_hash",
    ),
}
_FORGED = b"\xee" * 32

#: Statements that overwrite an existing row through INSERT, by backend. `{copy}` selects
#: the stored row with the forged column replaced by :forged.
_OVERWRITES = {
    "sqlite": {
        "insert-or-replace": "INSERT OR REPLACE INTO {table} ({columns}) {copy}",
        "replace-into": "REPLACE INTO {table} ({columns}) {copy}",
        # WHERE true: SQLite's parser needs it between a SELECT and ON CONFLICT.
        "on-conflict-do-update": (
            "INSERT INTO {table} ({columns}) {copy} WHERE true "
            "ON CONFLICT ({key}) DO UPDATE SET {forged} = excluded.{forged}"
        ),
    },
    "postgresql": {
        "on-conflict-do-update": (
            "INSERT INTO {table} ({columns}) {copy} "
            "ON CONFLICT ({key}) DO UPDATE SET {forged} = excluded.{forged}"
        ),
        "merge": (
            "MERGE INTO {table} AS target USING ({copy}) AS source ON {match} "
            "WHEN MATCHED THEN UPDATE SET {forged} = source.{forged}"
        ),
    },
}


@pytest.mark.parametrize("table", AUDIT_TABLES)
@pytest.mark.parametrize(
    "overwrite",
    ["insert-or-replace", "replace-into", "on-conflict-do-update", "merge"],
)
def test_overwriting_through_insert_is_refused_and_the_row_stays(
    filled: Engine, database_backend: str, table: str, overwrite: str
) -> None:
    """SQLite's REPLACE deletes without firing DELETE triggers: migration 0013 refuses it.

    On PostgreSQL an upsert or MERGE fires 0002's statement-level UPDATE trigger.
    """
    statement = _OVERWRITES[database_backend].get(overwrite)
    if statement is None:
        pytest.skip(f"{database_backend} has no {overwrite}")
    key, columns, forged = _FORGEABLE[table]
    copied = ", ".join(f":forged AS {column}" if column == forged else column for column in columns)
    sql = statement.format(
        table=table,
        columns=", ".join(columns),
        copy=f"SELECT {copied} FROM {table}",
        key=", ".join(key),
        forged=forged,
        match=" AND ".join(f"target.{column} = source.{column}" for column in key),
    )
    with filled.connect() as connection:
        before = connection.execute(sa.text(f"SELECT {forged} FROM {table}")).scalar_one()
    with pytest.raises(DBAPIError, match="append-only"):
        with filled.begin() as connection:
            connection.execute(sa.text(sql), {"forged": _FORGED})
    with filled.connect() as connection:
        rows = connection.execute(sa.text(f"SELECT {forged} FROM {table}")).scalars().all()
    assert [bytes(value) for value in rows] == [bytes(before)]


def test_inserting_an_existing_seq_or_subtree_fails(filled: Engine) -> None:
    """A second writer that read a stale size cannot fork the log: the keys refuse it."""
    with pytest.raises(sa.exc.IntegrityError):
        with transaction(filled, write_lock=True) as session:
            AuditLogRepository(session).insert([], [(0, 0, b"\x02" * 32)])


def test_downgrade_to_0001_removes_the_log_and_its_trigger_function(
    empty_database_url: str,
) -> None:
    store = create_engine(empty_database_url)
    try:
        upgrade(store)
        downgrade(store, "0001_catalog")
        assert set(AUDIT_TABLES).isdisjoint(sa.inspect(store).get_table_names())
        if store.dialect.name == "postgresql":
            with store.connect() as connection:
                functions = connection.exec_driver_sql(
                    "SELECT count(*) FROM pg_proc WHERE proname = 'accord_audit_append_only'"
                ).scalar_one()
            assert functions == 0
        upgrade(store)
        assert set(AUDIT_TABLES) <= set(sa.inspect(store).get_table_names())
    finally:
        store.dispose()
