"""What the console's pages show, gathered through the authorisation point (`accord.access`).

Every catalog read goes through `visible_catalog`, `visible_catalog_summary` or
`get_visible_object` (and `record_catalog_release` for what leaves), so a partner sees in
the console exactly what the API gives it. Units are in names (km, deg, rev/day), times UTC.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
from sqlalchemy.orm import Session

from accord.access import (
    CatalogItem,
    Principal,
    get_visible_object,
    visible_cases,
    visible_catalog,
    visible_catalog_summary,
    visible_compliance_reports,
    visible_history,
)
from accord.audit import AuditLog, SignedCheckpoint
from accord.coordination_ops import list_cases
from accord.formats import ElementSet
from accord.orbits import Sgp4Propagator, itrs_to_geodetic, teme_to_itrs
from accord.store import (
    AssetRepository,
    ClaimStatus,
    ComplianceReportRow,
    PartnerRepository,
    ScreeningRecord,
    ScreeningRepository,
    StoredEvent,
)

__all__ = [
    "CATALOG_PAGE_SIZE",
    "HISTORY_LIMIT",
    "CaseDeadline",
    "CatalogSearchPage",
    "CommitmentStatus",
    "Dashboard",
    "ObjectDetail",
    "catalog_search",
    "dashboard",
    "ground_track",
    "my_compliance",
    "my_open_cases",
    "time_left",
    "object_detail",
    "orbit_altitudes_km",
]

#: Rows per catalog page (the server paginates; the browser never holds the catalog).
CATALOG_PAGE_SIZE = 50
#: Element sets of an object's history shown (the API's default `history_limit`).
HISTORY_LIMIT = 100
#: Ground track: this many orbital periods from the element set's epoch, in this many points.
GROUND_TRACK_ORBITS = 2.0
GROUND_TRACK_POINTS = 361
#: Earth's gravitational parameter and equatorial radius of WGS72, as SGP4 uses them.
_MU_KM3_S2 = 398600.8
_EARTH_RADIUS_KM = 6378.135


@dataclass(frozen=True, slots=True)
class CaseDeadline:
    """An open coordination case the partner is a party to, and its next deadline (UTC)."""

    case_id: str
    state: str
    parties: tuple[str, ...]
    primary_norad_id: int
    secondary_norad_id: int
    tca: datetime
    next_deadline: datetime | None
    awaiting_me: bool
    #: The next deadline as time left ("5 h 12 min left", "overdue by 3 min").
    left: str
    overdue: bool


@dataclass(frozen=True, slots=True)
class CommitmentStatus:
    """The latest verdict of one commitment of an agreement the partner signs.

    `measured` and `threshold` are in the metric's unit (its name's suffix: `_h` hours,
    `_per_month`); `measured` is None when not applicable (`reason` says why).
    """

    agreement_id: str
    party: str
    clause_id: str
    metric: str
    verdict: str
    measured: float | None
    comparison: str | None
    threshold: float | None
    reason: str | None
    evaluated_at: datetime


@dataclass(frozen=True, slots=True)
class Dashboard:
    """The signed-in partner's overview: its catalog view, screening, events, coordination
    cases and compliance, checkpoint."""

    visible_objects: int
    synthetic_objects: int
    newest_epoch: datetime | None
    my_objects: int
    last_screening: ScreeningRecord | None
    open_events: list[StoredEvent]
    checkpoint: SignedCheckpoint | None
    open_cases: list[CaseDeadline]
    compliance: list[CommitmentStatus]


@dataclass(frozen=True, slots=True)
class CatalogSearchPage:
    """One page of visible objects matching `query` (None: the whole visible catalog)."""

    query: str | None
    items: list[CatalogItem]
    total: int
    offset: int
    limit: int

    @property
    def first(self) -> int:
        """1-based number of the first row shown (0 when there is none)."""
        return self.offset + 1 if self.items else 0

    @property
    def last(self) -> int:
        """1-based number of the last row shown."""
        return self.offset + len(self.items)


@dataclass(frozen=True, slots=True)
class ObjectDetail:
    """One visible object: its current release, visible history and a ground track."""

    current: CatalogItem
    history: list[CatalogItem]
    owner_name: str | None
    ground_track: dict[str, list[float | None]] | None


def dashboard(session: Session, principal: Principal, *, at: datetime | None = None) -> Dashboard:
    """The dashboard's figures, only over what `principal` may see.

    Counts and the newest epoch are aggregates (`visible_catalog_summary`, in SQL for all
    but conditionally granted rows): nothing is released, so nothing is logged.
    """
    now = at or datetime.now(UTC)
    visible = visible_catalog_summary(session, principal, at=now)
    partner = PartnerRepository(session).get(principal.partner_id)
    mine = {
        claim.norad_id
        for claim in AssetRepository(session).claims_of(partner)
        if claim.status != ClaimStatus.WITHDRAWN.value
    }
    events = [
        event
        for event in ScreeningRepository(session).events(tca_after=now)
        if event.primary_norad_id in mine or event.secondary_norad_id in mine
    ]
    screenings = ScreeningRepository(session).screenings(limit=1)
    return Dashboard(
        visible_objects=visible.objects,
        synthetic_objects=visible.synthetic_objects,
        newest_epoch=visible.newest_epoch,
        my_objects=len(mine),
        last_screening=screenings[0] if screenings else None,
        open_events=events[:20],
        checkpoint=AuditLog(session).latest_checkpoint(),
        open_cases=my_open_cases(session, principal, now=now),
        compliance=my_compliance(session, principal, at=now),
    )


def time_left(deadline: datetime | None, now: datetime) -> tuple[str, bool]:
    """`deadline` as time left from `now` ("5 h 12 min left") and whether it has passed."""
    if deadline is None:
        return "no deadline", False
    seconds = (deadline - now).total_seconds()
    minutes = int(abs(seconds) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        span = f"{days} d {hours} h"
    elif hours:
        span = f"{hours} h {mins} min"
    else:
        span = f"{mins} min"
    return (f"overdue by {span}", True) if seconds < 0 else (f"{span} left", False)


def my_open_cases(session: Session, principal: Principal, *, now: datetime) -> list[CaseDeadline]:
    """Open coordination cases the principal's partner is a party to, next deadline first.

    The authorisation point decides which cases it sees (`visible_cases`); of those, the
    dashboard keeps the ones it is a party to (the ones it has to answer), which narrows
    what it may see and never widens it.
    """
    partner = principal.partner
    visible = visible_cases(session, principal, list_cases(session, open_only=True), at=now)
    found = [
        CaseDeadline(
            case.id,
            case.state.value,
            case.parties,
            case.encounter.primary.norad_id,
            case.encounter.secondary.norad_id,
            case.trigger.tca,
            case.next_deadline,
            partner in case.awaiting,
            *time_left(case.next_deadline, now),
        )
        for case in visible
        if partner in case.parties
    ]
    return sorted(found, key=lambda c: (c.next_deadline or c.tca, c.case_id))


def my_compliance(
    session: Session, principal: Principal, *, at: datetime | None = None
) -> list[CommitmentStatus]:
    """The latest stored compliance verdict of every commitment the principal may see (its
    partner's and those owed to it), as `GET /api/v1/compliance/reports` lists them: the
    authorisation point decides (`visible_compliance_reports`)."""
    rows = visible_compliance_reports(session, principal, at=at)
    latest: dict[tuple[str, str], ComplianceReportRow] = {}
    for row in rows:
        latest.setdefault((row.agreement_id, row.partner), row)
    statuses = []
    for (agreement_id, party), row in sorted(latest.items()):
        for clause_id, figures in sorted(row.figures.get("commitments", {}).items()):
            statuses.append(
                CommitmentStatus(
                    agreement_id,
                    party,
                    clause_id,
                    str(figures.get("metric")),
                    str(figures.get("verdict")),
                    figures.get("measured"),
                    figures.get("comparison"),
                    figures.get("threshold"),
                    figures.get("reason"),
                    row.evaluated_at,
                )
            )
    return statuses


def catalog_search(
    session: Session,
    principal: Principal,
    query: str | None,
    *,
    offset: int = 0,
    limit: int = CATALOG_PAGE_SIZE,
    at: datetime | None = None,
) -> CatalogSearchPage:
    """A page of the visible catalog, optionally narrowed to a NORAD id, name or COSPAR id.

    The authorisation point pages and counts it (`visible_catalog`, which pushes what it can
    into SQL) and logs only the page shown as released.
    """
    now = at or datetime.now(UTC)
    needle = (query or "").strip() or None
    page = visible_catalog(session, principal, offset=offset, limit=limit, search=needle, at=now)
    return CatalogSearchPage(needle, page.items, page.total, offset, limit)


def object_detail(
    session: Session, principal: Principal, norad_id: int, *, at: datetime | None = None
) -> ObjectDetail:
    """One object as `principal` may see it; raises `accord.access.NotFoundError` (404)."""
    now = at or datetime.now(UTC)
    current = get_visible_object(session, principal, norad_id, at=now, record_release=False)
    # The same history the API's object detail gives (newest first, current included); all
    # of it leaves in the page, so all of it is logged as released.
    history = visible_history(session, principal, norad_id, limit=HISTORY_LIMIT, at=now)
    owner_name = None
    if current.owner is not None:
        owner = PartnerRepository(session).find_by_handle(current.owner)
        owner_name = owner.name if owner is not None else None
    track = ground_track(current.element_set) if current.element_set is not None else None
    return ObjectDetail(current, history, owner_name, track)


def orbit_altitudes_km(element_set: ElementSet) -> tuple[float, float]:
    """Perigee and apogee altitude above the WGS72 equatorial radius, km (Keplerian)."""
    mean_motion_rad_s = element_set.mean_motion_rev_per_day * 2.0 * math.pi / 86400.0
    semi_major_axis_km = (_MU_KM3_S2 / mean_motion_rad_s**2) ** (1.0 / 3.0)
    return (
        semi_major_axis_km * (1.0 - element_set.eccentricity) - _EARTH_RADIUS_KM,
        semi_major_axis_km * (1.0 + element_set.eccentricity) - _EARTH_RADIUS_KM,
    )


def ground_track(element_set: ElementSet) -> dict[str, list[float | None]] | None:
    """Sub-satellite points (WGS84 latitude and longitude, degrees) over two orbits from
    the element set's epoch, SGP4 then TEME -> ITRS; None points where SGP4 fails."""
    period_s = 86400.0 / element_set.mean_motion_rev_per_day
    offsets_s = np.linspace(0.0, GROUND_TRACK_ORBITS * period_s, GROUND_TRACK_POINTS)
    times = [element_set.epoch + timedelta(seconds=float(s)) for s in offsets_s]
    # python-sgp4 for one object: no JIT compilation on a page request.
    states = Sgp4Propagator([element_set], engine="python-sgp4").propagate(times)
    points = itrs_to_geodetic(teme_to_itrs(states))
    latitude = points.latitude_deg[0]
    longitude = points.longitude_deg[0]
    if np.all(np.isnan(latitude)):
        return None
    return {
        "latitude_deg": _finite_or_none(latitude),
        "longitude_deg": _finite_or_none(longitude),
    }


def _finite_or_none(values: Sequence[float] | np.ndarray) -> list[float | None]:
    return [round(float(v), 4) if math.isfinite(v) else None for v in values]
