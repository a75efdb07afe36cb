"""Catalog: partners, catalog batches, rejections, space objects, element sets.

Revision ID: 0001_catalog
Revises:
Create Date: 2025-11-25

Written by hand and frozen: the value lists of the CHECK constraints are spelled out
here rather than taken from the Python enums, so that a later enum change needs its own
migration.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from accord.store._types import UTCDateTime

revision = "0001_catalog"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "partners",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("country_code", sa.String(3), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_partners"),
        sa.UniqueConstraint("name", name="uq_partners_name"),
        sa.CheckConstraint(
            "kind IN ('state', 'space_agency', 'operator', 'international_organisation', "
            "'academic', 'data_provider', 'system')",
            name="ck_partners_kind",
        ),
    )
    op.create_table(
        "catalog_batches",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("partner_id", sa.Integer, nullable=False),
        sa.Column("submitted_at", UTCDateTime(), nullable=False),
        sa.Column("source_kind", sa.String(16), nullable=False),
        sa.Column("source_name", sa.String(2000), nullable=False),
        sa.Column("format", sa.String(16), nullable=True),
        sa.Column("file_sha256", sa.String(64), nullable=True),
        sa.Column("record_count", sa.Integer, nullable=False),
        sa.Column("accepted_count", sa.Integer, nullable=False),
        sa.Column("rejected_count", sa.Integer, nullable=False),
        sa.Column("duplicate_count", sa.Integer, nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_catalog_batches"),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name="fk_catalog_batches_partner_id_partners"
        ),
        sa.CheckConstraint(
            "source_kind IN ('file', 'celestrak', 'space-track', 'synthetic', 'api')",
            name="ck_catalog_batches_source_kind",
        ),
        sa.CheckConstraint(
            "mode IN ('reject-batch', 'store-valid')", name="ck_catalog_batches_mode"
        ),
    )
    op.create_index("ix_catalog_batches_partner_id", "catalog_batches", ["partner_id"])
    op.create_table(
        "batch_rejections",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("batch_id", sa.Integer, nullable=False),
        sa.Column("record_number", sa.Integer, nullable=True),
        sa.Column("line_number", sa.Integer, nullable=True),
        sa.Column("field", sa.String(200), nullable=True),
        sa.Column("problem", sa.Text, nullable=False),
        sa.Column("expected", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_batch_rejections"),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["catalog_batches.id"],
            name="fk_batch_rejections_batch_id_catalog_batches",
        ),
    )
    op.create_index("ix_batch_rejections_batch_id", "batch_rejections", ["batch_id"])
    op.create_table(
        "space_objects",
        sa.Column("norad_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("object_name", sa.String(200), nullable=True),
        sa.Column("object_id", sa.String(32), nullable=True),
        sa.Column("first_seen_batch_id", sa.Integer, nullable=False),
        # Its foreign key is added once element_sets exists (the two tables refer to each other).
        sa.Column("current_element_set_id", sa.Integer, nullable=True),
        sa.PrimaryKeyConstraint("norad_id", name="pk_space_objects"),
        sa.ForeignKeyConstraint(
            ["first_seen_batch_id"],
            ["catalog_batches.id"],
            name="fk_space_objects_first_seen_batch_id_catalog_batches",
        ),
        sa.CheckConstraint(
            "norad_id BETWEEN 1 AND 999999999", name="ck_space_objects_norad_id_range"
        ),
    )
    op.create_index("ix_space_objects_object_name", "space_objects", ["object_name"])
    op.create_index("ix_space_objects_object_id", "space_objects", ["object_id"])
    op.create_table(
        "element_sets",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("norad_id", sa.Integer, nullable=False),
        sa.Column("batch_id", sa.Integer, nullable=False),
        sa.Column("record_number", sa.Integer, nullable=False),
        sa.Column("line_number", sa.Integer, nullable=True),
        sa.Column("epoch", UTCDateTime(), nullable=False),
        sa.Column("mean_motion_rev_per_day", sa.Double, nullable=False),
        sa.Column("eccentricity", sa.Double, nullable=False),
        sa.Column("inclination_deg", sa.Double, nullable=False),
        sa.Column("raan_deg", sa.Double, nullable=False),
        sa.Column("arg_of_pericenter_deg", sa.Double, nullable=False),
        sa.Column("mean_anomaly_deg", sa.Double, nullable=False),
        sa.Column("bstar_per_earth_radius", sa.Double, nullable=False),
        sa.Column("mean_motion_dot_rev_per_day2", sa.Double, nullable=False),
        sa.Column("mean_motion_ddot_rev_per_day3", sa.Double, nullable=False),
        sa.Column("object_name", sa.String(200), nullable=True),
        sa.Column("object_id", sa.String(32), nullable=True),
        sa.Column("classification", sa.String(1), nullable=False),
        sa.Column("ephemeris_type", sa.Integer, nullable=False),
        sa.Column("element_set_no", sa.Integer, nullable=False),
        sa.Column("rev_at_epoch", sa.Integer, nullable=False),
        sa.Column("tle_line1", sa.String(80), nullable=True),
        sa.Column("tle_line2", sa.String(80), nullable=True),
        sa.Column("content_sha256", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_element_sets"),
        sa.ForeignKeyConstraint(
            ["norad_id"],
            ["space_objects.norad_id"],
            name="fk_element_sets_norad_id_space_objects",
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["catalog_batches.id"], name="fk_element_sets_batch_id_catalog_batches"
        ),
        sa.UniqueConstraint("content_sha256", name="uq_element_sets_content_sha256"),
        sa.CheckConstraint(
            "eccentricity >= 0 AND eccentricity < 1", name="ck_element_sets_eccentricity"
        ),
        sa.CheckConstraint("mean_motion_rev_per_day > 0", name="ck_element_sets_mean_motion"),
    )
    op.create_index(
        "ix_element_sets_norad_id_epoch", "element_sets", ["norad_id", "epoch", "batch_id"]
    )
    op.create_index("ix_element_sets_batch_id", "element_sets", ["batch_id"])
    with op.batch_alter_table("space_objects") as batch:
        batch.create_foreign_key(
            "fk_space_objects_current_element_set_id_element_sets",
            "element_sets",
            ["current_element_set_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("space_objects") as batch:
        batch.drop_constraint(
            "fk_space_objects_current_element_set_id_element_sets", type_="foreignkey"
        )
    op.drop_index("ix_element_sets_batch_id", table_name="element_sets")
    op.drop_index("ix_element_sets_norad_id_epoch", table_name="element_sets")
    op.drop_table("element_sets")
    op.drop_index("ix_space_objects_object_id", table_name="space_objects")
    op.drop_index("ix_space_objects_object_name", table_name="space_objects")
    op.drop_table("space_objects")
    op.drop_index("ix_batch_rejections_batch_id", table_name="batch_rejections")
    op.drop_table("batch_rejections")
    op.drop_index("ix_catalog_batches_partner_id", table_name="catalog_batches")
    op.drop_table("catalog_batches")
    op.drop_table("partners")
