"""Access to stored screenings, conjunctions, CDMs and conjunction events.

Rows in, read models out; the grouping of conjunctions into events and the alert rules live
in `accord.screening`, which calls this repository inside its one write transaction.
Inserts are bulk (`INSERT ... RETURNING id` over many rows), never one ORM object per row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from accord.store._screening_models import (
    AlertLevel,
    CdmRow,
    ConjunctionEventRow,
    ConjunctionRow,
    ScreeningRow,
    ScreeningStatus,
)

__all__ = [
    "ScreeningRecord",
    "ScreeningRepository",
    "StoredCdm",
    "StoredConjunction",
    "StoredEvent",
]

_ALERT_RANK = {AlertLevel.ALERT.value: 0, AlertLevel.WATCH.value: 1, AlertLevel.NONE.value: 2}


@dataclass(frozen=True, slots=True)
class ScreeningRecord:
    """A stored screening: parameters (UTC, km, s), catalog snapshot, status and counts."""

    screening_id: int
    status: ScreeningStatus
    started_at: datetime
    finished_at: datetime | None
    span_start: datetime
    duration_s: float
    threshold_km: float
    volume_km: tuple[float, float, float] | None
    step_s: float
    hard_body_radius_m: float
    pc_method: str
    catalog_batch_id: int | None
    source_name: str | None
    object_count: int
    candidate_count: int
    conjunction_count: int
    co_location_count: int
    failure_count: int
    #: Who asked for it: the partner's store id and the principal's name (None: unrecorded).
    submitter_partner_id: int | None = None
    submitter_name: str | None = None


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """A conjunction event: the pair, the latest TCA, miss and Pc, and the alert level."""

    event_id: int
    primary_norad_id: int
    secondary_norad_id: int
    tca: datetime
    first_seen_at: datetime
    last_seen_at: datetime
    last_screening_id: int
    cdm_count: int
    latest_miss_km: float
    latest_pc: float | None
    latest_pc_method: str | None
    alert_level: AlertLevel


@dataclass(frozen=True, slots=True)
class StoredConjunction:
    """A stored conjunction with its CDM's id and message id (the event's history entries)."""

    conjunction_id: int
    screening_id: int
    event_id: int
    primary_norad_id: int
    secondary_norad_id: int
    tca: datetime
    miss_km: float
    relative_speed_km_s: float
    miss_rtn_km: tuple[float, float, float]
    collision_probability: float | None
    pc_method: str | None
    cdm_id: int
    message_id: str
    cdm_created_at: datetime


@dataclass(frozen=True, slots=True)
class StoredCdm:
    """A stored CDM: the KVN text as issued and its SHA-256."""

    cdm_id: int
    conjunction_id: int
    message_id: str
    created_at: datetime
    kvn: str
    kvn_sha256: str


def _screening(row: ScreeningRow) -> ScreeningRecord:
    volume = None
    if row.volume_radial_km is not None:
        volume = (
            row.volume_radial_km,
            row.volume_in_track_km or 0.0,
            row.volume_cross_track_km or 0.0,
        )
    return ScreeningRecord(
        screening_id=row.id,
        status=ScreeningStatus(row.status),
        started_at=row.started_at,
        finished_at=row.finished_at,
        span_start=row.span_start,
        duration_s=row.duration_s,
        threshold_km=row.threshold_km,
        volume_km=volume,
        step_s=row.step_s,
        hard_body_radius_m=row.hard_body_radius_m,
        pc_method=row.pc_method,
        catalog_batch_id=row.catalog_batch_id,
        source_name=row.source_name,
        object_count=row.object_count,
        candidate_count=row.candidate_count,
        conjunction_count=row.conjunction_count,
        co_location_count=row.co_location_count,
        failure_count=row.failure_count,
        submitter_partner_id=row.submitter_partner_id,
        submitter_name=row.submitter_name,
    )


def _event(row: ConjunctionEventRow) -> StoredEvent:
    return StoredEvent(
        event_id=row.id,
        primary_norad_id=row.primary_norad_id,
        secondary_norad_id=row.secondary_norad_id,
        tca=row.tca,
        first_seen_at=row.first_seen_at,
        last_seen_at=row.last_seen_at,
        last_screening_id=row.last_screening_id,
        cdm_count=row.cdm_count,
        latest_miss_km=row.latest_miss_km,
        latest_pc=row.latest_pc,
        latest_pc_method=row.latest_pc_method,
        alert_level=AlertLevel(row.alert_level),
    )


class ScreeningRepository:
    """Screenings, conjunctions, CDMs and events, inside the caller's session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # --- writes ---------------------------------------------------------------------------

    def add_screening(self, **columns: Any) -> int:
        """Insert one screening row (columns of `ScreeningRow`); return its id."""
        row = ScreeningRow(**columns)
        self.session.add(row)
        self.session.flush()
        return row.id

    def _insert_returning_ids(
        self, model: type[Any], rows: Sequence[Mapping[str, Any]]
    ) -> list[int]:
        if not rows:
            return []
        statement = sa.insert(model).returning(model.id, sort_by_parameter_order=True)
        return list(self.session.scalars(statement, [dict(row) for row in rows]))

    def add_events(self, rows: Sequence[Mapping[str, Any]]) -> list[int]:
        """Insert events (columns of `ConjunctionEventRow`); ids in the order given."""
        return self._insert_returning_ids(ConjunctionEventRow, rows)

    def update_events(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Update events by primary key: each mapping has `id` and the columns to set."""
        if rows:
            self.session.execute(sa.update(ConjunctionEventRow), [dict(row) for row in rows])

    def add_conjunctions(self, rows: Sequence[Mapping[str, Any]]) -> list[int]:
        """Insert conjunctions (columns of `ConjunctionRow`); ids in the order given."""
        return self._insert_returning_ids(ConjunctionRow, rows)

    def add_cdms(self, rows: Sequence[Mapping[str, Any]]) -> list[int]:
        """Insert CDMs (columns of `CdmRow`); ids in the order given."""
        return self._insert_returning_ids(CdmRow, rows)

    # --- reads ----------------------------------------------------------------------------

    def screening(self, screening_id: int) -> ScreeningRecord | None:
        """One screening, or None."""
        row = self.session.get(ScreeningRow, screening_id)
        return None if row is None else _screening(row)

    def screenings(self, *, limit: int = 50) -> list[ScreeningRecord]:
        """The latest screenings, newest first."""
        query = sa.select(ScreeningRow).order_by(ScreeningRow.id.desc()).limit(limit)
        return [_screening(row) for row in self.session.scalars(query)]

    def events_with_tca_between(self, earliest: datetime, latest: datetime) -> list[StoredEvent]:
        """Events whose TCA lies in [earliest, latest] (candidates for grouping)."""
        query = sa.select(ConjunctionEventRow).where(
            ConjunctionEventRow.tca >= earliest, ConjunctionEventRow.tca <= latest
        )
        return [_event(row) for row in self.session.scalars(query)]

    def event(self, event_id: int) -> StoredEvent | None:
        """One event, or None."""
        row = self.session.get(ConjunctionEventRow, event_id)
        return None if row is None else _event(row)

    def events(
        self,
        *,
        tca_after: datetime | None = None,
        alert_levels: Sequence[AlertLevel] | None = None,
        limit: int | None = None,
    ) -> list[StoredEvent]:
        """Events (TCA after `tca_after`, at the given levels), alerts first, then by TCA."""
        query = sa.select(ConjunctionEventRow)
        if tca_after is not None:
            query = query.where(ConjunctionEventRow.tca >= tca_after)
        if alert_levels is not None:
            query = query.where(
                ConjunctionEventRow.alert_level.in_([a.value for a in alert_levels])
            )
        events = [_event(row) for row in self.session.scalars(query)]
        events.sort(key=lambda e: (_ALERT_RANK[e.alert_level.value], e.tca, e.event_id))
        return events if limit is None else events[:limit]

    def _conjunctions(self, condition: sa.ColumnElement[bool]) -> list[StoredConjunction]:
        query = (
            sa.select(ConjunctionRow, CdmRow.id, CdmRow.message_id, CdmRow.created_at)
            .join(CdmRow, CdmRow.conjunction_id == ConjunctionRow.id)
            .where(condition)
            .order_by(CdmRow.created_at, ConjunctionRow.id)
        )
        return [
            StoredConjunction(
                conjunction_id=c.id,
                screening_id=c.screening_id,
                event_id=c.event_id,
                primary_norad_id=c.primary_norad_id,
                secondary_norad_id=c.secondary_norad_id,
                tca=c.tca,
                miss_km=c.miss_km,
                relative_speed_km_s=c.relative_speed_km_s,
                miss_rtn_km=(c.miss_radial_km, c.miss_in_track_km, c.miss_cross_track_km),
                collision_probability=c.collision_probability,
                pc_method=c.pc_method,
                cdm_id=cdm_id,
                message_id=message_id,
                cdm_created_at=created_at,
            )
            for c, cdm_id, message_id, created_at in self.session.execute(query)
        ]

    def event_history(self, event_id: int) -> list[StoredConjunction]:
        """The event's conjunctions and CDMs, oldest CDM first (its Pc and miss history)."""
        return self._conjunctions(ConjunctionRow.event_id == event_id)

    def screening_conjunctions(self, screening_id: int) -> list[StoredConjunction]:
        """The conjunctions one screening found, with their CDMs."""
        return self._conjunctions(ConjunctionRow.screening_id == screening_id)

    def conjunctions(
        self,
        *,
        conjunction_ids: Sequence[int] | None = None,
        screening_ids: Sequence[int] | None = None,
        event_ids: Sequence[int] | None = None,
        norad_ids: Sequence[int] | None = None,
        tca_from: datetime | None = None,
        tca_to: datetime | None = None,
    ) -> list[StoredConjunction]:
        """Conjunctions with their CDMs, oldest CDM first, narrowed by every filter given.

        `norad_ids` keeps a conjunction when either object is among them; the TCA window is
        inclusive (UTC). No filter: every stored conjunction.
        """
        conditions: list[sa.ColumnElement[bool]] = []
        if conjunction_ids is not None:
            conditions.append(ConjunctionRow.id.in_(list(conjunction_ids)))
        if screening_ids is not None:
            conditions.append(ConjunctionRow.screening_id.in_(list(screening_ids)))
        if event_ids is not None:
            conditions.append(ConjunctionRow.event_id.in_(list(event_ids)))
        if norad_ids is not None:
            wanted = list(norad_ids)
            conditions.append(
                sa.or_(
                    ConjunctionRow.primary_norad_id.in_(wanted),
                    ConjunctionRow.secondary_norad_id.in_(wanted),
                )
            )
        if tca_from is not None:
            conditions.append(ConjunctionRow.tca >= tca_from)
        if tca_to is not None:
            conditions.append(ConjunctionRow.tca <= tca_to)
        return self._conjunctions(sa.and_(sa.true(), *conditions))

    def cdm(self, cdm_id: int) -> StoredCdm | None:
        """One CDM by id, or None."""
        row = self.session.get(CdmRow, cdm_id)
        return None if row is None else _cdm(row)

    def cdm_by_message_id(self, message_id: str) -> StoredCdm | None:
        """One CDM by its MESSAGE_ID, or None."""
        row = self.session.scalars(sa.select(CdmRow).where(CdmRow.message_id == message_id)).first()
        return None if row is None else _cdm(row)

    def counts(self) -> dict[str, int]:
        """Row counts of the four tables (for reports and for checking rollbacks)."""
        return {
            model.__tablename__: int(
                self.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()
            )
            for model in (ScreeningRow, ConjunctionRow, CdmRow, ConjunctionEventRow)
        }


def _cdm(row: CdmRow) -> StoredCdm:
    return StoredCdm(
        cdm_id=row.id,
        conjunction_id=row.conjunction_id,
        message_id=row.message_id,
        created_at=row.created_at,
        kvn=row.kvn,
        kvn_sha256=row.kvn_sha256,
    )
