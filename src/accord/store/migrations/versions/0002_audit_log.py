"""Audit log: entries, perfect-subtree hashes, signed checkpoints; append-only by trigger.

Revision ID: 0002_audit_log
Revises: 0001_catalog
Create Date: 2026-03-01

The three tables refuse UPDATE and DELETE at the database level, whoever connects:

- SQLite: BEFORE UPDATE and BEFORE DELETE triggers that RAISE(ABORT). SQLite has no
  TRUNCATE; `DELETE FROM t` without WHERE fires the DELETE trigger too.
- PostgreSQL: one statement-level BEFORE UPDATE OR DELETE OR TRUNCATE trigger per table
  (row triggers never see TRUNCATE), calling a function that raises. Only a superuser
  (session_replication_role) or the tables' owner (ALTER TABLE ... DISABLE TRIGGER) can
  get past it; run the service as a role that owns nothing (docs/audit.md).

Written by hand and frozen, like 0001.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from accord.store._types import UTCDateTime

revision = "0002_audit_log"
down_revision = "0001_catalog"
branch_labels = None
depends_on = None

_TABLES = ("audit_entries", "audit_subtrees", "audit_checkpoints")
_PG_FUNCTION = "accord_audit_append_only"


def _create_tables() -> None:
    op.create_table(
        "audit_entries",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("time", UTCDateTime(), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("actor_kind", sa.String(16), nullable=False),
        sa.Column("actor_id", sa.String(64), nullable=True),
        sa.Column("content_sha256", sa.String(64), nullable=True),
        sa.Column("entry", sa.LargeBinary, nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_audit_entries"),
    )
    op.create_index("ix_audit_entries_time", "audit_entries", ["time"])
    op.create_index("ix_audit_entries_action", "audit_entries", ["action"])
    op.create_index("ix_audit_entries_actor_id", "audit_entries", ["actor_id"])
    op.create_table(
        "audit_subtrees",
        sa.Column("level", sa.SmallInteger, nullable=False, autoincrement=False),
        sa.Column("node_index", sa.BigInteger, nullable=False, autoincrement=False),
        sa.Column("hash", sa.LargeBinary(32), nullable=False),
        sa.PrimaryKeyConstraint("level", "node_index", name="pk_audit_subtrees"),
        # The table is its primary key index (no rowid b-tree beside it): half the writes.
        sqlite_with_rowid=False,
    )
    op.create_table(
        "audit_checkpoints",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("tree_size", sa.BigInteger, nullable=False),
        sa.Column("root_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("signed_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_checkpoints"),
    )
    op.create_index("ix_audit_checkpoints_tree_size", "audit_checkpoints", ["tree_size"])


def _sqlite_triggers() -> None:
    for table in _TABLES:
        for operation in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {operation} refused'); END"
            )


def _postgresql_triggers() -> None:
    op.execute(
        f"CREATE FUNCTION {_PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP "
        "USING ERRCODE = 'insufficient_privilege'; END $$"
    )
    for table in _TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {_PG_FUNCTION}()"
        )


def upgrade() -> None:
    _create_tables()
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _sqlite_triggers()
    elif dialect == "postgresql":
        _postgresql_triggers()
    else:
        raise NotImplementedError(
            f"migration 0002 has append-only triggers for SQLite and PostgreSQL only, not "
            f"{dialect}; add them here before running Accord on it"
        )


def downgrade() -> None:
    # Dropping a table drops its triggers on both databases.
    op.drop_index("ix_audit_checkpoints_tree_size", table_name="audit_checkpoints")
    op.drop_table("audit_checkpoints")
    op.drop_table("audit_subtrees")
    op.drop_index("ix_audit_entries_actor_id", table_name="audit_entries")
    op.drop_index("ix_audit_entries_action", table_name="audit_entries")
    op.drop_index("ix_audit_entries_time", table_name="audit_entries")
    op.drop_table("audit_entries")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP FUNCTION IF EXISTS {_PG_FUNCTION}()")
