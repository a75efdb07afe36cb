"""Screening engine: brute-force agreement, known geometry, co-location, filters, failures."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from benchmarks.validate_screening import validate

from accord.conjunctions import (
    FORMATION_CLOSE_FRACTION,
    ScreeningVolume,
    screen_against,
    screen_catalog,
    to_rtn,
)
from accord.formats import ElementSet, read_catalog

CATALOG = "catalogs/celestrak_on_orbit_2024-11-01.csv"
START = datetime(2024, 11, 1, tzinfo=UTC)
#: Validation tolerances of the issue: TCA within 1 ms, miss within 1 m.
TCA_TOLERANCE_S = 1e-3
MISS_TOLERANCE_KM = 1e-3


@pytest.fixture(scope="module")
def catalog(request: pytest.FixtureRequest) -> list[ElementSet]:
    from tests._shared_data import require_shared

    path: Path = require_shared(CATALOG)
    return [
        item.element_set for item in read_catalog(path.read_bytes(), source=CATALOG).element_sets
    ]


def _starlinks(catalog: list[ElementSet], count: int) -> list[ElementSet]:
    return [es for es in catalog if (es.object_name or "").startswith("STARLINK")][:count]


def test_agrees_with_brute_force_reference(catalog: list[ElementSet]) -> None:
    # A dense shell (Starlink) so that the reference has approaches to find.
    summary = validate(_starlinks(catalog, 150), days=1.0)
    assert summary["missed"] == 0, summary
    assert summary["worst_tca_difference_s"] <= TCA_TOLERANCE_S
    assert summary["worst_miss_difference_km"] <= MISS_TOLERANCE_KM


def test_halving_the_step_keeps_the_result_set(catalog: list[ElementSet]) -> None:
    subset = _starlinks(catalog, 300)
    coarse = screen_catalog(subset, start=START, duration=timedelta(hours=12), step_s=60.0)
    fine = screen_catalog(subset, start=START, duration=timedelta(hours=12), step_s=30.0)
    assert [(c.primary_norad_id, c.secondary_norad_id) for c in coarse.conjunctions] == [
        (c.primary_norad_id, c.secondary_norad_id) for c in fine.conjunctions
    ]
    for a, b in zip(coarse.conjunctions, fine.conjunctions, strict=True):
        assert abs(a.tca_offset_s - b.tca_offset_s) < TCA_TOLERANCE_S
        assert abs(a.miss_km - b.miss_km) < MISS_TOLERANCE_KM


def test_one_vs_many_is_the_subset_of_all_vs_all(catalog: list[ElementSet]) -> None:
    subset = _starlinks(catalog, 300)
    everything = screen_catalog(subset, start=START, duration=timedelta(hours=12))
    primaries = subset[:20]
    ids = {es.norad_id for es in primaries}
    expected = [
        c
        for c in everything.conjunctions
        if c.primary_norad_id in ids or c.secondary_norad_id in ids
    ]
    against = screen_against(primaries, subset, start=START, duration=timedelta(hours=12))

    def keys(conjunctions: list) -> set[tuple[frozenset[int], float]]:
        return {
            (frozenset((c.primary_norad_id, c.secondary_norad_id)), round(c.tca_offset_s, 3))
            for c in conjunctions
        }

    assert expected, "the subset should have conjunctions for its first 20 objects"
    assert keys(expected) == keys(against.conjunctions)
    assert all(c.primary_norad_id in ids for c in against.conjunctions)


def _circular(
    norad_id: int, inclination_deg: float, raan_deg: float, anomaly_deg: float
) -> ElementSet:
    return ElementSet(
        norad_id=norad_id,
        epoch=START,
        mean_motion_rev_per_day=15.2,
        eccentricity=0.0001,
        inclination_deg=inclination_deg,
        raan_deg=raan_deg,
        arg_of_pericenter_deg=0.0,
        mean_anomaly_deg=anomaly_deg,
        bstar_per_earth_radius=0.0,
    )


def test_crossing_orbits_meet_at_the_node() -> None:
    # Same circular orbit size and node, inclinations 50 and 90 degrees, both at the node at
    # epoch: the closest approach is at (about) the epoch, the miss only SGP4's short-period
    # differences between the two inclinations (a few km at most, hence the 20 km threshold).
    first = _circular(90001, 50.0, 0.0, 0.0)
    second = _circular(90002, 90.0, 0.0, 0.0)
    result = screen_catalog(
        [first, second],
        start=START - timedelta(minutes=30),
        duration=timedelta(hours=1),
        threshold_km=20.0,
    )
    assert len(result.conjunctions) == 1
    conjunction = result.conjunctions[0]
    assert abs(conjunction.tca_offset_s - 1800.0) < 5.0
    assert conjunction.miss_km < 20.0
    miss = np.subtract(conjunction.secondary_position_km, conjunction.primary_position_km)
    assert conjunction.miss_km == pytest.approx(np.linalg.norm(miss))
    rtn = to_rtn(
        miss, np.array(conjunction.primary_position_km), np.array(conjunction.primary_velocity_km_s)
    )
    assert np.allclose(rtn, conjunction.miss_rtn_km)
    assert conjunction.relative_speed_km_s > 5.0


def test_identical_element_sets_are_one_co_location() -> None:
    station = _circular(90010, 51.6, 10.0, 0.0)
    visitor = dataclasses.replace(station, norad_id=90011)
    result = screen_catalog([station, visitor], start=START, duration=timedelta(days=1))
    assert result.conjunctions == []
    assert len(result.co_locations) == 1
    assert result.co_locations[0].identical_elements


def test_approach_at_a_span_edge_is_not_a_conjunction() -> None:
    # The node crossing of test_crossing_orbits_meet_at_the_node, screened for 30 minutes
    # (the next node is about 47 minutes on) from just after its TCA (the pair separating
    # at the start) and until just before it (still approaching at the end): the distance
    # at the edge is under the threshold but the closest approach lies outside the span.
    pair = [_circular(90001, 50.0, 0.0, 0.0), _circular(90002, 90.0, 0.0, 0.0)]
    span = timedelta(minutes=30)
    whole = screen_catalog(pair, start=START - span, duration=2 * span, threshold_km=20.0)
    tca = whole.conjunctions[0].tca
    second = timedelta(seconds=1)
    after = screen_catalog(pair, start=tca + second, duration=span, threshold_km=20.0)
    before = screen_catalog(pair, start=tca - span - second, duration=span, threshold_km=20.0)
    assert whole.edge_approaches == []
    assert after.conjunctions == [] and before.conjunctions == []
    assert [c.tca_offset_s for c in after.edge_approaches] == [0.0]
    assert [c.tca_offset_s for c in before.edge_approaches] == [span.total_seconds()]
    assert after.edge_approaches[0].miss_km > whole.conjunctions[0].miss_km


def _drifting_pair() -> list[ElementSet]:
    # Same circular orbit; the second starts 0.03 deg (about 3.6 km) behind and gains about
    # 9 km a day along track (mean motion 2.12e-4 rev/day higher), so it passes the first
    # after about 0.4 day and is beyond 5 km after about 0.95 day.
    first = _circular(90020, 53.0, 40.0, 10.0)
    second = dataclasses.replace(
        first,
        norad_id=90021,
        mean_anomaly_deg=9.97,
        mean_motion_rev_per_day=first.mean_motion_rev_per_day + 2.12e-4,
    )
    return [first, second]


def test_pair_close_most_of_the_span_is_one_formation() -> None:
    result = screen_catalog(_drifting_pair(), start=START, duration=timedelta(days=1))
    assert result.conjunctions == []
    [formation] = result.co_locations
    assert formation.formation and not formation.identical_elements
    assert FORMATION_CLOSE_FRACTION <= formation.close_fraction < 1.0
    # The pass (about 0.36 day in) is the closest: well under the sampled maximum.
    assert formation.min_distance_km is not None
    assert formation.min_distance_km < 1.0 < formation.max_sampled_distance_km < 5.0


def test_pair_close_less_than_half_the_span_gives_conjunctions() -> None:
    # The same pair over 2 days: close for about 0.95 of 2 days, under the formation fraction.
    result = screen_catalog(_drifting_pair(), start=START, duration=timedelta(days=2))
    assert result.co_locations == []
    assert len(result.conjunctions) >= 1
    assert min(c.miss_km for c in result.conjunctions) < 1.0


def test_threshold_and_volume_filter(catalog: list[ElementSet]) -> None:
    subset = _starlinks(catalog, 300)
    wide = screen_catalog(subset, start=START, duration=timedelta(hours=12), threshold_km=10.0)
    narrow = screen_catalog(subset, start=START, duration=timedelta(hours=12), threshold_km=5.0)
    assert {
        (c.primary_norad_id, c.secondary_norad_id, round(c.tca_offset_s, 2))
        for c in wide.conjunctions
        if c.miss_km < 5.0
    } == {
        (c.primary_norad_id, c.secondary_norad_id, round(c.tca_offset_s, 2))
        for c in narrow.conjunctions
    }
    volume = ScreeningVolume(0.5, 10.0, 10.0)
    boxed = screen_catalog(
        subset, start=START, duration=timedelta(hours=12), screening_volume=volume
    )
    for c in boxed.conjunctions:
        r, t, n = c.miss_rtn_km
        assert (r / 0.5) ** 2 + (t / 10.0) ** 2 + (n / 10.0) ** 2 <= 1.0


def test_deep_space_pair_and_decayed_object(catalog: list[ElementSet]) -> None:
    geo = [es for es in catalog if 0.99 < es.mean_motion_rev_per_day < 1.01][:2]
    first = geo[0]
    shifted = dataclasses.replace(
        first, norad_id=90020, mean_anomaly_deg=first.mean_anomaly_deg + 0.005
    )
    decayed = dataclasses.replace(
        _circular(90021, 51.6, 0.0, 0.0), mean_motion_rev_per_day=16.4, bstar_per_earth_radius=0.05
    )
    result = screen_catalog(
        [first, shifted, decayed, geo[1]], start=START, duration=timedelta(days=2)
    )
    # 0.005 degrees of mean anomaly is about 3.7 km along the GEO track: always close.
    assert [(c.primary_norad_id, c.secondary_norad_id) for c in result.co_locations] == [
        (first.norad_id, 90020)
    ]
    assert 90021 in [f.norad_id for f in result.failures]
    assert all(90021 not in (c.primary_norad_id, c.secondary_norad_id) for c in result.conjunctions)
