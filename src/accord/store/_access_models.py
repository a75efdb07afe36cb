"""Tables of partners' contacts and assets, agreements, API keys and console users.

Migration 0005_partners_agreements creates them; these models must match it (a test compares
the two). Times are UTC (`UTCDateTime`); agreement parties are named by partner handle
(`partners.handle`, the identifier agreement documents use), everything else by row id.
Secrets are never stored: API keys and session ids by SHA-256, passwords by argon2id.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from accord.store._models import Base
from accord.store._types import UTCDateTime

__all__ = [
    "AgreementEventRow",
    "AgreementRow",
    "AgreementSignatureRow",
    "AgreementVersionRow",
    "ApiKeyRow",
    "ApiKeyScope",
    "ClaimStatus",
    "ConsoleSessionRow",
    "ConsoleUserRow",
    "GroundStationRow",
    "PartnerContact",
    "SatelliteClaim",
    "StationKind",
    "UserRole",
]


class ClaimStatus(StrEnum):
    """Where a satellite claim stands: sole claim, disputed by another partner, or withdrawn."""

    CLAIMED = "claimed"
    CONTESTED = "contested"
    WITHDRAWN = "withdrawn"


class StationKind(StrEnum):
    """A ground station (communications, downlink) or a sensor (radar, telescope)."""

    GROUND_STATION = "ground_station"
    SENSOR = "sensor"


class ApiKeyScope(StrEnum):
    """What an API key may do: read data, write data, or administer its partner."""

    READ = "read"
    WRITE = "write"
    ADMIN = "admin"


class UserRole(StrEnum):
    """A console user's role (the same vocabulary as `accord.agreements.PrincipalRole`)."""

    ADMIN = "admin"
    OPERATOR = "operator"
    ANALYST = "analyst"
    OBSERVER = "observer"


def _in_values(column: str, enum: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(m.value) for m in enum)})"


class PartnerContact(Base):
    """A person or desk to contact at a partner (kept out of the audit log: personal data)."""

    __tablename__ = "partner_contacts"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partners.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str] = mapped_column(sa.String(320))
    #: What the contact is for: "operations", "legal", "24/7 conjunction desk", ...
    role: Mapped[str] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SatelliteClaim(Base):
    """A partner's claim to operate (own) a catalogued object; several may exist per object."""

    __tablename__ = "satellite_claims"
    __table_args__ = (
        sa.CheckConstraint(_in_values("status", ClaimStatus), name="status"),
        sa.Index("ix_satellite_claims_norad_id_status", "norad_id", "status"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partners.id"), index=True)
    norad_id: Mapped[int] = mapped_column(sa.ForeignKey("space_objects.norad_id"))
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(sa.String(16))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class GroundStationRow(Base):
    """A partner's ground station or sensor: WGS-84 position and visibility limits."""

    __tablename__ = "ground_stations"
    __table_args__ = (
        sa.CheckConstraint(_in_values("kind", StationKind), name="kind"),
        sa.CheckConstraint("latitude_deg BETWEEN -90 AND 90", name="latitude"),
        sa.CheckConstraint("longitude_deg BETWEEN -180 AND 180", name="longitude"),
        sa.CheckConstraint("min_elevation_deg BETWEEN -90 AND 90", name="min_elevation"),
        sa.CheckConstraint("max_range_km IS NULL OR max_range_km > 0", name="max_range"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partners.id"), index=True)
    #: The id agreements name in `station_ids` (letters, digits, '_', '.', ':', '-').
    station_id: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(16))
    latitude_deg: Mapped[float] = mapped_column(sa.Double)
    longitude_deg: Mapped[float] = mapped_column(sa.Double)
    altitude_m: Mapped[float] = mapped_column(sa.Double)
    min_elevation_deg: Mapped[float] = mapped_column(sa.Double)
    max_range_km: Mapped[float | None] = mapped_column(sa.Double)
    #: Who runs the antenna when it is not the partner itself (a KSAT site leased, ...).
    provider: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: When it was retired (revision 0013); None while active. Retired rows are kept: pools,
    #: tasks, agreements and audit entries name the station id, which is never reused.
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AgreementRow(Base):
    """One agreement, the stable id every version shares."""

    __tablename__ = "agreements"

    agreement_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AgreementVersionRow(Base):
    """One version: the document as RFC 8785 canonical JSON and its SHA-256."""

    __tablename__ = "agreement_versions"
    __table_args__ = (
        sa.UniqueConstraint("agreement_id", "number", name="uq_agreement_versions_number"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    agreement_id: Mapped[str] = mapped_column(sa.ForeignKey("agreements.agreement_id"))
    number: Mapped[int] = mapped_column(sa.Integer)
    document_json: Mapped[str] = mapped_column(sa.Text)
    content_sha256: Mapped[str] = mapped_column(sa.String(64))
    #: Handle of the proposing partner.
    proposed_by: Mapped[str] = mapped_column(sa.String(64))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AgreementSignatureRow(Base):
    """A party's signature of one version (the content hash it covers, who signed)."""

    __tablename__ = "agreement_signatures"
    __table_args__ = (
        sa.UniqueConstraint("version_id", "party", name="uq_agreement_signatures_party"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("agreement_versions.id"))
    party: Mapped[str] = mapped_column(sa.String(64))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    content_sha256: Mapped[str] = mapped_column(sa.String(64))
    signer: Mapped[str | None] = mapped_column(sa.String(200))


class AgreementEventRow(Base):
    """A suspension, resumption or termination, in the order they happened (`id`)."""

    __tablename__ = "agreement_events"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('suspended', 'resumed', 'terminated')", name="kind"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    agreement_id: Mapped[str] = mapped_column(sa.ForeignKey("agreements.agreement_id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    by_party: Mapped[str] = mapped_column(sa.String(64))
    reason: Mapped[str] = mapped_column(sa.Text)


class ApiKeyRow(Base):
    """A partner's API key: its public prefix and the SHA-256 of the whole token."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partners.id"), index=True)
    #: The token's public part, shown in lists and logs to name the key.
    key_prefix: Mapped[str] = mapped_column(sa.String(16), unique=True)
    #: Lowercase hex SHA-256 of the full token; the token itself is shown once, never stored.
    secret_sha256: Mapped[str] = mapped_column(sa.String(64))
    #: Space-separated `ApiKeyScope` values, sorted.
    scopes: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The key that replaced this one in a rotation (this one then expires after a grace).
    replaced_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("api_keys.id"))


class ConsoleUserRow(Base):
    """A person who logs in to the web console for a partner, with one role."""

    __tablename__ = "console_users"
    __table_args__ = (sa.CheckConstraint(_in_values("role", UserRole), name="role"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(100), unique=True)
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partners.id"), index=True)
    role: Mapped[str] = mapped_column(sa.String(16))
    #: argon2id PHC string (argon2-cffi): algorithm, parameters, salt and hash.
    password_hash: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ConsoleSessionRow(Base):
    """A console login session: SHA-256 of its cookie value and of its CSRF token."""

    __tablename__ = "console_sessions"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    session_sha256: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("console_users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    csrf_sha256: Mapped[str] = mapped_column(sa.String(64))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
