"""Tables of the store: partners, catalog batches (provenance), space objects, element sets.

Element sets are history: rows are only ever inserted. `space_objects` holds each object's
identity and a pointer to its current element set, both derived from `element_sets` and
refreshed by every batch that touches the object. Units are in column names, as in
`accord.formats.ElementSet`. The schema itself is created by the Alembic migrations in
`accord/store/migrations/`; these models must match them (a test compares the two).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from accord.store._types import UTCDateTime

__all__ = [
    "Base",
    "BatchRejection",
    "CatalogBatch",
    "ElementSetRow",
    "IngestMode",
    "Partner",
    "PartnerKind",
    "PartnerSigningKey",
    "SourceKind",
    "SpaceObject",
]

# Deterministic constraint names: Alembic needs names to drop or alter constraints later.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class PartnerKind(StrEnum):
    """What kind of body a partner is."""

    STATE = "state"
    SPACE_AGENCY = "space_agency"
    OPERATOR = "operator"
    INTERNATIONAL_ORGANISATION = "international_organisation"
    ACADEMIC = "academic"
    #: A public catalog publisher Accord imports from (CelesTrak, Space-Track).
    DATA_PROVIDER = "data_provider"
    #: Accord itself, e.g. as the submitter of a generated (synthetic) demo population.
    SYSTEM = "system"


class SourceKind(StrEnum):
    """Where a catalog batch came from."""

    FILE = "file"
    CELESTRAK = "celestrak"
    SPACE_TRACK = "space-track"
    #: Generated, not observed: the offline demo population. Shown as synthetic everywhere.
    SYNTHETIC = "synthetic"
    API = "api"


class IngestMode(StrEnum):
    """What a batch with bad records does: reject it whole (default) or keep the good ones."""

    REJECT_BATCH = "reject-batch"
    STORE_VALID = "store-valid"


def _in_values(column: str, enum: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(m.value) for m in enum)})"


class Base(DeclarativeBase):
    """Declarative base of every Accord table."""

    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class Partner(Base):
    """A member of the coalition, or a system submitter (data provider, Accord itself)."""

    __tablename__ = "partners"
    __table_args__ = (
        sa.CheckConstraint(_in_values("kind", PartnerKind), name="kind"),
        sa.Index("ix_partners_handle", "handle", unique=True),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    #: The partner's id in agreement documents (`esa`, `jaxa`: `^[a-z0-9][a-z0-9_.-]{0,63}$`),
    #: revision 0005; None only for rows written without the repository.
    handle: Mapped[str | None] = mapped_column(sa.String(64))
    kind: Mapped[str] = mapped_column(sa.String(32))
    #: ISO 3166-1 alpha-2 or alpha-3 code, upper case; None for international bodies.
    country_code: Mapped[str | None] = mapped_column(sa.String(3))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PartnerSigningKey(Base):
    """An Ed25519 public key a partner signs its submissions with (docs/audit.md).

    Rows are never deleted: a revoked key keeps its row, with `revoked_at` set, so that the
    signatures it made before stay checkable from the log.
    """

    __tablename__ = "partner_signing_keys"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partners.id"), index=True)
    #: The raw 32-byte Ed25519 public key (RFC 8032).
    public_key: Mapped[bytes] = mapped_column(sa.LargeBinary(32))
    #: Lowercase hex SHA-256 of `public_key`: the key's id in audit entries.
    key_sha256: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class CatalogBatch(Base):
    """One submission of element sets: who, when, from where, and what became of it."""

    __tablename__ = "catalog_batches"
    __table_args__ = (
        sa.CheckConstraint(_in_values("source_kind", SourceKind), name="source_kind"),
        sa.CheckConstraint(_in_values("mode", IngestMode), name="mode"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partners.id"), index=True)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    source_kind: Mapped[str] = mapped_column(sa.String(16))
    #: File name or URL the records came from (or the generator's name for synthetic ones).
    source_name: Mapped[str] = mapped_column(sa.String(2000))
    #: `accord.formats.CatalogFormat` value; None for element sets handed over in code.
    format: Mapped[str | None] = mapped_column(sa.String(16))
    #: SHA-256 (hex) of the exact bytes submitted; None for element sets handed over in code.
    file_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    record_count: Mapped[int] = mapped_column(sa.Integer)
    accepted_count: Mapped[int] = mapped_column(sa.Integer)
    rejected_count: Mapped[int] = mapped_column(sa.Integer)
    #: Records identical to an element set already stored, kept once (see docs/store.md).
    duplicate_count: Mapped[int] = mapped_column(sa.Integer)
    mode: Mapped[str] = mapped_column(sa.String(16))


class BatchRejection(Base):
    """One bad record of a batch stored in `store-valid` mode, located as the reader said."""

    __tablename__ = "batch_rejections"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("catalog_batches.id"), index=True)
    record_number: Mapped[int | None] = mapped_column(sa.Integer)
    line_number: Mapped[int | None] = mapped_column(sa.Integer)
    field: Mapped[str | None] = mapped_column(sa.String(200))
    problem: Mapped[str] = mapped_column(sa.Text)
    expected: Mapped[str | None] = mapped_column(sa.Text)


class SpaceObject(Base):
    """A catalogued object: its identity and its current element set (derived, refreshed).

    `object_name` and `object_id` are those of the current element set when it carries
    them (names change: "TBA - TO BE ASSIGNED" becomes a payload name), else the last known.
    """

    __tablename__ = "space_objects"
    __table_args__ = (
        sa.CheckConstraint("norad_id BETWEEN 1 AND 999999999", name="norad_id_range"),
    )

    norad_id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    object_name: Mapped[str | None] = mapped_column(sa.String(200), index=True)
    #: International designator (COSPAR id), "1998-067A".
    object_id: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    first_seen_batch_id: Mapped[int] = mapped_column(sa.ForeignKey("catalog_batches.id"))
    current_element_set_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("element_sets.id", use_alter=True)
    )


class ElementSetRow(Base):
    """One stored SGP4 mean element set (never updated): the `ElementSet` plus provenance."""

    __tablename__ = "element_sets"
    __table_args__ = (
        sa.Index("ix_element_sets_norad_id_epoch", "norad_id", "epoch", "batch_id"),
        # Duplicates are per submitter (revision 0016): one partner repeating an element set
        # stores it once; another partner's identical set is its own row, with its provenance.
        sa.UniqueConstraint(
            "partner_id", "content_sha256", name="uq_element_sets_partner_id_content_sha256"
        ),
        sa.CheckConstraint("eccentricity >= 0 AND eccentricity < 1", name="eccentricity"),
        sa.CheckConstraint("mean_motion_rev_per_day > 0", name="mean_motion"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    norad_id: Mapped[int] = mapped_column(sa.ForeignKey("space_objects.norad_id"))
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("catalog_batches.id"), index=True)
    #: The submitter, copied from the batch (`catalog_batches.partner_id`) so that the unique
    #: constraint can say "once per partner" (revision 0016).
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partners.id"))
    #: 1-based record number in the submitted file (or position in the handed-over list).
    record_number: Mapped[int] = mapped_column(sa.Integer)
    line_number: Mapped[int | None] = mapped_column(sa.Integer)
    epoch: Mapped[datetime] = mapped_column(UTCDateTime())
    mean_motion_rev_per_day: Mapped[float] = mapped_column(sa.Double)
    eccentricity: Mapped[float] = mapped_column(sa.Double)
    inclination_deg: Mapped[float] = mapped_column(sa.Double)
    raan_deg: Mapped[float] = mapped_column(sa.Double)
    arg_of_pericenter_deg: Mapped[float] = mapped_column(sa.Double)
    mean_anomaly_deg: Mapped[float] = mapped_column(sa.Double)
    bstar_per_earth_radius: Mapped[float] = mapped_column(sa.Double)
    mean_motion_dot_rev_per_day2: Mapped[float] = mapped_column(sa.Double)
    mean_motion_ddot_rev_per_day3: Mapped[float] = mapped_column(sa.Double)
    object_name: Mapped[str | None] = mapped_column(sa.String(200))
    object_id: Mapped[str | None] = mapped_column(sa.String(32))
    classification: Mapped[str] = mapped_column(sa.String(1))
    ephemeris_type: Mapped[int] = mapped_column(sa.Integer)
    element_set_no: Mapped[int] = mapped_column(sa.Integer)
    rev_at_epoch: Mapped[int] = mapped_column(sa.Integer)
    tle_line1: Mapped[str | None] = mapped_column(sa.String(80))
    tle_line2: Mapped[str | None] = mapped_column(sa.String(80))
    #: SHA-256 of the element values (not the name or TLE text): a partner's identical
    #: resubmissions are recognised by it and stored once (unique with `partner_id`).
    content_sha256: Mapped[str] = mapped_column(sa.String(64))
