"""A conjunction between an ESA and a JAXA satellite, screened and stored as an event.

On top of tests/access/_world.py (partners esa, jaxa, nasa; the ESA-JAXA agreement signed
2026-01-01), ESA's 39634 and JAXA's 41240 get element sets at `TCA` on near-circular LEO
orbits with the same node and mean motion, 51.64 and 97 degrees inclined: both reach the
ascending node near `TCA`, JAXA's 0.008 degrees of mean anomaly ahead, and they pass 3.1 km
apart (SGP4's short-period terms differ with inclination) at about 6 km/s. `build` screens
the two from `NOW` (20 h before TCA) and gives each partner one e-mail contact. JAXA must
answer within 12 h (the agreement's commitment), ESA within the default 24 h, so JAXA's
deadline comes before TCA.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine

from accord.catalog import import_element_sets
from accord.formats import ElementSet
from accord.screening import AlertRules, run_screening
from accord.store import PartnerContact, PartnerRepository, SourceKind, transaction
from tests.access._world import build_world

TCA = datetime(2026, 3, 2, tzinfo=UTC)
NOW = TCA - timedelta(hours=20)
ESA_SAT, JAXA_SAT = 39634, 41240
CONTACTS = {"esa": "ops@esa.test", "jaxa": "fdo@jaxa.test"}

ESA_ELEMENTS = ElementSet(
    norad_id=ESA_SAT,
    epoch=TCA,
    mean_motion_rev_per_day=15.5,
    eccentricity=0.0001,
    inclination_deg=51.64,
    raan_deg=30.0,
    arg_of_pericenter_deg=0.0,
    mean_anomaly_deg=0.0,
    bstar_per_earth_radius=1e-5,
    object_name="SENTINEL TEST",
    object_id="2014-016A",
)
JAXA_ELEMENTS = replace(
    ESA_ELEMENTS,
    norad_id=JAXA_SAT,
    inclination_deg=97.0,
    mean_anomaly_deg=0.008,
    object_name="JAXA TEST",
    object_id="2015-070A",
)


def build(engine: Engine) -> None:
    """The coalition, the two element sets, contacts, and the stored screening."""
    build_world(engine)
    import_element_sets(
        engine,
        [ESA_ELEMENTS, JAXA_ELEMENTS],
        source_name="encounter.json",
        partner="ESA",
        source_kind=SourceKind.API,
        submitted_at=NOW - timedelta(hours=1),
    )
    with transaction(engine) as session:
        partners = PartnerRepository(session)
        for handle, email in CONTACTS.items():
            partner = partners.get_by_handle(handle)
            session.add(
                PartnerContact(
                    partner_id=partner.id,
                    name=f"{handle} desk",
                    email=email,
                    role="24/7 conjunction desk",
                    created_at=NOW - timedelta(days=1),
                )
            )
    run_screening(
        engine,
        start=NOW,
        duration=timedelta(hours=21),
        element_sets=[ESA_ELEMENTS, JAXA_ELEMENTS],
        source_name="encounter.json",
        rules=AlertRules(pc_threshold=1e-6, miss_km=1.0),
    )
