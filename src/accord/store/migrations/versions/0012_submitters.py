"""Who submitted each job and each screening: the partner and the principal's name.

Revision ID: 0012_submitters
Revises: 0011_secrets_plan_catalog
Create Date: 2026-11-27

Written by hand and frozen, like the earlier revisions. `jobs` and `screenings` gain
`submitter_partner_id` (a partner's store id) and `submitter_name` (`key:<prefix>`,
`user:<id>`, or `local operator` for the CLI), both nullable: rows written before this
revision have no recorded submitter, and the local operator acting for no partner has no
partner id. SQLite adds a column with an inline REFERENCES clause natively (its ALTER
TABLE cannot add a named constraint), so no table is rebuilt there; PostgreSQL adds the
column and a named foreign key.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_submitters"
down_revision = "0011_secrets_plan_catalog"
branch_labels = None
depends_on = None

_TABLES = ("jobs", "screenings")


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table in _TABLES:
        if sqlite:
            op.execute(
                f"ALTER TABLE {table} ADD COLUMN submitter_partner_id INTEGER "
                "REFERENCES partners (id)"
            )
        else:
            op.add_column(table, sa.Column("submitter_partner_id", sa.Integer, nullable=True))
            op.create_foreign_key(
                op.f(f"fk_{table}_submitter_partner_id_partners"),
                table,
                "partners",
                ["submitter_partner_id"],
                ["id"],
            )
        op.add_column(table, sa.Column("submitter_name", sa.String(200), nullable=True))


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table in _TABLES:
        op.drop_column(table, "submitter_name")
        if not sqlite:
            op.drop_constraint(
                op.f(f"fk_{table}_submitter_partner_id_partners"), table, type_="foreignkey"
            )
        # SQLite (3.35+) drops a column whose only constraint is its inline REFERENCES.
        op.drop_column(table, "submitter_partner_id")
