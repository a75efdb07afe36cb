"""Element sets for store and ingest tests, with values of a real LEO orbit (ISS-like)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from accord.formats import CatalogFormat, CatalogReading, ElementSet, ReadElementSet

EPOCH = datetime(2024, 10, 31, 12, 0, tzinfo=UTC)


def element_set(norad_id: int = 25544, *, hours: float = 0.0, **changes: object) -> ElementSet:
    """An ISS-like element set for `norad_id`, `hours` after `EPOCH`, with `changes` applied."""
    base = ElementSet(
        norad_id=norad_id,
        epoch=EPOCH + timedelta(hours=hours),
        mean_motion_rev_per_day=15.5,
        eccentricity=0.0007,
        inclination_deg=51.64,
        raan_deg=120.0 + norad_id % 100,
        arg_of_pericenter_deg=80.0,
        mean_anomaly_deg=280.0,
        bstar_per_earth_radius=3.0e-4,
        object_name=f"OBJECT {norad_id}",
        object_id="1998-067A",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def reading(*element_sets: ElementSet, source: str = "test.csv") -> CatalogReading:
    """A clean CatalogReading of `element_sets`, one record per line after a header."""
    return CatalogReading(
        source=source,
        format=CatalogFormat.GP_CSV,
        element_sets=[
            ReadElementSet(record=n, line=n + 1, element_set=e)
            for n, e in enumerate(element_sets, start=1)
        ],
    )
