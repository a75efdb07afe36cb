"""Audit log: confidential details of entries, kept beside the public log; append-only.

Revision ID: 0015_audit_sealed_details
Revises: 0014_station_retirement
Create Date: 2026-11-28

`audit_sealed_details` holds, per entry that seals something, the 32-byte salt, the RFC 8785
canonical JSON of the sealed details and the JSON array of the partner ids that may read
them; the public entry holds only SHA-256(salt || details) (docs/audit.md, "Confidential
details"). Like the log tables it refuses UPDATE and DELETE whoever connects:

- SQLite: BEFORE UPDATE / BEFORE DELETE triggers that RAISE(ABORT), and a BEFORE INSERT
  trigger refusing a row whose seq exists (REPLACE deletes without firing DELETE triggers;
  see 0013);
- PostgreSQL: a statement-level BEFORE UPDATE OR DELETE OR TRUNCATE trigger calling 0002's
  `accord_audit_append_only()`; an upsert fires the UPDATE trigger, so it is refused too.

Written by hand and frozen, like the earlier revisions.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_audit_sealed_details"
down_revision = "0014_station_retirement"
branch_labels = None
depends_on = None

_TABLE = "audit_sealed_details"
#: Created by 0002_audit_log; raises "<table> is append-only: <op> refused".
_PG_FUNCTION = "accord_audit_append_only"


def upgrade() -> None:
    op.create_table(
        _TABLE,
        sa.Column("seq", sa.BigInteger, nullable=False, autoincrement=False),
        sa.Column("salt", sa.LargeBinary(32), nullable=False),
        sa.Column("details", sa.LargeBinary, nullable=False),
        sa.Column("readers", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("seq", name=f"pk_{_TABLE}"),
        sa.ForeignKeyConstraint(
            ["seq"], ["audit_entries.seq"], name=f"fk_{_TABLE}_seq_audit_entries"
        ),
    )
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for operation in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {_TABLE}_no_{operation.lower()} BEFORE {operation} ON {_TABLE} "
                f"BEGIN SELECT RAISE(ABORT, '{_TABLE} is append-only: {operation} refused'); END"
            )
        op.execute(
            f"CREATE TRIGGER {_TABLE}_no_replace BEFORE INSERT ON {_TABLE} "
            f"WHEN EXISTS (SELECT 1 FROM {_TABLE} WHERE seq = NEW.seq) "
            f"BEGIN SELECT RAISE(ABORT, '{_TABLE} is append-only: a row with this key exists, "
            "so INSERT OR REPLACE, REPLACE and upserts are refused'); END"
        )
    elif dialect == "postgresql":
        op.execute(
            f"CREATE TRIGGER {_TABLE}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON "
            f"{_TABLE} FOR EACH STATEMENT EXECUTE FUNCTION {_PG_FUNCTION}()"
        )
    else:
        raise NotImplementedError(
            f"migration 0015 has append-only triggers for SQLite and PostgreSQL only, not "
            f"{dialect}; add them here before running Accord on it"
        )


def downgrade() -> None:
    # Dropping the table drops its triggers on both databases (the function is 0002's).
    op.drop_table(_TABLE)
