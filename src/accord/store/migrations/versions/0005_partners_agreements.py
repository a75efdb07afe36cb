"""Partners' handles, contacts and assets; agreements; API keys; console users and sessions.

Revision ID: 0005_partners_agreements
Revises: 0004_screenings
Create Date: 2026-03-09

`partners.handle` is the partner's id in agreement documents; existing rows get one derived
from their name (lower case, other characters as '-', made unique with the row id). It is a
plain column with a unique index rather than a constraint so that SQLite can add it in place
(no table rebuild under the foreign keys that point at `partners`). Written by hand and
frozen, like the earlier revisions (CHECK value lists spelled out).
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

from accord.store._types import UTCDateTime

revision = "0005_partners_agreements"
down_revision = "0004_screenings"
branch_labels = None
depends_on = None


def _handle(name: str, partner_id: int, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9_.-]+", "-", name.lower()).strip("-_.")[:56] or "partner"
    handle = base if base not in taken else f"{base}-{partner_id}"
    taken.add(handle)
    return handle


def _fk(table: str, column: str, target: str, target_column: str = "id") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.{target_column}"], name=f"fk_{table}_{column}_{target}"
    )


def upgrade() -> None:
    op.add_column("partners", sa.Column("handle", sa.String(64), nullable=True))
    connection = op.get_bind()
    partners = sa.table("partners", sa.column("id"), sa.column("name"), sa.column("handle"))
    taken: set[str] = set()
    for partner_id, name in connection.execute(
        sa.select(partners.c.id, partners.c.name).order_by(partners.c.id)
    ).all():
        connection.execute(
            partners.update()
            .where(partners.c.id == partner_id)
            .values(handle=_handle(name, partner_id, taken))
        )
    op.create_index("ix_partners_handle", "partners", ["handle"], unique=True)

    op.create_table(
        "partner_contacts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("partner_id", sa.Integer, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("role", sa.String(100), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_partner_contacts"),
        _fk("partner_contacts", "partner_id", "partners"),
    )
    op.create_index("ix_partner_contacts_partner_id", "partner_contacts", ["partner_id"])

    op.create_table(
        "satellite_claims",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("partner_id", sa.Integer, nullable=False),
        sa.Column("norad_id", sa.Integer, nullable=False),
        sa.Column("claimed_at", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("withdrawn_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_satellite_claims"),
        _fk("satellite_claims", "partner_id", "partners"),
        _fk("satellite_claims", "norad_id", "space_objects", "norad_id"),
        sa.CheckConstraint(
            "status IN ('claimed', 'contested', 'withdrawn')", name="ck_satellite_claims_status"
        ),
    )
    op.create_index("ix_satellite_claims_partner_id", "satellite_claims", ["partner_id"])
    op.create_index(
        "ix_satellite_claims_norad_id_status", "satellite_claims", ["norad_id", "status"]
    )

    op.create_table(
        "ground_stations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("partner_id", sa.Integer, nullable=False),
        sa.Column("station_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("latitude_deg", sa.Double, nullable=False),
        sa.Column("longitude_deg", sa.Double, nullable=False),
        sa.Column("altitude_m", sa.Double, nullable=False),
        sa.Column("min_elevation_deg", sa.Double, nullable=False),
        sa.Column("max_range_km", sa.Double, nullable=True),
        sa.Column("provider", sa.String(200), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ground_stations"),
        _fk("ground_stations", "partner_id", "partners"),
        sa.UniqueConstraint("station_id", name="uq_ground_stations_station_id"),
        sa.CheckConstraint("kind IN ('ground_station', 'sensor')", name="ck_ground_stations_kind"),
        sa.CheckConstraint("latitude_deg BETWEEN -90 AND 90", name="ck_ground_stations_latitude"),
        sa.CheckConstraint(
            "longitude_deg BETWEEN -180 AND 180", name="ck_ground_stations_longitude"
        ),
        sa.CheckConstraint(
            "min_elevation_deg BETWEEN -90 AND 90", name="ck_ground_stations_min_elevation"
        ),
        sa.CheckConstraint(
            "max_range_km IS NULL OR max_range_km > 0", name="ck_ground_stations_max_range"
        ),
    )
    op.create_index("ix_ground_stations_partner_id", "ground_stations", ["partner_id"])

    op.create_table(
        "agreements",
        sa.Column("agreement_id", sa.String(64), primary_key=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("agreement_id", name="pk_agreements"),
    )
    op.create_table(
        "agreement_versions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("agreement_id", sa.String(64), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("document_json", sa.Text, nullable=False),
        sa.Column("content_sha256", sa.String(64), nullable=False),
        sa.Column("proposed_by", sa.String(64), nullable=False),
        sa.Column("proposed_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_agreement_versions"),
        _fk("agreement_versions", "agreement_id", "agreements", "agreement_id"),
        sa.UniqueConstraint("agreement_id", "number", name="uq_agreement_versions_number"),
    )
    op.create_table(
        "agreement_signatures",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("version_id", sa.Integer, nullable=False),
        sa.Column("party", sa.String(64), nullable=False),
        sa.Column("signed_at", UTCDateTime(), nullable=False),
        sa.Column("content_sha256", sa.String(64), nullable=False),
        sa.Column("signer", sa.String(200), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_agreement_signatures"),
        _fk("agreement_signatures", "version_id", "agreement_versions"),
        sa.UniqueConstraint("version_id", "party", name="uq_agreement_signatures_party"),
    )
    op.create_table(
        "agreement_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("agreement_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("by_party", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_agreement_events"),
        _fk("agreement_events", "agreement_id", "agreements", "agreement_id"),
        sa.CheckConstraint(
            "kind IN ('suspended', 'resumed', 'terminated')", name="ck_agreement_events_kind"
        ),
    )
    op.create_index("ix_agreement_events_agreement_id", "agreement_events", ["agreement_id"])

    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("partner_id", sa.Integer, nullable=False),
        sa.Column("key_prefix", sa.String(16), nullable=False),
        sa.Column("secret_sha256", sa.String(64), nullable=False),
        sa.Column("scopes", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=True),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.Column("last_used_at", UTCDateTime(), nullable=True),
        sa.Column("replaced_by_id", sa.Integer, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_api_keys"),
        _fk("api_keys", "partner_id", "partners"),
        _fk("api_keys", "replaced_by_id", "api_keys"),
        sa.UniqueConstraint("key_prefix", name="uq_api_keys_key_prefix"),
    )
    op.create_index("ix_api_keys_partner_id", "api_keys", ["partner_id"])

    op.create_table(
        "console_users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(100), nullable=False),
        sa.Column("partner_id", sa.Integer, nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("disabled_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_console_users"),
        _fk("console_users", "partner_id", "partners"),
        sa.UniqueConstraint("username", name="uq_console_users_username"),
        sa.CheckConstraint(
            "role IN ('admin', 'operator', 'analyst', 'observer')", name="ck_console_users_role"
        ),
    )
    op.create_index("ix_console_users_partner_id", "console_users", ["partner_id"])
    op.create_table(
        "console_sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("session_sha256", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("csrf_sha256", sa.String(64), nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_console_sessions"),
        _fk("console_sessions", "user_id", "console_users"),
        sa.UniqueConstraint("session_sha256", name="uq_console_sessions_session_sha256"),
    )
    op.create_index("ix_console_sessions_user_id", "console_sessions", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_console_sessions_user_id", table_name="console_sessions")
    op.drop_table("console_sessions")
    op.drop_index("ix_console_users_partner_id", table_name="console_users")
    op.drop_table("console_users")
    op.drop_index("ix_api_keys_partner_id", table_name="api_keys")
    op.drop_table("api_keys")
    op.drop_index("ix_agreement_events_agreement_id", table_name="agreement_events")
    op.drop_table("agreement_events")
    op.drop_table("agreement_signatures")
    op.drop_table("agreement_versions")
    op.drop_table("agreements")
    op.drop_index("ix_ground_stations_partner_id", table_name="ground_stations")
    op.drop_table("ground_stations")
    op.drop_index("ix_satellite_claims_norad_id_status", table_name="satellite_claims")
    op.drop_index("ix_satellite_claims_partner_id", table_name="satellite_claims")
    op.drop_table("satellite_claims")
    op.drop_index("ix_partner_contacts_partner_id", table_name="partner_contacts")
    op.drop_table("partner_contacts")
    op.drop_index("ix_partners_handle", table_name="partners")
    # SQLite 3.35+ drops a column in place (no rebuild under the foreign keys).
    op.drop_column("partners", "handle")
