"""Operator ephemerides in the store: each submission kept whole, with its parsed summary.

An ephemeris submission is one CCSDS OEM file from the partner that operates the object
(docs/oem.md, "Submitting and reading ephemerides"). Rows are only ever inserted: a newer
prediction is a new row, and the older ones stay as history. Of one partner's ephemerides
of one object, the *current* one is the one whose usable span starts last (ties: the later
submission, then the higher id). The OEM bytes are kept exactly as submitted, so that the
file SHA-256 in the `ephemeris.accepted` audit entry, and a partner's signature over it,
can be checked against the stored copy at any time.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from accord.store._access_models import ClaimStatus, SatelliteClaim
from accord.store._models import Base, Partner, SpaceObject
from accord.store._types import UTCDateTime

__all__ = [
    "EphemerisRepository",
    "EphemerisRow",
    "active_claimants",
]

_ACTIVE_CLAIMS = (ClaimStatus.CLAIMED.value, ClaimStatus.CONTESTED.value)


class EphemerisRow(Base):
    """One submitted OEM: the bytes as submitted, provenance and the parsed summary.

    Times are UTC (the OEM's TIME_SYSTEM converted); `usable_start`/`usable_stop` span every
    segment's usable interval, cut to its first and last ephemeris lines, as the interpolator
    uses them. `signature` and `signature_key_sha256` are the partner's verified Ed25519
    signature of the submission statement, when it signed (the audit entry keeps them too).
    """

    __tablename__ = "ephemerides"
    __table_args__ = (
        sa.Index("ix_ephemerides_norad_id_usable_start", "norad_id", "usable_start"),
        # The same file from the same partner is one submission (content-addressed).
        sa.UniqueConstraint(
            "partner_id", "file_sha256", name="uq_ephemerides_partner_id_file_sha256"
        ),
        sa.CheckConstraint("format IN ('kvn', 'xml')", name="format"),
        sa.CheckConstraint("state_count > 0", name="state_count"),
        sa.CheckConstraint("usable_stop >= usable_start", name="usable_span"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partners.id"), index=True)
    norad_id: Mapped[int] = mapped_column(sa.ForeignKey("space_objects.norad_id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: File name or upload name the partner gave.
    source_name: Mapped[str] = mapped_column(sa.String(2000))
    #: `accord.store.SourceKind` value: `file` (CLI), `api`.
    source_kind: Mapped[str] = mapped_column(sa.String(16))
    format: Mapped[str] = mapped_column(sa.String(8))
    #: SHA-256 (hex) of `oem`: the audit entry's content_sha256.
    file_sha256: Mapped[str] = mapped_column(sa.String(64))
    #: The OEM exactly as submitted.
    oem: Mapped[bytes] = mapped_column(sa.LargeBinary)
    object_name: Mapped[str] = mapped_column(sa.String(200))
    #: OBJECT_ID as written (an international designator, or the NORAD id as digits).
    object_id: Mapped[str] = mapped_column(sa.String(64))
    center_name: Mapped[str] = mapped_column(sa.String(64))
    ref_frame: Mapped[str] = mapped_column(sa.String(32))
    time_system: Mapped[str] = mapped_column(sa.String(16))
    usable_start: Mapped[datetime] = mapped_column(UTCDateTime())
    usable_stop: Mapped[datetime] = mapped_column(UTCDateTime())
    segment_count: Mapped[int] = mapped_column(sa.Integer)
    state_count: Mapped[int] = mapped_column(sa.Integer)
    has_covariance: Mapped[bool] = mapped_column(sa.Boolean)
    signature: Mapped[bytes | None] = mapped_column(sa.LargeBinary(64))
    signature_key_sha256: Mapped[str | None] = mapped_column(sa.String(64))


def active_claimants(session: Session, norad_ids: Iterable[int]) -> dict[int, frozenset[int]]:
    """NORAD id -> ids of the partners actively claiming it (claimed or contested)."""
    ids = sorted(set(norad_ids))
    found: dict[int, set[int]] = {}
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        for norad_id, partner_id in session.execute(
            sa.select(SatelliteClaim.norad_id, SatelliteClaim.partner_id).where(
                SatelliteClaim.norad_id.in_(chunk), SatelliteClaim.status.in_(_ACTIVE_CLAIMS)
            )
        ):
            found.setdefault(norad_id, set()).add(partner_id)
    return {norad_id: frozenset(partners) for norad_id, partners in found.items()}


class EphemerisRepository:
    """Ephemeris submissions inside the caller's session (transaction)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: EphemerisRow) -> EphemerisRow:
        """Insert a new submission (never an update) and return it with its id."""
        self.session.add(row)
        self.session.flush()
        return row

    def get(self, ephemeris_id: int) -> EphemerisRow | None:
        """The submission with this id, or None."""
        return self.session.get(EphemerisRow, ephemeris_id)

    def find_by_file(self, partner_id: int, file_sha256: str) -> EphemerisRow | None:
        """This partner's submission of exactly these bytes, if any."""
        return self.session.scalar(
            sa.select(EphemerisRow).where(
                EphemerisRow.partner_id == partner_id, EphemerisRow.file_sha256 == file_sha256
            )
        )

    def all(self, *, norad_ids: Sequence[int] | None = None) -> list[EphemerisRow]:
        """Every submission (of these objects), newest submission first."""
        query = sa.select(EphemerisRow).order_by(
            EphemerisRow.submitted_at.desc(), EphemerisRow.id.desc()
        )
        if norad_ids is not None:
            query = query.where(EphemerisRow.norad_id.in_(list(norad_ids)))
        return list(self.session.scalars(query))

    def current_ids(self, norad_ids: Sequence[int] | None = None) -> frozenset[int]:
        """Ids of the current submission of each (partner, object): the latest usable start,
        then the later submission, then the higher id."""
        current: dict[tuple[int, int], EphemerisRow] = {}
        for row in self.all(norad_ids=norad_ids):
            key = (row.partner_id, row.norad_id)
            best = current.get(key)
            if best is None or (row.usable_start, row.submitted_at, row.id) > (
                best.usable_start,
                best.submitted_at,
                best.id,
            ):
                current[key] = row
        return frozenset(row.id for row in current.values())

    def claimed_object_ids(self, partner_id: int, object_id: str) -> list[int]:
        """NORAD ids of the objects `partner_id` actively claims whose COSPAR id is
        `object_id` (only the partner's own claims are searched: no catalog oracle)."""
        return list(
            self.session.scalars(
                sa.select(SatelliteClaim.norad_id)
                .join(SpaceObject, SpaceObject.norad_id == SatelliteClaim.norad_id)
                .where(
                    SatelliteClaim.partner_id == partner_id,
                    SatelliteClaim.status.in_(_ACTIVE_CLAIMS),
                    SpaceObject.object_id == object_id,
                )
                .distinct()
                .order_by(SatelliteClaim.norad_id)
            )
        )

    def claims_object(self, partner_id: int, norad_id: int) -> bool:
        """Whether `partner_id` actively claims `norad_id` (claimed or contested)."""
        return (
            self.session.scalar(
                sa.select(sa.func.count()).where(
                    SatelliteClaim.partner_id == partner_id,
                    SatelliteClaim.norad_id == norad_id,
                    SatelliteClaim.status.in_(_ACTIVE_CLAIMS),
                )
            )
            or 0
        ) > 0

    def submission_times(self) -> list[tuple[str, datetime, int]]:
        """(partner handle, submitted_at, NORAD id) of every submission, for compliance."""
        return [
            (str(handle), submitted_at, norad_id)
            for handle, submitted_at, norad_id in self.session.execute(
                sa.select(Partner.handle, EphemerisRow.submitted_at, EphemerisRow.norad_id)
                .join(Partner, Partner.id == EphemerisRow.partner_id)
                .where(Partner.handle.is_not(None))
            )
        ]
