"""A store with four conjunctions between owned and public objects, and a one-way agreement.

Partners esa, jaxa, nasa (members) and CelesTrak (data provider, so what it submits is
public). Each member submits the element sets of its own objects and claims them. Four
pairs of circular orbits (15.2 rev/day, inclinations 50 and 90 degrees) cross at their
ascending node within 16 minutes after `T0`, each pair at its own RAAN and phase, so a
one-hour screening around T0 finds exactly one conjunction per pair (miss about 4.24 km):

| pair | objects | owners |
|---|---|---|
| granted | 90001 / 90002 | esa / public |
| public | 90011 / 90012 | public / public |
| others | 90021 / 90022 | nasa / jaxa |
| embargoed | 90031 / 90032 | esa / public |

The agreement `esa-conjunctions-to-jaxa` (signed by both on `SIGNED`) grants jaxa esa's
conjunction data one way: for 90001 coarsened to 1 km with covariance withheld, for 90031
after a 24 h embargo. Nothing is granted to esa or nasa.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine

from accord.access import claim_satellite, propose_agreement, sign_agreement
from accord.agreements import load_agreement
from accord.catalog import import_element_sets
from accord.formats import ElementSet
from accord.screening import run_screening
from accord.store import PartnerKind, PartnerRepository, SourceKind, transaction

T0 = datetime(2026, 3, 1, tzinfo=UTC)
SIGNED = datetime(2026, 1, 1, tzinfo=UTC)
GRANTED_PAIR = (90001, 90002)
PUBLIC_PAIR = (90011, 90012)
OTHERS_PAIR = (90021, 90022)
EMBARGOED_PAIR = (90031, 90032)
PAIRS = (GRANTED_PAIR, PUBLIC_PAIR, OTHERS_PAIR, EMBARGOED_PAIR)
PRECISION_KM = 1.0
EMBARGO = timedelta(hours=24)

AGREEMENT = f"""
format: accord.agreement/v1
id: esa-conjunctions-to-jaxa
version: 1
title: ESA conjunction data for JAXA
parties:
  - partner: esa
    name: European Space Agency
  - partner: jaxa
    name: Japan Aerospace Exploration Agency
effective_from: 2026-01-01
effective_until: 2031-01-01
clauses:
  - id: coarse-conjunctions
    data_sharing:
      grantor: esa
      grantees: [jaxa]
      data_classes: [conjunction_data]
      assets:
        norad_ids: [{GRANTED_PAIR[0]}]
      degradation:
        position_precision_km: {PRECISION_KM}
        covariance: withheld
  - id: embargoed-conjunctions
    data_sharing:
      grantor: esa
      grantees: [jaxa]
      data_classes: [conjunction_data]
      assets:
        norad_ids: [{EMBARGOED_PAIR[0]}]
      embargo_hours: {EMBARGO.total_seconds() / 3600:g}
"""


def _circular(norad_id: int, inclination_deg: float, k: int) -> ElementSet:
    # Pair k sits at its own RAAN and reaches its node k * 20 degrees (about 5.3 min) after
    # T0: without the phase shift the polar orbits of all pairs would meet over the pole.
    return ElementSet(
        norad_id=norad_id,
        epoch=T0,
        mean_motion_rev_per_day=15.2,
        eccentricity=0.0001,
        inclination_deg=inclination_deg,
        raan_deg=40.0 * k,
        arg_of_pericenter_deg=0.0,
        mean_anomaly_deg=(-20.0 * k) % 360.0,
        bstar_per_earth_radius=0.0,
        object_name=f"OBJECT {norad_id}",
        object_id=f"2026-{norad_id % 1000:03d}A",
    )


#: Who submits each member-owned object's element set (the others are CelesTrak's, public).
SUBMITTERS = {
    GRANTED_PAIR[0]: "ESA",
    EMBARGOED_PAIR[0]: "ESA",
    OTHERS_PAIR[0]: "NASA",
    OTHERS_PAIR[1]: "JAXA",
}


def import_crossing_pairs(engine: Engine, *, submitted_at: datetime) -> None:
    """The eight objects, each member's submitted by it and the rest by CelesTrak."""
    by_submitter: dict[str, list[ElementSet]] = {}
    for k, pair in enumerate(PAIRS):
        for norad_id, inclination in zip(pair, (50.0, 90.0), strict=True):
            submitter = SUBMITTERS.get(norad_id, "CelesTrak")
            by_submitter.setdefault(submitter, []).append(_circular(norad_id, inclination, k))
    for submitter, element_sets in by_submitter.items():
        import_element_sets(
            engine,
            element_sets,
            source_name=f"crossing pairs from {submitter}",
            partner=submitter,
            source_kind=SourceKind.API,
            submitted_at=submitted_at,
        )


def build_conjunction_world(engine: Engine) -> None:
    """Partners, the eight objects (members' own and public ones), claims, the agreement."""
    with transaction(engine) as session:
        partners = PartnerRepository(session)
        for handle in ("esa", "jaxa", "nasa"):
            partners.create(handle.upper(), kind=PartnerKind.SPACE_AGENCY, handle=handle)
        partners.create("CelesTrak", kind=PartnerKind.DATA_PROVIDER, handle="celestrak")
    import_crossing_pairs(engine, submitted_at=T0)
    with transaction(engine, write_lock=True) as session:
        partners = PartnerRepository(session)
        esa, jaxa, nasa = (partners.get_by_handle(h) for h in ("esa", "jaxa", "nasa"))
        for partner, norad_id in (
            (esa, GRANTED_PAIR[0]),
            (esa, EMBARGOED_PAIR[0]),
            (nasa, OTHERS_PAIR[0]),
            (jaxa, OTHERS_PAIR[1]),
        ):
            claim_satellite(session, partner, norad_id, at=SIGNED)
        document = load_agreement(AGREEMENT, source="test agreement")
        propose_agreement(session, document, by=esa, at=SIGNED)
        sign_agreement(session, document.id, by=esa, at=SIGNED)
        sign_agreement(session, document.id, by=jaxa, at=SIGNED)


def screen(engine: Engine) -> int:
    """Screen one hour around T0 (threshold 20 km); returns the stored screening's id."""
    record = run_screening(
        engine, start=T0 - timedelta(minutes=30), duration=timedelta(hours=1), threshold_km=20.0
    )
    return record.screening_id
