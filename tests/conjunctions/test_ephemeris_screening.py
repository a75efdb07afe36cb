"""Screening an OEM against the catalog: equal to screen_against for an SGP4-made OEM."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from accord.conjunctions import (
    OEM_COVARIANCE_PC_METHOD,
    screen_against,
    screen_ephemeris,
)
from accord.formats import (
    ElementSet,
    OemCovariance,
    OemHeader,
    OemMetadata,
    OemSegment,
    OrbitEphemerisMessage,
    format_oem_kvn,
    read_catalog,
    read_oem,
)
from accord.orbits import Sgp4Propagator, teme_to_gcrs

CATALOG = "catalogs/celestrak_on_orbit_2024-11-01.csv"
START = datetime(2024, 11, 1, tzinfo=UTC)
SPAN = timedelta(hours=12)
#: The issue's validation tolerances: TCA within 1 ms, miss within 1 m.
TCA_TOLERANCE_S = 1e-3
MISS_TOLERANCE_KM = 1e-3
#: A Starlink with two approaches to a neighbour in the first 12 h of the catalog.
PRIMARY = 44734


@pytest.fixture(scope="module")
def starlinks() -> list[ElementSet]:
    from tests._shared_data import require_shared

    path: Path = require_shared(CATALOG)
    catalog = read_catalog(path.read_bytes(), source=CATALOG).element_sets
    named = [
        r.element_set for r in catalog if (r.element_set.object_name or "").startswith("STARLINK")
    ]
    return named[:300]


def _sgp4_oem(primary: ElementSet, covariance_rtn_km2: np.ndarray | None = None) -> str:
    """An OEM (GCRF, UTC, Hermite 7, 60 s) from SGP4 of `primary`, written as KVN."""
    begin = np.datetime64("2024-10-31T23:50:00", "ns")
    times = begin + np.arange(0, 12 * 60 + 21) * np.timedelta64(60, "s")
    states = teme_to_gcrs(Sgp4Propagator([primary]).propagate(times))
    metadata = OemMetadata(
        object_name=primary.object_name or "",
        object_id=str(primary.norad_id),
        center_name="EARTH",
        ref_frame="GCRF",
        time_system="UTC",
        start_time=times[0],
        stop_time=times[-1],
        interpolation="HERMITE",
        interpolation_degree=7,
    )
    covariances: tuple[OemCovariance, ...] = ()
    if covariance_rtn_km2 is not None:
        covariances = (OemCovariance(times[300], "RTN", covariance_rtn_km2),)
    segment = OemSegment(
        metadata, times, states.position_km[0], states.velocity_km_s[0], covariances=covariances
    )
    return format_oem_kvn(
        OrbitEphemerisMessage(OemHeader("3.0", "2024-11-01T00:00:00", "ACCORD"), (segment,))
    )


def test_equals_screen_against_for_an_sgp4_primary(starlinks: list[ElementSet]) -> None:
    primary = next(es for es in starlinks if es.norad_id == PRIMARY)
    others = [es for es in starlinks if es.norad_id != PRIMARY]
    reference = screen_against([primary], others, start=START, duration=SPAN)
    oem = read_oem(_sgp4_oem(primary), source="synthetic.oem")
    result = screen_ephemeris(oem, others, start=START, end=START + SPAN)
    assert len(reference.conjunctions) >= 2
    assert [(c.primary_norad_id, c.secondary_norad_id) for c in result.conjunctions] == [
        (c.primary_norad_id, c.secondary_norad_id) for c in reference.conjunctions
    ]
    for ours, theirs in zip(result.conjunctions, reference.conjunctions, strict=True):
        assert abs((ours.tca - theirs.tca).total_seconds()) < TCA_TOLERANCE_S
        assert abs(ours.miss_km - theirs.miss_km) < MISS_TOLERANCE_KM
        assert abs(ours.relative_speed_km_s - theirs.relative_speed_km_s) < 1e-5
        np.testing.assert_allclose(ours.miss_rtn_km, theirs.miss_rtn_km, atol=MISS_TOLERANCE_KM)
        assert ours.collision_probability is None  # no covariance in this OEM


def test_oem_covariance_gives_a_labelled_pc(starlinks: list[ElementSet]) -> None:
    primary = next(es for es in starlinks if es.norad_id == PRIMARY)
    covariance = np.diag([0.05**2, 0.2**2, 0.05**2, 1e-8, 1e-8, 1e-8])  # km^2, km^2/s^2
    oem = read_oem(_sgp4_oem(primary, covariance), source="with-covariance.oem")
    others = [es for es in starlinks if es.norad_id != PRIMARY]
    result = screen_ephemeris(oem, others, start=START, end=START + SPAN, hard_body_radius_m=10.0)
    assert result.conjunctions
    for conjunction in result.conjunctions:
        assert conjunction.collision_probability is not None
        assert 0.0 <= conjunction.collision_probability < 1e-3  # misses of kilometres
    assert "DEFAULT-COVARIANCE" in OEM_COVARIANCE_PC_METHOD


def test_the_catalog_object_itself_is_co_located(starlinks: list[ElementSet]) -> None:
    primary = next(es for es in starlinks if es.norad_id == PRIMARY)
    oem = read_oem(_sgp4_oem(primary), source="synthetic.oem")
    result = screen_ephemeris(oem, [primary], start=START, end=START + timedelta(hours=2))
    assert not result.conjunctions
    assert [(c.primary_norad_id, c.secondary_norad_id) for c in result.co_locations] == [
        (PRIMARY, PRIMARY)
    ]
    assert result.co_locations[0].max_sampled_distance_km < 1e-3


def test_nasa_iss_oem_screens_end_to_end(shared: Callable[[str], Path]) -> None:
    # No shared catalog has epochs near 2025-02-26 (they are 2022-07, 2024-11, 2026-05/06/08),
    # so this checks the pipeline on real data, not real conjunctions: 2024-11-01 elements
    # propagated ~4 months ahead.
    oem = read_oem(shared("oem/nasa-iss/ISS.OEM_J2K_EPH_2025-02-26.xml").read_bytes(), source="iss")
    catalog = [
        r.element_set
        for r in read_catalog(shared(CATALOG).read_bytes(), source=CATALOG).element_sets
    ]
    begin = datetime(2025, 2, 27, tzinfo=UTC)
    result = screen_ephemeris(oem, catalog, start=begin, end=begin + timedelta(hours=3))
    assert result.start == begin and result.end == begin + timedelta(hours=3)
    assert all(c.primary_norad_id == 25544 for c in result.conjunctions)  # COSPAR id matched
    for conjunction in result.conjunctions:
        assert conjunction.miss_km < 5.0
        assert begin <= conjunction.tca <= begin + timedelta(hours=3)
