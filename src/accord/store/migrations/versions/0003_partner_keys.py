"""Partner signing keys: the Ed25519 public keys partners sign their submissions with.

Revision ID: 0003_partner_keys
Revises: 0002_audit_log
Create Date: 2026-03-08

A key is registered once (its SHA-256 is unique) and never deleted: a revoked key keeps its
row with `revoked_at` set, so that the signatures it made earlier stay checkable. Written by
hand and frozen, like 0001 and 0002.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from accord.store._types import UTCDateTime

revision = "0003_partner_keys"
down_revision = "0002_audit_log"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "partner_signing_keys",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("partner_id", sa.Integer, nullable=False),
        sa.Column("public_key", sa.LargeBinary(32), nullable=False),
        sa.Column("key_sha256", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_partner_signing_keys"),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name="fk_partner_signing_keys_partner_id_partners",
        ),
        sa.UniqueConstraint("key_sha256", name="uq_partner_signing_keys_key_sha256"),
    )
    op.create_index("ix_partner_signing_keys_partner_id", "partner_signing_keys", ["partner_id"])


def downgrade() -> None:
    op.drop_index("ix_partner_signing_keys_partner_id", table_name="partner_signing_keys")
    op.drop_table("partner_signing_keys")
