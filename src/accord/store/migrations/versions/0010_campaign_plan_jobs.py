"""Campaign planning as a background job: the `campaign_plan` job kind and its result.

Revision ID: 0010_campaign_plan_jobs
Revises: 0009_subscriptions
Create Date: 2026-11-25

Written by hand and frozen, like the earlier revisions (CHECK value lists spelled out).
PostgreSQL alters `jobs` in place. SQLite cannot alter a CHECK constraint (and Alembic's
batch copy keeps the old one), so there the table is rebuilt: a new table with the new
definition, the rows copied, the old table dropped and the new one renamed.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.schema import SchemaItem

from accord.store._types import UTCDateTime

revision = "0010_campaign_plan_jobs"
down_revision = "0009_subscriptions"
branch_labels = None
depends_on = None

_STATUSES = "status IN ('queued', 'running', 'completed', 'failed')"
_OLD_KINDS = "kind IN ('screening')"
_NEW_KINDS = "kind IN ('screening', 'campaign_plan')"
_COLUMNS = (
    "id, kind, parameters, status, progress_stage, progress_fraction, created_at, started_at, "
    "finished_at, heartbeat_at, attempt_count, error_message, screening_id"
)
_PLAN_FK = "fk_jobs_campaign_plan_id_campaign_plans"
#: The name 0006_jobs gave the kind CHECK on PostgreSQL (the naming convention applied to
#: an already prefixed name); the rebuilt or altered one takes the model's `ck_jobs_kind`.
_OLD_KIND_CHECK = "ck_jobs_ck_jobs_kind"


def _rebuild_sqlite(kinds: str, *, with_plan: bool) -> None:
    """Recreate `jobs` with the CHECK on `kinds`, with or without `campaign_plan_id`."""
    columns: list[SchemaItem] = [
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("parameters", sa.JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("progress_stage", sa.String(32), nullable=True),
        sa.Column("progress_fraction", sa.Float, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=True),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("heartbeat_at", UTCDateTime(), nullable=True),
        sa.Column("attempt_count", sa.Integer, nullable=False),
        sa.Column("error_message", sa.Text, nullable=True),
        sa.Column("screening_id", sa.Integer, nullable=True),
    ]
    constraints: list[SchemaItem] = [
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
        sa.ForeignKeyConstraint(
            ["screening_id"], ["screenings.id"], name=op.f("fk_jobs_screening_id_screenings")
        ),
        sa.CheckConstraint(kinds, name=op.f("ck_jobs_kind")),
        sa.CheckConstraint(_STATUSES, name=op.f("ck_jobs_status")),
    ]
    if with_plan:
        columns.append(sa.Column("campaign_plan_id", sa.Integer, nullable=True))
        constraints.append(
            sa.ForeignKeyConstraint(
                ["campaign_plan_id"], ["campaign_plans.id"], name=op.f(_PLAN_FK)
            )
        )
    op.create_table("jobs_rebuilt", *columns, *constraints)
    op.execute(f"INSERT INTO jobs_rebuilt ({_COLUMNS}) SELECT {_COLUMNS} FROM jobs")
    op.drop_index("ix_jobs_status_created_at", table_name="jobs")
    op.drop_table("jobs")
    op.rename_table("jobs_rebuilt", "jobs")
    op.create_index("ix_jobs_status_created_at", "jobs", ["status", "created_at"])


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite(_NEW_KINDS, with_plan=True)
        return
    op.drop_constraint(op.f(_OLD_KIND_CHECK), "jobs", type_="check")
    op.create_check_constraint(op.f("ck_jobs_kind"), "jobs", _NEW_KINDS)
    op.add_column("jobs", sa.Column("campaign_plan_id", sa.Integer, nullable=True))
    op.create_foreign_key(op.f(_PLAN_FK), "jobs", "campaign_plans", ["campaign_plan_id"], ["id"])


def downgrade() -> None:
    op.execute("DELETE FROM jobs WHERE kind = 'campaign_plan'")
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite(_OLD_KINDS, with_plan=False)
        return
    op.drop_constraint(op.f(_PLAN_FK), "jobs", type_="foreignkey")
    op.drop_column("jobs", "campaign_plan_id")
    op.drop_constraint(op.f("ck_jobs_kind"), "jobs", type_="check")
    op.create_check_constraint(op.f(_OLD_KIND_CHECK), "jobs", _OLD_KINDS)
