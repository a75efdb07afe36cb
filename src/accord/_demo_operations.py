"""What the demo coalition does once it exists: a screening, a coordination case with a
shared manoeuvre plan, a pooled Earth-observation campaign, and a compliance evaluation.

Seeded after the coalition (`accord._demo_members`) so that every console page has
something to show on first start. Each step goes through the workflow the API, the CLI or
the scheduler uses (`accord.screening.run_screening`, `accord.coordination_ops`,
`accord.campaign_ops`), so the audit log tells the story, and each is skipped when what it
makes already exists: seeding again adds nothing.

Deterministic: times are offsets from the seeding time, and so that there is always an
event between two different demo partners (whatever the catalog: generated or CelesTrak's),
Borealis registers a SYNTHETIC satellite of its own placed on an orbit that crosses one of
Aurora's satellites `CROSSING_LEAD` after seeding, `CROSSING_MISS_KM` apart (radially).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import numpy as np
import sqlalchemy as sa
from numpy.typing import NDArray
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from accord._demo_members import DEMO_AGREEMENT_ID
from accord.access import (
    AgreementRepository,
    Principal,
    claim_satellite,
    principal_for_partner,
    propose_agreement,
    sign_agreement,
)
from accord.agreements import PartyRole, PrincipalRole, parse_agreement
from accord.campaign_ops import (
    DEFAULT_POOL,
    add_pool_satellite,
    commit_share,
    committed_shares,
    plan_campaign,
    submit_request,
    validate_request,
)
from accord.campaigns import EoSensor
from accord.catalog import import_element_sets
from accord.coordination_ops import (
    case_id_for,
    get_case,
    open_cases_from_alerts,
    plan_manoeuvre,
    run_compliance,
    share_plan,
)
from accord.formats import ElementSet
from accord.orbits import SYNTHETIC_NORAD_ID_BASE, satrec_from_element_set
from accord.screening import Submitter, run_screening
from accord.store import (
    AssetRepository,
    CampaignRequestRow,
    CatalogRepository,
    ComplianceReportRow,
    ManoeuvrePlanRow,
    Partner,
    PartnerRepository,
    PlanRequestRow,
    PoolSatelliteRow,
    ScreeningRecord,
    ScreeningRepository,
    SourceKind,
    transaction,
)

__all__ = [
    "CROSSING_LEAD",
    "CROSSING_MISS_KM",
    "DEMO_CROSSING_NORAD_ID",
    "DEMO_POOL_AGREEMENT_ID",
    "DEMO_REQUEST_AREA",
    "DEMO_SCREENING_SOURCE",
    "DemoOperations",
    "seed_operations",
]

_log = logging.getLogger(__name__)

#: NORAD id of Borealis's synthetic crossing satellite: in the synthetic range, far above
#: any generated population (which numbers from `SYNTHETIC_NORAD_ID_BASE` up).
DEMO_CROSSING_NORAD_ID = SYNTHETIC_NORAD_ID_BASE + 99_999_001
#: When the crossing happens, after the seeding time: inside the screening span, and late
#: enough that the case stays open (its deadlines ahead) for most of a day.
CROSSING_LEAD = timedelta(hours=20)
#: Radial miss of the crossing (km): Pc ~1e-3 with the 20 m hard-body radius, an alert.
CROSSING_MISS_KM = 0.15
#: Claimed satellites of each member the demo screening takes as primaries (a small subset:
#: each primary's alerts open a case, and a case costs a compiled rule book).
_SCREENED_PER_MEMBER = 3
#: Screening span from the seeding time, and its threshold (km, the platform's default).
SCREENING_SPAN = timedelta(days=1)
SCREENING_THRESHOLD_KM = 5.0
#: Radial margin of the perigee/apogee prefilter (km): SGP4's short-period terms move an
#: LEO object's radius by up to ~10 km from the mean-element value.
_RADIAL_MARGIN_KM = 25.0
#: `source_name` of the demo screening (how seeding again recognises it).
DEMO_SCREENING_SOURCE = (
    "demo: the coalition's claimed satellites against the catalog objects in reach"
)
#: The second demo agreement: who shares the Earth-observation pool, and how much.
DEMO_POOL_AGREEMENT_ID = "demo-eo-pool"
_POOL_SHARES = {"cygnus": 0.5, "aurora": 0.3, "borealis": 0.2}
#: Satellites each pool member offers, and the sensor it pretends they carry.
_POOLED_PER_MEMBER = 2
_SENSORS = {
    "cygnus": EoSensor("optical", max_off_nadir_deg=30.0, swath_km=20.0, resolution_m=0.8),
    "aurora": EoSensor("sar", max_off_nadir_deg=35.0, swath_km=40.0, resolution_m=3.0),
    "borealis": EoSensor("optical", max_off_nadir_deg=25.0, swath_km=15.0, resolution_m=1.5),
}
#: The demo request: a real city (Lisbon, 38.72 N, 9.14 W), 25 km around its centre.
DEMO_REQUEST_AREA = "Lisbon (demo flood-mapping request)"
_LISBON = {
    "type": "Feature",
    "geometry": {"type": "Point", "coordinates": [-9.14, 38.72]},
    "properties": {"name": DEMO_REQUEST_AREA, "radius_km": 25.0},
}
_REQUEST_WINDOW = (timedelta(hours=1), timedelta(hours=25))
_REQUEST_DEADLINE = timedelta(hours=30)
#: The hypothetical plan: a small along-track burn two orbits before the TCA.
_PLAN_DELTA_V_RTN_M_S = (0.0, 0.1, 0.0)
_PLAN_BURN_ORBITS_BEFORE = 2.0

_MU_KM3_S2 = 398600.4418  # WGS-72, as SGP4
FloatArray = NDArray[np.float64]
_CROSSING_ANGLE_DEG = 40.0
_ALTITUDE_OFFSET_KM = 25.0  # secondary's semi-major axis above the crossing radius
_CROSSING_BSTAR = 1e-4  # 1/Earth radii, a typical LEO payload's


@dataclass(frozen=True, slots=True)
class DemoOperations:
    """What `seed_operations` found or made (ids in the store)."""

    screening_id: int
    event_id: int
    case_id: str
    plan_id: int
    request_id: int
    campaign_plan_id: int | None
    compliance_reports: int


def _partners(session: Session) -> dict[str, Partner]:
    return {p.handle: p for p in PartnerRepository(session).all() if p.handle}


def _operator(partner: Partner) -> Principal:
    return principal_for_partner(partner, [PrincipalRole.OPERATOR], name="demo")


# --- the crossing satellite -----------------------------------------------------------------


def _state_km(
    element_set: ElementSet, at: datetime
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """SGP4's TEME position (km) and velocity (km/s) of `element_set` at `at` (python-sgp4:
    one object at one time, where heyoka's compiled propagator would cost more to build)."""
    satrec = satrec_from_element_set(element_set)
    jd = at.timestamp() / 86_400.0 + 2_440_587.5
    whole = math.floor(jd)
    error, position, velocity = satrec.sgp4(whole, jd - whole)
    if error:
        raise ValueError(f"SGP4 error {error} for object {element_set.norad_id} at {at}")
    return np.asarray(position, dtype=float), np.asarray(velocity, dtype=float)


def _position_km(element_set: ElementSet, at: datetime) -> NDArray[np.float64]:
    return _state_km(element_set, at)[0]


def crossing_element_set(
    primary: ElementSet, tca: datetime, *, norad_id: int, epoch: datetime
) -> ElementSet:
    """A SYNTHETIC element set whose SGP4 position at `tca` is `CROSSING_MISS_KM` above
    `primary`'s (radially), on a plane tilted `_CROSSING_ANGLE_DEG` about the primary's
    position, with perigee there and a semi-major axis `_ALTITUDE_OFFSET_KM` higher.

    Different periods keep the two apart on later revolutions (a few hundred km a lap).
    The element set's epoch is `epoch` (the primary's may be months old). The first guess
    is geometric (Kepler's third law, SGP4's secular rates back to `epoch`); Gauss-Newton
    on mean anomaly, node, inclination and mean motion then matches SGP4's position at
    `tca` to within 1 m.
    """
    position, velocity = _state_km(primary, tca)
    radial = position / np.linalg.norm(position)
    target = position + CROSSING_MISS_KM * radial
    # Tilt the orbit normal about the radial direction (Rodrigues' rotation).
    normal = np.cross(position, velocity)
    normal /= np.linalg.norm(normal)
    angle = math.radians(_CROSSING_ANGLE_DEG)
    tilted = normal * math.cos(angle) + np.cross(radial, normal) * math.sin(angle)
    inclination = math.degrees(math.acos(tilted[2]))
    raan = math.degrees(math.atan2(tilted[0], -tilted[1])) % 360.0
    node = np.array([math.cos(math.radians(raan)), math.sin(math.radians(raan)), 0.0])
    latitude_arg = math.degrees(
        math.atan2(float(np.dot(np.cross(node, radial), tilted)), float(np.dot(node, radial)))
    )
    radius_km = float(np.linalg.norm(target))
    a_km = radius_km + _ALTITUDE_OFFSET_KM
    mean_motion = math.sqrt(_MU_KM3_S2 / a_km**3) * 86_400.0 / (2.0 * math.pi)
    at_tca = replace(
        primary,
        norad_id=norad_id,
        epoch=tca,
        mean_motion_rev_per_day=mean_motion,
        eccentricity=_ALTITUDE_OFFSET_KM / a_km,
        inclination_deg=inclination,
        raan_deg=raan,
        arg_of_pericenter_deg=latitude_arg % 360.0,
        mean_anomaly_deg=0.0,
        bstar_per_earth_radius=_CROSSING_BSTAR,
        mean_motion_dot_rev_per_day2=0.0,
        mean_motion_ddot_rev_per_day3=0.0,
        object_name="SYNTHETIC BOREALIS-DEMO 1",
        object_id=f"SYN-{norad_id:09d}",
        tle_line1=None,
        tle_line2=None,
    )
    # Back to the primary's epoch along SGP4's secular rates (rad/min): J2 turns the node
    # and perigee by degrees a day, hundreds of km at the crossing if left out.
    rates = satrec_from_element_set(at_tca)
    back_min = (tca - epoch).total_seconds() / 60.0
    guess = replace(
        at_tca,
        epoch=epoch,
        mean_anomaly_deg=-math.degrees(rates.mdot * back_min),
        raan_deg=raan - math.degrees(rates.nodedot * back_min),
        arg_of_pericenter_deg=at_tca.arg_of_pericenter_deg - math.degrees(rates.argpdot * back_min),
    )
    fields = ("mean_anomaly_deg", "raan_deg", "inclination_deg", "mean_motion_rev_per_day")

    def moved(element_set: ElementSet, step: NDArray[np.float64]) -> ElementSet:
        changes = {f: getattr(element_set, f) + float(d) for f, d in zip(fields, step, strict=True)}
        return replace(element_set, **changes)

    for _ in range(50):
        residual = _position_km(guess, tca) - target
        if np.linalg.norm(residual) < 1e-3:
            break
        jacobian = np.column_stack(
            [
                (_position_km(moved(guess, 1e-5 * np.eye(4)[k]), tca) - target - residual) / 1e-5
                for k in range(4)
            ]
        )
        step: FloatArray = np.asarray(np.linalg.lstsq(jacobian, -residual, rcond=None)[0], float)
        step *= min(1.0, 1.0 / float(np.max(np.abs(step))))  # at most 1 degree a step
        guess = moved(guess, step)
    else:
        raise ValueError(f"could not place a crossing with object {primary.norad_id} at {tca}")
    return replace(
        guess, mean_anomaly_deg=guess.mean_anomaly_deg % 360.0, raan_deg=guess.raan_deg % 360.0
    )


def _place_crossing(session: Session, partners: dict[str, Partner], now: datetime) -> int:
    """Borealis submits and claims its synthetic satellite crossing Aurora's first one;
    returns Aurora's NORAD id (the event's other object)."""
    aurora_ids = sorted(c.norad_id for c in AssetRepository(session).claims_of(partners["aurora"]))
    if not aurora_ids:
        raise ValueError("demo: aurora claims no satellite; seed the coalition first")
    catalog = CatalogRepository(session)
    if catalog.current(DEMO_CROSSING_NORAD_ID) is None:
        primary = catalog.current(aurora_ids[0])
        assert primary is not None
        crossing = crossing_element_set(
            primary.element_set, now + CROSSING_LEAD, norad_id=DEMO_CROSSING_NORAD_ID, epoch=now
        )
        import_element_sets(
            session,
            [crossing],
            source_name="demo: Borealis's SYNTHETIC satellite on a crossing orbit",
            partner=partners["borealis"].name,
            source_kind=SourceKind.SYNTHETIC,
            submitted_at=now,
        )
    borealis_claims = AssetRepository(session).claims_of(partners["borealis"])
    if all(c.norad_id != DEMO_CROSSING_NORAD_ID for c in borealis_claims):
        claim_satellite(session, partners["borealis"], DEMO_CROSSING_NORAD_ID, at=now)
    return aurora_ids[0]


# --- screening, coordination ----------------------------------------------------------------


def _demo_screening(session: Session) -> ScreeningRecord | None:
    found = ScreeningRepository(session).screenings(limit=1000)
    return next((s for s in found if s.source_name == DEMO_SCREENING_SOURCE), None)


def _perigee_apogee_km(element_sets: list[ElementSet]) -> tuple[FloatArray, FloatArray]:
    """Perigee and apogee radii (km) from the mean elements (Kepler's third law, WGS-72)."""
    n_rad_s = np.array([es.mean_motion_rev_per_day for es in element_sets]) * 2 * np.pi / 86_400
    a_km = (_MU_KM3_S2 / n_rad_s**2) ** (1.0 / 3.0)
    eccentricity = np.array([es.eccentricity for es in element_sets])
    return a_km * (1.0 - eccentricity), a_km * (1.0 + eccentricity)


def _within_reach(primaries: list[ElementSet], catalog: list[ElementSet]) -> list[ElementSet]:
    """The catalog objects whose radius range overlaps a primary's, widened by the screening
    threshold and `_RADIAL_MARGIN_KM` (the perigee/apogee filter of Hoots, Crawford and
    Roehrich, 1984: two objects whose radii never overlap cannot come closer than the gap).

    It keeps the demo screening to a few seconds on the 10,000-object generated catalog
    (about 40 % of it survives at the claimed satellites' 550 km).
    """
    if not primaries or not catalog:
        return list(catalog)
    primary_low, primary_high = _perigee_apogee_km(primaries)
    low, high = _perigee_apogee_km(catalog)
    margin = SCREENING_THRESHOLD_KM + _RADIAL_MARGIN_KM
    overlaps = (low[:, None] - margin <= primary_high[None, :]) & (
        high[:, None] + margin >= primary_low[None, :]
    )
    kept = np.flatnonzero(overlaps.any(axis=1))
    return [catalog[int(k)] for k in kept]


def _screen(engine: Engine, primary_norad_ids: list[int], now: datetime) -> ScreeningRecord:
    """The demo screening: the claimed satellites against the catalog objects in reach."""
    with transaction(engine) as session:
        found = _demo_screening(session)
        catalog = (
            [] if found else [i.element_set for i in CatalogRepository(session).latest().items]
        )
    if found is not None:
        return found
    wanted = set(primary_norad_ids)
    primaries = [es for es in catalog if es.norad_id in wanted]
    return run_screening(
        engine,
        start=now,
        duration=SCREENING_SPAN,
        threshold_km=SCREENING_THRESHOLD_KM,
        element_sets=_within_reach(primaries, catalog),
        primary_norad_ids=primary_norad_ids,
        source_name=DEMO_SCREENING_SOURCE,
        submitter=Submitter(None, "accord demo"),
    )


def _crossing_event_id(session: Session, aurora_norad_id: int, screening_id: int) -> int:
    pair = {aurora_norad_id, DEMO_CROSSING_NORAD_ID}
    for conjunction in ScreeningRepository(session).screening_conjunctions(screening_id):
        if {conjunction.primary_norad_id, conjunction.secondary_norad_id} == pair:
            return conjunction.event_id
    raise ValueError(
        f"demo: the screening {screening_id} did not find the placed crossing of objects "
        f"{sorted(pair)}; the crossing geometry or the screening span is wrong"
    )


def _plan_and_share(session: Session, partners: dict[str, Partner], case_id: str) -> int:
    """The party the rules ask to act plans a small burn (hypothetical) and shares it."""
    existing = session.scalar(
        sa.select(ManoeuvrePlanRow.id)
        .where(ManoeuvrePlanRow.case_id == case_id)
        .order_by(ManoeuvrePlanRow.id)
    )
    if existing is not None:
        return existing
    case = get_case(session, case_id)
    proposal = case.proposal
    acting = [p for p in (proposal.acting_operators if proposal else ()) if p in case.parties]
    owner = acting[0] if acting else "borealis"
    side = next(
        s for s in (case.encounter.primary, case.encounter.secondary) if s.operator == owner
    )
    current = CatalogRepository(session).current(side.norad_id)
    assert current is not None
    period = timedelta(days=1.0 / current.element_set.mean_motion_rev_per_day)
    at = case.opened_at
    plan_id, _ = plan_manoeuvre(
        session,
        case_id,
        owner=owner,
        at=at,
        burn_at=case.trigger.tca - _PLAN_BURN_ORBITS_BEFORE * period,
        delta_v_rtn_m_s=_PLAN_DELTA_V_RTN_M_S,
    )
    share_plan(session, plan_id, principal=_operator(partners[owner]), at=at)
    return plan_id


# --- the Earth-observation pool -------------------------------------------------------------


def demo_pool_agreement_document(
    names: dict[str, str], effective_from: datetime
) -> dict[str, object]:
    """The demo pool agreement: Cygnus, Aurora and Borealis share an imaging pool 50/30/20,
    and Cygnus commits to at least 4 acquisition opportunities a month."""
    return {
        "format": "accord.agreement/v1",
        "id": DEMO_POOL_AGREEMENT_ID,
        "version": 1,
        "title": "Demo Earth-observation pool (fictional)",
        "description": "Seeded by `make run` to show a pooled campaign; not a real agreement.",
        "parties": [{"partner": handle, "name": names[handle]} for handle in _POOL_SHARES],
        "effective_from": effective_from.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "clauses": [
            {
                "id": "eo-imaging-shares",
                "allocation_shares": {"pools": {DEFAULT_POOL: _POOL_SHARES}},
            },
            {
                "id": "cygnus-acquisitions",
                "reciprocal_commitment": {
                    "party": "cygnus",
                    "metric": "acquisition_opportunities_per_month",
                    "comparison": "at_least",
                    "threshold": 4,
                    "period_days": 30,
                },
            },
        ],
    }


def _pool_agreement(session: Session, partners: dict[str, Partner], now: datetime) -> None:
    if AgreementRepository(session).find(DEMO_POOL_AGREEMENT_ID) is not None:
        return
    names = {handle: partners[handle].name for handle in _POOL_SHARES}
    document = parse_agreement(
        demo_pool_agreement_document(names, now - timedelta(days=1)),
        source="accord demo pool agreement",
    )
    propose_agreement(session, document, by=partners["cygnus"], at=now)
    for party in document.parties:
        if party.role is PartyRole.SIGNATORY:
            sign_agreement(session, DEMO_POOL_AGREEMENT_ID, by=partners[party.partner], at=now)


def _pool(session: Session, partners: dict[str, Partner], avoid: set[int], now: datetime) -> None:
    """Each member commits its share and offers two of its satellites (not the crossing's)."""
    shares = committed_shares(session, DEFAULT_POOL, now)
    pooled = set(session.scalars(sa.select(PoolSatelliteRow.norad_id)))
    assets = AssetRepository(session)
    for handle in _POOL_SHARES:
        operator = _operator(partners[handle])
        if handle not in shares:
            commit_share(session, operator, DEMO_POOL_AGREEMENT_ID, at=now)
        claimed = sorted(c.norad_id for c in assets.claims_of(partners[handle]))
        offered = [n for n in claimed if n not in avoid][:_POOLED_PER_MEMBER]
        for norad_id in offered:
            if norad_id not in pooled:
                add_pool_satellite(session, operator, norad_id, _SENSORS[handle], at=now)


def _campaign(
    session: Session, partners: dict[str, Partner], now: datetime
) -> tuple[int, int | None]:
    """Aurora asks for imagery of Lisbon; Cygnus's duty officer validates and plans it."""
    row = session.scalar(
        sa.select(CampaignRequestRow)
        .where(CampaignRequestRow.area_name == DEMO_REQUEST_AREA)
        .order_by(CampaignRequestRow.id)
    )
    duty = _operator(partners["cygnus"])
    if row is None:
        start, end = _REQUEST_WINDOW
        row = submit_request(
            session,
            _operator(partners["aurora"]),
            _LISBON,
            window_start=now + start,
            window_end=now + end,
            delivery_deadline=now + _REQUEST_DEADLINE,
            priority=2.0,
            area_name=DEMO_REQUEST_AREA,
            at=now,
        )
        validate_request(session, duty, row.id, at=now)
        plan_campaign(session, duty, at=now)
    plan_id = session.scalar(
        sa.select(sa.func.max(PlanRequestRow.plan_id)).where(PlanRequestRow.request_id == row.id)
    )
    return row.id, plan_id


# --- the whole story ------------------------------------------------------------------------


def seed_operations(engine: Engine, *, now: datetime) -> DemoOperations:
    """Seed the demo's operations over the coalition `seed_members` made (module notes).

    Several transactions, as the workflows run in a deployment: the crossing satellite, the
    screening (`run_screening`), the cases the scheduler opens from its alerts
    (`open_cases_from_alerts`), then the plan, the pool and campaign, and the compliance
    reports. Each step is skipped when what it makes exists. `now` is the seeding time (UTC).
    """
    with transaction(engine, write_lock=True) as session:
        partners = _partners(session)
        aurora_norad_id = _place_crossing(session, partners, now)
        assets = AssetRepository(session)
        primaries = [DEMO_CROSSING_NORAD_ID]
        for partner in partners.values():
            claimed = sorted(c.norad_id for c in assets.claims_of(partner))
            primaries += [n for n in claimed if n != DEMO_CROSSING_NORAD_ID][:_SCREENED_PER_MEMBER]
    screening = _screen(engine, primaries, now)
    with transaction(engine) as session:
        event_id = _crossing_event_id(session, aurora_norad_id, screening.screening_id)
    open_cases_from_alerts(engine, now=now)
    case_id = case_id_for(event_id)
    with transaction(engine, write_lock=True) as session:
        partners = _partners(session)
        plan_id = _plan_and_share(session, partners, case_id)
        _pool_agreement(session, partners, now)
        _pool(session, partners, {aurora_norad_id, DEMO_CROSSING_NORAD_ID}, now)
        request_id, campaign_plan_id = _campaign(session, partners, now)
        reported = session.scalar(
            sa.select(sa.func.count())
            .select_from(ComplianceReportRow)
            .where(ComplianceReportRow.agreement_id == DEMO_AGREEMENT_ID)
        )
        if not reported:
            run_compliance(session, now=now)
        reports = session.scalar(sa.select(sa.func.count()).select_from(ComplianceReportRow))
    outcome = DemoOperations(
        screening_id=screening.screening_id,
        event_id=event_id,
        case_id=case_id,
        plan_id=plan_id,
        request_id=request_id,
        campaign_plan_id=campaign_plan_id,
        compliance_reports=int(reports or 0),
    )
    _log.info("demo operations seeded: %s", outcome)
    return outcome
