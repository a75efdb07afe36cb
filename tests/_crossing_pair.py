"""A tiny store catalog with a known encounter, shared by the screening and jobs tests.

Two circular orbits at 15.2 rev/day, inclined 50 and 90 degrees, both at the node at `T0`, so
they cross there (SGP4's short-period terms leave a miss of about 4.24 km); a third object
on a higher orbit (14 rev/day, about 400 km higher) never comes within 20 km of either.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from accord.catalog import import_element_sets
from accord.formats import ElementSet
from accord.store import PartnerKind, PartnerRepository, transaction

T0 = datetime(2024, 11, 1, tzinfo=UTC)
SUBMITTER = "Accord demo generator"


def circular(norad_id: int, inclination_deg: float) -> ElementSet:
    """A near-circular LEO element set at the node at `T0`."""
    return ElementSet(
        norad_id=norad_id,
        epoch=T0,
        mean_motion_rev_per_day=15.2,
        eccentricity=0.0001,
        inclination_deg=inclination_deg,
        raan_deg=0.0,
        arg_of_pericenter_deg=0.0,
        mean_anomaly_deg=0.0,
        bstar_per_earth_radius=0.0,
        object_name=f"OBJECT {norad_id}",
    )


def store_crossing_pair(engine: Engine) -> Engine:
    """Store 90001 and 90002 (the crossing pair) and the bystander 90003; return `engine`."""
    with transaction(engine) as session:
        PartnerRepository(session).create(SUBMITTER, kind=PartnerKind.SYSTEM)
    bystander = dataclasses.replace(circular(90003, 50.0), mean_motion_rev_per_day=14.0)
    import_element_sets(
        engine,
        [circular(90001, 50.0), circular(90002, 90.0), bystander],
        source_name="crossing pair",
        partner=SUBMITTER,
    )
    return engine
