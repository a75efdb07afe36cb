"""Tables of stored screenings: screenings, their conjunctions, the CDMs issued, and events.

A conjunction event follows one encounter of one pair (primary, secondary) across
screenings: each screening that finds the pair with a TCA within the grouping tolerance of
the event's TCA adds a conjunction (and its CDM) to it. Units are in column names; times
are UTC. The schema is migration 0004_screenings (submitters: 0012); these models must
match it.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from accord.store._models import Base
from accord.store._types import UTCDateTime

__all__ = [
    "AlertLevel",
    "CdmRow",
    "ConjunctionEventRow",
    "ConjunctionRow",
    "ScreeningRow",
    "ScreeningStatus",
]


class ScreeningStatus(StrEnum):
    """Where a screening stands (a job runner may store `running` and `failed` rows)."""

    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


class AlertLevel(StrEnum):
    """An event's alert level from its latest CDM (thresholds in `accord.settings`).

    `alert`: Pc at or above ACCORD_ALERT_PC_THRESHOLD; `watch`: miss distance at or below
    ACCORD_ALERT_MISS_KM (and Pc under its threshold); `none` otherwise.
    """

    NONE = "none"
    WATCH = "watch"
    ALERT = "alert"


def _in_values(column: str, enum: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(m.value) for m in enum)})"


class ScreeningRow(Base):
    """One screening run: its parameters, the catalog it read, its outcome and counts."""

    __tablename__ = "screenings"
    __table_args__ = (sa.CheckConstraint(_in_values("status", ScreeningStatus), name="status"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    status: Mapped[str] = mapped_column(sa.String(16))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Start of the screened span and its length.
    span_start: Mapped[datetime] = mapped_column(UTCDateTime())
    duration_s: Mapped[float] = mapped_column(sa.Float)
    threshold_km: Mapped[float] = mapped_column(sa.Float)
    #: The RTN screening ellipsoid's semi-axes, when one was used instead of the threshold.
    volume_radial_km: Mapped[float | None] = mapped_column(sa.Float)
    volume_in_track_km: Mapped[float | None] = mapped_column(sa.Float)
    volume_cross_track_km: Mapped[float | None] = mapped_column(sa.Float)
    step_s: Mapped[float] = mapped_column(sa.Float)
    hard_body_radius_m: Mapped[float] = mapped_column(sa.Float)
    pc_method: Mapped[str] = mapped_column(sa.String(32))
    #: The catalog snapshot: the latest batch when the current element sets were read
    #: (None when the element sets came from a file, named in `source_name`).
    catalog_batch_id: Mapped[int | None] = mapped_column(sa.ForeignKey("catalog_batches.id"))
    source_name: Mapped[str | None] = mapped_column(sa.String(500))
    object_count: Mapped[int] = mapped_column(sa.Integer)
    candidate_count: Mapped[int] = mapped_column(sa.BigInteger)
    conjunction_count: Mapped[int] = mapped_column(sa.Integer)
    co_location_count: Mapped[int] = mapped_column(sa.Integer)
    failure_count: Mapped[int] = mapped_column(sa.Integer)
    #: Who asked for it (migration 0012_submitters): the partner's store id (None for the
    #: local operator without `--as`, and for screenings older than the migration) and
    #: the principal's name (`key:<prefix>`, `user:<id>`, `local operator`).
    submitter_partner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("partners.id"))
    submitter_name: Mapped[str | None] = mapped_column(sa.String(200))


class ConjunctionEventRow(Base):
    """One encounter of one pair followed across screenings, with its latest numbers."""

    __tablename__ = "conjunction_events"
    __table_args__ = (
        sa.CheckConstraint(_in_values("alert_level", AlertLevel), name="alert_level"),
        sa.Index("ix_conjunction_events_pair_tca", "primary_norad_id", "secondary_norad_id", "tca"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    primary_norad_id: Mapped[int] = mapped_column(sa.Integer)
    secondary_norad_id: Mapped[int] = mapped_column(sa.Integer)
    #: TCA of the latest CDM (it moves a little from screening to screening).
    tca: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_screening_id: Mapped[int] = mapped_column(sa.ForeignKey("screenings.id"))
    cdm_count: Mapped[int] = mapped_column(sa.Integer)
    latest_miss_km: Mapped[float] = mapped_column(sa.Float)
    latest_pc: Mapped[float | None] = mapped_column(sa.Float)
    latest_pc_method: Mapped[str | None] = mapped_column(sa.String(32))
    alert_level: Mapped[str] = mapped_column(sa.String(16), index=True)


class ConjunctionRow(Base):
    """One conjunction a screening found (km, km/s; miss vector in the primary's RTN)."""

    __tablename__ = "conjunctions"
    __table_args__ = (
        sa.Index("ix_conjunctions_pair_tca", "primary_norad_id", "secondary_norad_id", "tca"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    screening_id: Mapped[int] = mapped_column(sa.ForeignKey("screenings.id"), index=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("conjunction_events.id"), index=True)
    primary_norad_id: Mapped[int] = mapped_column(sa.Integer)
    secondary_norad_id: Mapped[int] = mapped_column(sa.Integer)
    tca: Mapped[datetime] = mapped_column(UTCDateTime())
    miss_km: Mapped[float] = mapped_column(sa.Float)
    relative_speed_km_s: Mapped[float] = mapped_column(sa.Float)
    miss_radial_km: Mapped[float] = mapped_column(sa.Float)
    miss_in_track_km: Mapped[float] = mapped_column(sa.Float)
    miss_cross_track_km: Mapped[float] = mapped_column(sa.Float)
    collision_probability: Mapped[float | None] = mapped_column(sa.Float)
    pc_method: Mapped[str | None] = mapped_column(sa.String(32))


class CdmRow(Base):
    """A CDM as issued: its KVN text (the canonical stored form) and the text's SHA-256.

    XML and JSON are generated from the KVN on download (they read back equal).
    """

    __tablename__ = "cdms"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    conjunction_id: Mapped[int] = mapped_column(sa.ForeignKey("conjunctions.id"), unique=True)
    message_id: Mapped[str] = mapped_column(sa.String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    kvn: Mapped[str] = mapped_column(sa.Text)
    #: Lowercase hex SHA-256 of the UTF-8 KVN text; also the audit entry's content_sha256.
    kvn_sha256: Mapped[str] = mapped_column(sa.String(64))
