"""Operator ephemerides: `ephemerides`, one row per submitted OEM, bytes kept as submitted.

Revision ID: 0017_ephemerides
Revises: 0016_element_sets_per_partner
Create Date: 2026-11-29

Written by hand and frozen, like the earlier revisions. A submission is never updated:
newer predictions are new rows (docs/oem.md, "Submitting and reading ephemerides"). The
same bytes from the same partner are one submission (unique partner and file SHA-256).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from accord.store._types import UTCDateTime

revision = "0017_ephemerides"
down_revision = "0016_element_sets_per_partner"
branch_labels = None
depends_on = None

_TABLE = "ephemerides"


def upgrade() -> None:
    op.create_table(
        _TABLE,
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("partner_id", sa.Integer, nullable=False),
        sa.Column("norad_id", sa.Integer, nullable=False),
        sa.Column("submitted_at", UTCDateTime(), nullable=False),
        sa.Column("source_name", sa.String(2000), nullable=False),
        sa.Column("source_kind", sa.String(16), nullable=False),
        sa.Column("format", sa.String(8), nullable=False),
        sa.Column("file_sha256", sa.String(64), nullable=False),
        sa.Column("oem", sa.LargeBinary, nullable=False),
        sa.Column("object_name", sa.String(200), nullable=False),
        sa.Column("object_id", sa.String(64), nullable=False),
        sa.Column("center_name", sa.String(64), nullable=False),
        sa.Column("ref_frame", sa.String(32), nullable=False),
        sa.Column("time_system", sa.String(16), nullable=False),
        sa.Column("usable_start", UTCDateTime(), nullable=False),
        sa.Column("usable_stop", UTCDateTime(), nullable=False),
        sa.Column("segment_count", sa.Integer, nullable=False),
        sa.Column("state_count", sa.Integer, nullable=False),
        sa.Column("has_covariance", sa.Boolean, nullable=False),
        sa.Column("signature", sa.LargeBinary(64), nullable=True),
        sa.Column("signature_key_sha256", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=f"pk_{_TABLE}"),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=f"fk_{_TABLE}_partner_id_partners"
        ),
        sa.ForeignKeyConstraint(
            ["norad_id"], ["space_objects.norad_id"], name=f"fk_{_TABLE}_norad_id_space_objects"
        ),
        sa.UniqueConstraint(
            "partner_id", "file_sha256", name="uq_ephemerides_partner_id_file_sha256"
        ),
        sa.CheckConstraint("format IN ('kvn', 'xml')", name=f"ck_{_TABLE}_format"),
        sa.CheckConstraint("state_count > 0", name=f"ck_{_TABLE}_state_count"),
        sa.CheckConstraint("usable_stop >= usable_start", name=f"ck_{_TABLE}_usable_span"),
    )
    op.create_index(f"ix_{_TABLE}_partner_id", _TABLE, ["partner_id"])
    op.create_index(f"ix_{_TABLE}_norad_id_usable_start", _TABLE, ["norad_id", "usable_start"])


def downgrade() -> None:
    op.drop_table(_TABLE)
