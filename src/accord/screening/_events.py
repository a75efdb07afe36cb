"""Grouping conjunctions into events across screenings, and the events' alert levels.

An event is one encounter of one pair of objects, whichever of them was screened as primary:
an all-vs-all screening makes the lower NORAD id primary, a one-vs-many screening (or an
operator's ephemeris) the screened object, and both find the same encounter. The event
keeps the order of the conjunction that opened it; each conjunction and CDM keeps its own.
A new conjunction joins the pair's event whose TCA is nearest to its own, when the two
TCAs are within the tolerance (`ACCORD_EVENT_TCA_TOLERANCE_S`, default 600 s): successive
screenings of the same encounter move the TCA by seconds as element sets are updated,
while two encounters of one pair are at least about half an orbit apart (45 minutes in
LEO). The event's TCA, miss, Pc and alert level are those of its latest CDM.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from accord.settings import Settings
from accord.store import AlertLevel, ScreeningRepository, StoredEvent

__all__ = ["AlertRules", "EventAssignment", "assign_events", "open_alerts"]


@dataclass(frozen=True, slots=True)
class AlertRules:
    """Thresholds that raise an event's alert level (docs/configuration.md).

    `pc_threshold`: Pc at or above it is `alert`; `miss_km`: a miss at or below it is at
    least `watch`.
    """

    pc_threshold: float = 1e-4
    miss_km: float = 1.0

    @classmethod
    def from_settings(cls, settings: Settings) -> AlertRules:
        """The rules configured by ACCORD_ALERT_PC_THRESHOLD and ACCORD_ALERT_MISS_KM."""
        return cls(pc_threshold=settings.alert_pc_threshold, miss_km=settings.alert_miss_km)

    def level(self, miss_km: float, pc: float | None) -> AlertLevel:
        """The alert level of an encounter with this miss (km) and Pc (None: unknown)."""
        if pc is not None and pc >= self.pc_threshold:
            return AlertLevel.ALERT
        if miss_km <= self.miss_km:
            return AlertLevel.WATCH
        return AlertLevel.NONE


@dataclass(slots=True)
class EventAssignment:
    """An event as this screening leaves it: existing (`event_id` set) or new (None)."""

    event_id: int | None
    primary_norad_id: int
    secondary_norad_id: int
    tca: datetime
    first_seen_at: datetime
    cdm_count: int
    latest_miss_km: float
    latest_pc: float | None
    latest_pc_method: str | None
    alert_level: AlertLevel
    #: Indices (into the screening's conjunctions) that joined the event in this screening.
    members: list[int] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Encounter:
    primary_norad_id: int
    secondary_norad_id: int
    tca: datetime
    miss_km: float
    pc: float | None
    pc_method: str | None


def _pair_key(first_norad_id: int, second_norad_id: int) -> tuple[int, int]:
    """The unordered pair: (A, B) and (B, A) are one pair of objects."""
    return (min(first_norad_id, second_norad_id), max(first_norad_id, second_norad_id))


def assign_events(
    encounters: Sequence[tuple[int, int, datetime, float, float | None, str | None]],
    existing: Sequence[StoredEvent],
    *,
    seen_at: datetime,
    tolerance_s: float,
    rules: AlertRules,
) -> list[EventAssignment]:
    """Group this screening's encounters (primary, secondary, TCA, miss km, Pc, method).

    Encounters are taken in TCA order; each joins the nearest-TCA event of its pair (either
    order of the two objects) within
    `tolerance_s` (an existing one, or one created earlier in this screening), else starts
    a new event. Returns every touched or created event; `members` index `encounters`.
    """
    by_pair: dict[tuple[int, int], list[EventAssignment]] = {}
    for stored in existing:
        pair = _pair_key(stored.primary_norad_id, stored.secondary_norad_id)
        by_pair.setdefault(pair, []).append(
            EventAssignment(
                event_id=stored.event_id,
                primary_norad_id=stored.primary_norad_id,
                secondary_norad_id=stored.secondary_norad_id,
                tca=stored.tca,
                first_seen_at=stored.first_seen_at,
                cdm_count=stored.cdm_count,
                latest_miss_km=stored.latest_miss_km,
                latest_pc=stored.latest_pc,
                latest_pc_method=stored.latest_pc_method,
                alert_level=stored.alert_level,
            )
        )
    touched: dict[int, EventAssignment] = {}
    order = sorted(range(len(encounters)), key=lambda k: (encounters[k][2], k))
    for k in order:
        encounter = _Encounter(*encounters[k])
        candidates = by_pair.setdefault(
            _pair_key(encounter.primary_norad_id, encounter.secondary_norad_id), []
        )
        nearest = min(
            candidates,
            key=lambda e: abs((e.tca - encounter.tca).total_seconds()),
            default=None,
        )
        if nearest is None or abs((nearest.tca - encounter.tca).total_seconds()) > tolerance_s:
            nearest = EventAssignment(
                event_id=None,
                primary_norad_id=encounter.primary_norad_id,
                secondary_norad_id=encounter.secondary_norad_id,
                tca=encounter.tca,
                first_seen_at=seen_at,
                cdm_count=0,
                latest_miss_km=encounter.miss_km,
                latest_pc=encounter.pc,
                latest_pc_method=encounter.pc_method,
                alert_level=AlertLevel.NONE,
            )
            candidates.append(nearest)
        nearest.tca = encounter.tca
        nearest.cdm_count += 1
        nearest.latest_miss_km = encounter.miss_km
        nearest.latest_pc = encounter.pc
        nearest.latest_pc_method = encounter.pc_method
        nearest.alert_level = rules.level(encounter.miss_km, encounter.pc)
        nearest.members.append(k)
        touched[id(nearest)] = nearest
    return list(touched.values())


def open_alerts(session: Session, *, now: datetime) -> list[StoredEvent]:
    """Events at `alert` or `watch` level whose TCA is not past: alerts first, then by TCA.

    The coordination workflow consumes these. `now` is an aware UTC datetime.
    """
    return ScreeningRepository(session).events(
        tca_after=now, alert_levels=(AlertLevel.ALERT, AlertLevel.WATCH)
    )
