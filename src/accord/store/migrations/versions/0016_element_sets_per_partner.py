"""Element sets are deduplicated per submitting partner: `element_sets.partner_id`.

Revision ID: 0016_element_sets_per_partner
Revises: 0015_audit_sealed_details
Create Date: 2026-11-29

Until now `uq_element_sets_content_sha256` kept one row per element set for the whole
catalog, so a partner submitting a set another partner had already submitted left no
trace of its own. Now the submitter is copied from the batch into `element_sets.partner_id`
(not null, backfilled from `catalog_batches.partner_id`) and the unique constraint is
`(partner_id, content_sha256)`: the same partner repeating a set is still a duplicate,
another partner's identical set is its own row with its own provenance.

SQLite cannot drop a table's UNIQUE constraint, so there the table is rebuilt by hand:
a copy with the new shape, the rows copied with their ids, the old table dropped and the
copy renamed. `space_objects.current_element_set_id` points into the table and foreign
keys are enforced (a PRAGMA cannot turn them off inside the migration's transaction), so
the pointers are set aside in a temporary table, cleared, and restored after the rebuild.

Written by hand and frozen, like the earlier revisions. Downgrade refuses while two
partners hold the same element set (the old constraint could not hold them both).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from accord.store._types import UTCDateTime

revision = "0016_element_sets_per_partner"
down_revision = "0015_audit_sealed_details"
branch_labels = None
depends_on = None

_OLD_UNIQUE = "uq_element_sets_content_sha256"
_NEW_UNIQUE = "uq_element_sets_partner_id_content_sha256"
_PARTNER_FK = "fk_element_sets_partner_id_partners"
_BACKFILL = (
    "UPDATE element_sets SET partner_id = "
    "(SELECT partner_id FROM catalog_batches WHERE catalog_batches.id = element_sets.batch_id)"
)
# Every column of element_sets as 0001 created it, in its order.
_COLUMNS_0001 = (
    "id, norad_id, batch_id, record_number, line_number, epoch, mean_motion_rev_per_day, "
    "eccentricity, inclination_deg, raan_deg, arg_of_pericenter_deg, mean_anomaly_deg, "
    "bstar_per_earth_radius, mean_motion_dot_rev_per_day2, mean_motion_ddot_rev_per_day3, "
    "object_name, object_id, classification, ephemeris_type, element_set_no, rev_at_epoch, "
    "tle_line1, tle_line2, content_sha256"
)


def _element_sets_table(name: str, *, per_partner: bool) -> None:
    """Create `element_sets` under `name` in the shape of 0001 (or of this revision)."""
    extra: list[Any] = []
    if per_partner:
        extra = [
            sa.Column("partner_id", sa.Integer, nullable=False),
            sa.ForeignKeyConstraint(["partner_id"], ["partners.id"], name=_PARTNER_FK),
            sa.UniqueConstraint("partner_id", "content_sha256", name=_NEW_UNIQUE),
        ]
    else:
        extra = [sa.UniqueConstraint("content_sha256", name=_OLD_UNIQUE)]
    op.create_table(
        name,
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
        sa.CheckConstraint(
            "eccentricity >= 0 AND eccentricity < 1", name="ck_element_sets_eccentricity"
        ),
        sa.CheckConstraint("mean_motion_rev_per_day > 0", name="ck_element_sets_mean_motion"),
        *extra,
    )


def _rebuild_sqlite(*, per_partner: bool) -> None:
    """Replace `element_sets` by a copy of the other shape, keeping ids and current pointers."""
    op.execute(
        "CREATE TEMP TABLE accord_current_0016 AS SELECT norad_id, current_element_set_id "
        "FROM space_objects WHERE current_element_set_id IS NOT NULL"
    )
    op.execute("UPDATE space_objects SET current_element_set_id = NULL")
    _element_sets_table("element_sets_0016", per_partner=per_partner)
    columns = _COLUMNS_0001 + (", partner_id" if per_partner else "")
    select = _COLUMNS_0001 + (
        ", (SELECT b.partner_id FROM catalog_batches AS b WHERE b.id = element_sets.batch_id)"
        if per_partner
        else ""
    )
    op.execute(f"INSERT INTO element_sets_0016 ({columns}) SELECT {select} FROM element_sets")
    op.drop_index("ix_element_sets_batch_id", table_name="element_sets")
    op.drop_index("ix_element_sets_norad_id_epoch", table_name="element_sets")
    op.drop_table("element_sets")
    op.rename_table("element_sets_0016", "element_sets")
    _create_indexes()
    op.execute(
        "UPDATE space_objects SET current_element_set_id = (SELECT c.current_element_set_id "
        "FROM accord_current_0016 AS c WHERE c.norad_id = space_objects.norad_id)"
    )
    op.execute("DROP TABLE accord_current_0016")


def _create_indexes() -> None:
    op.create_index(
        "ix_element_sets_norad_id_epoch", "element_sets", ["norad_id", "epoch", "batch_id"]
    )
    op.create_index("ix_element_sets_batch_id", "element_sets", ["batch_id"])


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite(per_partner=True)
        return
    op.add_column("element_sets", sa.Column("partner_id", sa.Integer, nullable=True))
    op.execute(_BACKFILL)
    op.alter_column("element_sets", "partner_id", nullable=False)
    op.create_foreign_key(_PARTNER_FK, "element_sets", "partners", ["partner_id"], ["id"])
    op.drop_constraint(_OLD_UNIQUE, "element_sets", type_="unique")
    op.create_unique_constraint(_NEW_UNIQUE, "element_sets", ["partner_id", "content_sha256"])


def downgrade() -> None:
    shared = op.get_bind().execute(
        sa.text(
            "SELECT content_sha256 FROM element_sets GROUP BY content_sha256 "
            "HAVING COUNT(*) > 1 LIMIT 1"
        )
    )
    if shared.first() is not None:
        raise RuntimeError(
            "cannot downgrade below 0016_element_sets_per_partner: several partners hold "
            "identical element sets, which the old catalog-wide unique constraint forbids; "
            "keep this revision (or remove those rows yourself first)"
        )
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite(per_partner=False)
        return
    op.drop_constraint(_NEW_UNIQUE, "element_sets", type_="unique")
    op.create_unique_constraint(_OLD_UNIQUE, "element_sets", ["content_sha256"])
    op.drop_constraint(_PARTNER_FK, "element_sets", type_="foreignkey")
    op.drop_column("element_sets", "partner_id")
