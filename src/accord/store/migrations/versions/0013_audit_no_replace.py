"""Audit log: refuse SQLite's REPLACE, which overwrote rows without firing the delete triggers.

Revision ID: 0013_audit_no_replace
Revises: 0012_submitters
Create Date: 2026-11-28

`INSERT OR REPLACE` and `REPLACE INTO` resolve a key conflict by deleting the old row, and
SQLite fires no DELETE trigger for that deletion unless `PRAGMA recursive_triggers` is on
(https://sqlite.org/lang_conflict.html, "REPLACE"). So 0002's triggers let a REPLACE
overwrite an entry, a subtree hash or a checkpoint. Each log table now has a BEFORE INSERT
trigger that aborts when a row with the new row's primary key already exists: the lookup
is one primary-key search per inserted row, and an honest append never meets an existing
key. A plain INSERT of an existing key failed before (the primary key) and still fails,
now with the append-only message.

PostgreSQL needs nothing new: `INSERT ... ON CONFLICT DO UPDATE` and `MERGE` fire the
statement-level UPDATE (and DELETE) triggers of 0002 whether or not a row matches, so both
are refused already (tests/store/test_audit_tables.py shows it).

Written by hand and frozen, like the earlier revisions.
"""

from __future__ import annotations

from alembic import op

revision = "0013_audit_no_replace"
down_revision = "0012_submitters"
branch_labels = None
depends_on = None

#: Each log table and the columns of its primary key.
_KEYS = {
    "audit_entries": ("seq",),
    "audit_subtrees": ("level", "node_index"),
    "audit_checkpoints": ("id",),
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table, key in _KEYS.items():
        same_key = " AND ".join(f"{column} = NEW.{column}" for column in key)
        op.execute(
            f"CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table} "
            f"WHEN EXISTS (SELECT 1 FROM {table} WHERE {same_key}) "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: a row with this key exists, "
            "so INSERT OR REPLACE, REPLACE and upserts are refused'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in _KEYS:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_replace")
