"""Screenings, their conjunctions, the CDMs issued and conjunction events.

Revision ID: 0004_screenings
Revises: 0003_partner_keys
Create Date: 2026-03-08

Written by hand and frozen, like the earlier revisions (CHECK value lists spelled out).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from accord.store._types import UTCDateTime

revision = "0004_screenings"
down_revision = "0003_partner_keys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "screenings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("span_start", UTCDateTime(), nullable=False),
        sa.Column("duration_s", sa.Float, nullable=False),
        sa.Column("threshold_km", sa.Float, nullable=False),
        sa.Column("volume_radial_km", sa.Float, nullable=True),
        sa.Column("volume_in_track_km", sa.Float, nullable=True),
        sa.Column("volume_cross_track_km", sa.Float, nullable=True),
        sa.Column("step_s", sa.Float, nullable=False),
        sa.Column("hard_body_radius_m", sa.Float, nullable=False),
        sa.Column("pc_method", sa.String(32), nullable=False),
        sa.Column("catalog_batch_id", sa.Integer, nullable=True),
        sa.Column("source_name", sa.String(500), nullable=True),
        sa.Column("object_count", sa.Integer, nullable=False),
        sa.Column("candidate_count", sa.BigInteger, nullable=False),
        sa.Column("conjunction_count", sa.Integer, nullable=False),
        sa.Column("co_location_count", sa.Integer, nullable=False),
        sa.Column("failure_count", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_screenings"),
        sa.ForeignKeyConstraint(
            ["catalog_batch_id"],
            ["catalog_batches.id"],
            name="fk_screenings_catalog_batch_id_catalog_batches",
        ),
        sa.CheckConstraint(
            "status IN ('running', 'completed', 'failed')", name="ck_screenings_status"
        ),
    )
    op.create_table(
        "conjunction_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("primary_norad_id", sa.Integer, nullable=False),
        sa.Column("secondary_norad_id", sa.Integer, nullable=False),
        sa.Column("tca", UTCDateTime(), nullable=False),
        sa.Column("first_seen_at", UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", UTCDateTime(), nullable=False),
        sa.Column("last_screening_id", sa.Integer, nullable=False),
        sa.Column("cdm_count", sa.Integer, nullable=False),
        sa.Column("latest_miss_km", sa.Float, nullable=False),
        sa.Column("latest_pc", sa.Float, nullable=True),
        sa.Column("latest_pc_method", sa.String(32), nullable=True),
        sa.Column("alert_level", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_conjunction_events"),
        sa.ForeignKeyConstraint(
            ["last_screening_id"],
            ["screenings.id"],
            name="fk_conjunction_events_last_screening_id_screenings",
        ),
        sa.CheckConstraint(
            "alert_level IN ('none', 'watch', 'alert')", name="ck_conjunction_events_alert_level"
        ),
    )
    op.create_index(
        "ix_conjunction_events_pair_tca",
        "conjunction_events",
        ["primary_norad_id", "secondary_norad_id", "tca"],
    )
    op.create_index("ix_conjunction_events_tca", "conjunction_events", ["tca"])
    op.create_index("ix_conjunction_events_alert_level", "conjunction_events", ["alert_level"])
    op.create_table(
        "conjunctions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("screening_id", sa.Integer, nullable=False),
        sa.Column("event_id", sa.Integer, nullable=False),
        sa.Column("primary_norad_id", sa.Integer, nullable=False),
        sa.Column("secondary_norad_id", sa.Integer, nullable=False),
        sa.Column("tca", UTCDateTime(), nullable=False),
        sa.Column("miss_km", sa.Float, nullable=False),
        sa.Column("relative_speed_km_s", sa.Float, nullable=False),
        sa.Column("miss_radial_km", sa.Float, nullable=False),
        sa.Column("miss_in_track_km", sa.Float, nullable=False),
        sa.Column("miss_cross_track_km", sa.Float, nullable=False),
        sa.Column("collision_probability", sa.Float, nullable=True),
        sa.Column("pc_method", sa.String(32), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_conjunctions"),
        sa.ForeignKeyConstraint(
            ["screening_id"], ["screenings.id"], name="fk_conjunctions_screening_id_screenings"
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["conjunction_events.id"],
            name="fk_conjunctions_event_id_conjunction_events",
        ),
    )
    op.create_index("ix_conjunctions_screening_id", "conjunctions", ["screening_id"])
    op.create_index("ix_conjunctions_event_id", "conjunctions", ["event_id"])
    op.create_index(
        "ix_conjunctions_pair_tca",
        "conjunctions",
        ["primary_norad_id", "secondary_norad_id", "tca"],
    )
    op.create_table(
        "cdms",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("conjunction_id", sa.Integer, nullable=False),
        sa.Column("message_id", sa.String(100), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("kvn", sa.Text, nullable=False),
        sa.Column("kvn_sha256", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_cdms"),
        sa.ForeignKeyConstraint(
            ["conjunction_id"], ["conjunctions.id"], name="fk_cdms_conjunction_id_conjunctions"
        ),
        sa.UniqueConstraint("conjunction_id", name="uq_cdms_conjunction_id"),
        sa.UniqueConstraint("message_id", name="uq_cdms_message_id"),
    )


def downgrade() -> None:
    op.drop_table("cdms")
    op.drop_index("ix_conjunctions_pair_tca", table_name="conjunctions")
    op.drop_index("ix_conjunctions_event_id", table_name="conjunctions")
    op.drop_index("ix_conjunctions_screening_id", table_name="conjunctions")
    op.drop_table("conjunctions")
    op.drop_index("ix_conjunction_events_alert_level", table_name="conjunction_events")
    op.drop_index("ix_conjunction_events_tca", table_name="conjunction_events")
    op.drop_index("ix_conjunction_events_pair_tca", table_name="conjunction_events")
    op.drop_table("conjunction_events")
    op.drop_table("screenings")
