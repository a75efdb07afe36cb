"""Pooled Earth-observation assets, campaign requests, plans, tasks and contributions.

Revision ID: 0008_campaigns
Revises: 0007_coordination
Create Date: 2026-03-11

Written by hand and frozen, like the earlier revisions (CHECK value lists spelled out).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from accord.store._types import UTCDateTime

revision = "0008_campaigns"
down_revision = "0007_coordination"
branch_labels = None
depends_on = None

_REQUEST_STATUSES = (
    "status IN ('submitted', 'validated', 'planned', 'tasked', 'acquired', 'delivered', 'closed')"
)
_TASK_STATUSES = "status IN ('proposed', 'accepted', 'declined', 'acquired', 'missed', 'delivered')"


def _fk(table: str, column: str, target: str, target_column: str = "id") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.{target_column}"], name=f"fk_{table}_{column}_{target}"
    )


def upgrade() -> None:
    op.create_table(
        "pool_satellites",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("partner_id", sa.Integer, nullable=False),
        sa.Column("norad_id", sa.Integer, nullable=False),
        sa.Column("pool", sa.String(64), nullable=False),
        sa.Column("sensor_kind", sa.String(16), nullable=False),
        sa.Column("swath_km", sa.Double, nullable=False),
        sa.Column("max_off_nadir_deg", sa.Double, nullable=False),
        sa.Column("resolution_m", sa.Double, nullable=False),
        sa.Column("min_sun_elevation_deg", sa.Double, nullable=False),
        sa.Column("added_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_pool_satellites"),
        _fk("pool_satellites", "partner_id", "partners"),
        _fk("pool_satellites", "norad_id", "space_objects", "norad_id"),
        sa.UniqueConstraint("pool", "norad_id", name="uq_pool_satellites_pool_norad_id"),
        sa.CheckConstraint(
            "sensor_kind IN ('optical', 'sar')", name="ck_pool_satellites_sensor_kind"
        ),
        sa.CheckConstraint("swath_km > 0", name="ck_pool_satellites_swath"),
        sa.CheckConstraint(
            "max_off_nadir_deg > 0 AND max_off_nadir_deg < 90", name="ck_pool_satellites_off_nadir"
        ),
        sa.CheckConstraint("resolution_m > 0", name="ck_pool_satellites_resolution"),
    )
    op.create_index("ix_pool_satellites_partner_id", "pool_satellites", ["partner_id"])

    op.create_table(
        "pool_stations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("station_row_id", sa.Integer, nullable=False),
        sa.Column("pool", sa.String(64), nullable=False),
        sa.Column("min_elevation_deg", sa.Double, nullable=False),
        sa.Column("added_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_pool_stations"),
        _fk("pool_stations", "station_row_id", "ground_stations"),
        sa.UniqueConstraint("pool", "station_row_id", name="uq_pool_stations_pool_station"),
        sa.CheckConstraint(
            "min_elevation_deg BETWEEN -90 AND 90", name="ck_pool_stations_min_elevation"
        ),
    )

    op.create_table(
        "pool_commitments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("partner_id", sa.Integer, nullable=False),
        sa.Column("pool", sa.String(64), nullable=False),
        sa.Column("share", sa.Double, nullable=False),
        sa.Column("agreement_id", sa.String(64), nullable=False),
        sa.Column("committed_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_pool_commitments"),
        _fk("pool_commitments", "partner_id", "partners"),
        _fk("pool_commitments", "agreement_id", "agreements", "agreement_id"),
        sa.UniqueConstraint(
            "partner_id", "pool", "agreement_id", name="uq_pool_commitments_partner_pool"
        ),
        sa.CheckConstraint("share >= 0 AND share <= 1", name="ck_pool_commitments_share"),
    )
    op.create_index("ix_pool_commitments_partner_id", "pool_commitments", ["partner_id"])

    op.create_table(
        "campaign_requests",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("partner_id", sa.Integer, nullable=False),
        sa.Column("pool", sa.String(64), nullable=False),
        sa.Column("area_name", sa.String(200), nullable=False),
        sa.Column("area_geojson", sa.JSON, nullable=False),
        sa.Column("window_start", UTCDateTime(), nullable=False),
        sa.Column("window_end", UTCDateTime(), nullable=False),
        sa.Column("delivery_deadline", UTCDateTime(), nullable=False),
        sa.Column("priority", sa.Double, nullable=False),
        sa.Column("sensor_kinds", sa.String(32), nullable=False),
        sa.Column("max_resolution_m", sa.Double, nullable=True),
        sa.Column("max_off_nadir_deg", sa.Double, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("submitted_at", UTCDateTime(), nullable=False),
        sa.Column("validated_at", UTCDateTime(), nullable=True),
        sa.Column("validated_by_partner_id", sa.Integer, nullable=True),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_campaign_requests"),
        _fk("campaign_requests", "partner_id", "partners"),
        _fk("campaign_requests", "validated_by_partner_id", "partners"),
        sa.CheckConstraint(_REQUEST_STATUSES, name="ck_campaign_requests_status"),
        sa.CheckConstraint("priority > 0", name="ck_campaign_requests_priority"),
        sa.CheckConstraint("window_end > window_start", name="ck_campaign_requests_window"),
    )
    op.create_index("ix_campaign_requests_partner_id", "campaign_requests", ["partner_id"])
    op.create_index("ix_campaign_requests_status", "campaign_requests", ["status"])

    op.create_table(
        "campaign_plans",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("pool", sa.String(64), nullable=False),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("solver_status", sa.String(64), nullable=False),
        sa.Column("mip_gap", sa.Double, nullable=True),
        sa.Column("objective", sa.Double, nullable=False),
        sa.Column("upper_bound", sa.Double, nullable=True),
        sa.Column("solve_time_s", sa.Double, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("replaces_plan_id", sa.Integer, nullable=True),
        sa.Column("shares", sa.JSON, nullable=False),
        sa.Column("coverage", sa.JSON, nullable=False),
        sa.Column("opportunities", sa.JSON, nullable=False),
        sa.Column("excluded", sa.JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_campaign_plans"),
        _fk("campaign_plans", "replaces_plan_id", "campaign_plans"),
    )

    op.create_table(
        "campaign_plan_requests",
        sa.Column("plan_id", sa.Integer, nullable=False),
        sa.Column("request_id", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("plan_id", "request_id", name="pk_campaign_plan_requests"),
        _fk("campaign_plan_requests", "plan_id", "campaign_plans"),
        _fk("campaign_plan_requests", "request_id", "campaign_requests"),
    )

    op.create_table(
        "campaign_tasks",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("plan_id", sa.Integer, nullable=False),
        sa.Column("request_id", sa.Integer, nullable=False),
        sa.Column("norad_id", sa.Integer, nullable=False),
        sa.Column("owner_partner_id", sa.Integer, nullable=False),
        sa.Column("acquisition_start", UTCDateTime(), nullable=False),
        sa.Column("acquisition_end", UTCDateTime(), nullable=False),
        sa.Column("roll_deg", sa.Double, nullable=False),
        sa.Column("coverage_fraction", sa.Double, nullable=False),
        sa.Column("downlink_station", sa.String(200), nullable=True),
        sa.Column("downlink_rise", UTCDateTime(), nullable=True),
        sa.Column("downlink_set", UTCDateTime(), nullable=True),
        sa.Column("delivery", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_campaign_tasks"),
        _fk("campaign_tasks", "plan_id", "campaign_plans"),
        _fk("campaign_tasks", "request_id", "campaign_requests"),
        _fk("campaign_tasks", "norad_id", "space_objects", "norad_id"),
        _fk("campaign_tasks", "owner_partner_id", "partners"),
        sa.CheckConstraint(_TASK_STATUSES, name="ck_campaign_tasks_status"),
    )
    op.create_index("ix_campaign_tasks_plan_id", "campaign_tasks", ["plan_id"])
    op.create_index("ix_campaign_tasks_request_id", "campaign_tasks", ["request_id"])
    op.create_index("ix_campaign_tasks_owner_partner_id", "campaign_tasks", ["owner_partner_id"])
    op.create_index(
        "ix_campaign_tasks_norad_id_start", "campaign_tasks", ["norad_id", "acquisition_start"]
    )

    op.create_table(
        "campaign_contributions",
        sa.Column("plan_id", sa.Integer, nullable=False),
        sa.Column("partner_id", sa.Integer, nullable=False),
        sa.Column("acquisitions", sa.Integer, nullable=False),
        sa.Column("share_of_acquisitions", sa.Double, nullable=False),
        sa.Column("committed_share", sa.Double, nullable=False),
        sa.Column("requests_served", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("plan_id", "partner_id", name="pk_campaign_contributions"),
        _fk("campaign_contributions", "plan_id", "campaign_plans"),
        _fk("campaign_contributions", "partner_id", "partners"),
    )


def downgrade() -> None:
    op.drop_table("campaign_contributions")
    op.drop_index("ix_campaign_tasks_norad_id_start", table_name="campaign_tasks")
    op.drop_index("ix_campaign_tasks_owner_partner_id", table_name="campaign_tasks")
    op.drop_index("ix_campaign_tasks_request_id", table_name="campaign_tasks")
    op.drop_index("ix_campaign_tasks_plan_id", table_name="campaign_tasks")
    op.drop_table("campaign_tasks")
    op.drop_table("campaign_plan_requests")
    op.drop_table("campaign_plans")
    op.drop_index("ix_campaign_requests_status", table_name="campaign_requests")
    op.drop_index("ix_campaign_requests_partner_id", table_name="campaign_requests")
    op.drop_table("campaign_requests")
    op.drop_index("ix_pool_commitments_partner_id", table_name="pool_commitments")
    op.drop_table("pool_commitments")
    op.drop_table("pool_stations")
    op.drop_index("ix_pool_satellites_partner_id", table_name="pool_satellites")
    op.drop_table("pool_satellites")
