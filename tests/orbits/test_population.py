"""The synthetic population: calibrated shares, labels, valid SGP4 elements, determinism."""

from __future__ import annotations

import csv
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from sgp4.api import SatrecArray

from accord.formats import MAX_NORAD_ID, MAX_TLE_NORAD_ID, ElementSet
from accord.orbits import (
    SYNTHETIC_DEFAULT_EPOCH,
    SYNTHETIC_FAMILIES,
    SYNTHETIC_NORAD_ID_BASE,
    satrec_from_element_set,
    synthetic_elements,
    synthetic_population,
)

# WGS-72, the constants SGP4 element sets are defined with.
MU_KM3_S2 = 398_600.8
EARTH_RADIUS_KM = 6378.135
J2 = 0.001082616
#: The calibration catalog's size, and the size at which family counts are exact.
REAL_CATALOG_SIZE = 26_834
#: Regime shares of the synthetic population may differ from the real catalog's by this
#: much (absolute), which leaves room for rounding only.
REGIME_SHARE_TOLERANCE = 0.003
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def population() -> list[ElementSet]:
    return synthetic_population(REAL_CATALOG_SIZE, seed=7)


def family_of(element_set: ElementSet) -> str:
    """Family from the name: "SYNTHETIC <FAMILY> <n>", debris "SYNTHETIC <CLOUD> DEB <n>"."""
    assert element_set.object_name is not None
    words = element_set.object_name.split()
    return "LEO-DEBRIS" if words[-2] == "DEB" else words[1]


def regime(mean_motion_rev_per_day: float, eccentricity: float) -> str:
    """LEO (apogee < 2,000 km), GEO (n within 0.05 rev/day of 1.0027, e < 0.01), HEO
    (e >= 0.25) or MEO (the rest), the rules docs/demo-data.md uses on the real catalog."""
    n_rad_s = mean_motion_rev_per_day * 2.0 * math.pi / 86_400.0
    a_km = (MU_KM3_S2 / n_rad_s**2) ** (1.0 / 3.0)
    if a_km * (1.0 + eccentricity) - EARTH_RADIUS_KM < 2000.0:
        return "LEO"
    if abs(mean_motion_rev_per_day - 1.0027) < 0.05 and eccentricity < 0.01:
        return "GEO"
    return "HEO" if eccentricity >= 0.25 else "MEO"


def shares(labels: Iterable[str]) -> dict[str, float]:
    counts = Counter(labels)
    total = sum(counts.values())
    return {label: count / total for label, count in counts.items()}


def semi_major_axis_km(element_set: ElementSet) -> float:
    n_rad_s = element_set.mean_motion_rev_per_day * 2.0 * math.pi / 86_400.0
    return float((MU_KM3_S2 / n_rad_s**2) ** (1.0 / 3.0))


def test_family_counts_are_the_real_catalog_counts(population: list[ElementSet]) -> None:
    counts = Counter(family_of(element_set) for element_set in population)
    assert sum(family.real_count for family in SYNTHETIC_FAMILIES) == REAL_CATALOG_SIZE
    assert counts == {family.name: family.real_count for family in SYNTHETIC_FAMILIES}


@pytest.mark.parametrize("count", [1, 10, 999, 100_000])
def test_family_counts_follow_fractions_at_any_size(count: int) -> None:
    counts = Counter(family_of(element_set) for element_set in synthetic_population(count))
    assert sum(counts.values()) == count
    for family in SYNTHETIC_FAMILIES:
        # Largest-remainder apportionment: never more than one object off the exact share.
        assert abs(counts[family.name] - family.fraction * count) < 1.0, family.name


def test_orbit_regime_shares_match_the_real_catalog(
    population: list[ElementSet], shared: Callable[[str], Path]
) -> None:
    with shared("catalogs/celestrak_on_orbit_2024-11-01.csv").open(newline="") as stream:
        real = shares(
            regime(float(row["MEAN_MOTION"]), float(row["ECCENTRICITY"]))
            for row in csv.DictReader(stream)
        )
    synthetic = shares(
        regime(element_set.mean_motion_rev_per_day, element_set.eccentricity)
        for element_set in population
    )
    assert set(synthetic) == set(real) == {"LEO", "MEO", "GEO", "HEO"}
    for name, share in real.items():
        assert synthetic[name] == pytest.approx(share, abs=REGIME_SHARE_TOLERANCE), name


def test_fengyun_like_cloud_spreads_like_the_real_fengyun_1c_cloud(
    population: list[ElementSet], shared: Callable[[str], Path]
) -> None:
    with shared("catalogs/celestrak_on_orbit_2024-11-01.csv").open(newline="") as stream:
        real = [
            (float(row["MEAN_MOTION"]), float(row["ECCENTRICITY"]), float(row["INCLINATION"]))
            for row in csv.DictReader(stream)
            if row["OBJECT_NAME"].startswith("FENGYUN 1C DEB")
        ]
    synthetic = [
        (e.mean_motion_rev_per_day, e.eccentricity, e.inclination_deg)
        for e in population
        if (e.object_name or "").startswith("SYNTHETIC FENGYUN-1C-LIKE DEB")
    ]

    def spread(rows: list[tuple[float, float, float]]) -> np.ndarray:
        n_rad_s = np.array([r[0] for r in rows]) * 2.0 * math.pi / 86_400.0
        altitude_km = (MU_KM3_S2 / n_rad_s**2) ** (1.0 / 3.0) - EARTH_RADIUS_KM
        columns = (altitude_km, np.array([r[1] for r in rows]), np.array([r[2] for r in rows]))
        return np.array([np.quantile(c, [0.05, 0.5, 0.95]) for c in columns])

    real_spread, synthetic_spread = spread(real), spread(synthetic)
    # 5 / 50 / 95 % points: altitude within 60 km, eccentricity within 0.005,
    # inclination within 0.35 deg of the real cloud after 17 years.
    np.testing.assert_allclose(synthetic_spread[0], real_spread[0], atol=60.0)
    np.testing.assert_allclose(synthetic_spread[1], real_spread[1], atol=0.005)
    np.testing.assert_allclose(synthetic_spread[2], real_spread[2], atol=0.35)


def test_same_seed_same_population_other_seed_other_population() -> None:
    first = synthetic_population(2000, seed=11)
    assert synthetic_population(2000, seed=11) == first
    other = synthetic_population(2000, seed=12)
    assert [e.norad_id for e in other] == [e.norad_id for e in first]
    assert sum(a.raan_deg != b.raan_deg for a, b in zip(first, other, strict=True)) > 1900


def test_arrays_hold_the_same_population_as_the_element_sets() -> None:
    arrays = synthetic_elements(5000, seed=5)
    element_sets = synthetic_population(5000, seed=5)
    assert len(arrays) == len(element_sets) == 5000
    assert arrays.norad_id.tolist() == [e.norad_id for e in element_sets]
    assert arrays.object_names() == [e.object_name for e in element_sets]
    for field in ("mean_motion_rev_per_day", "eccentricity", "raan_deg", "mean_anomaly_deg"):
        assert getattr(arrays, field).tolist() == [getattr(e, field) for e in element_sets]


def test_elements_are_valid_sgp4_mean_elements(population: list[ElementSet]) -> None:
    for element_set in population:
        assert 0.0 <= element_set.eccentricity < 0.9
        assert 0.8 < element_set.mean_motion_rev_per_day < 16.5
        assert 0.0 <= element_set.inclination_deg <= 180.0
        for angle in (
            element_set.raan_deg,
            element_set.arg_of_pericenter_deg,
            element_set.mean_anomaly_deg,
        ):
            assert 0.0 <= angle < 360.0
        assert 0.0 <= element_set.bstar_per_earth_radius <= 0.05
        perigee_km = semi_major_axis_km(element_set) * (1.0 - element_set.eccentricity)
        assert perigee_km - EARTH_RADIUS_KM >= 249.99, element_set.object_name
        assert element_set.epoch == SYNTHETIC_DEFAULT_EPOCH
        assert element_set.tle_line1 is None


def test_sun_synchronous_orbits_precess_with_the_mean_sun(population: list[ElementSet]) -> None:
    sun_rate_deg_per_day = 360.0 / 365.2422
    sso = [e for e in population if family_of(e) == "SSO-EO"]
    assert len(sso) > 2000
    for element_set in sso:
        a_km = semi_major_axis_km(element_set)
        semi_latus_km = a_km * (1.0 - element_set.eccentricity**2)
        # Secular J2 nodal rate (Vallado, Fundamentals of Astrodynamics, eq. 9-41).
        node_rate = (
            -1.5
            * element_set.mean_motion_rev_per_day
            * 360.0
            * J2
            * (EARTH_RADIUS_KM / semi_latus_km) ** 2
            * math.cos(math.radians(element_set.inclination_deg))
        )
        # 0.5 %: the inclinations carry up to 0.03 deg of deliberate scatter.
        assert node_rate == pytest.approx(sun_rate_deg_per_day, rel=0.005)
    # SGP4's own secular node rate (Brouwer mean motion, J2 and J4) agrees within 1 %.
    for element_set in sso[:200]:
        nodedot_deg_per_day = math.degrees(satrec_from_element_set(element_set).nodedot) * 1440
        assert nodedot_deg_per_day == pytest.approx(sun_rate_deg_per_day, rel=0.01)


def test_names_and_ids_are_labelled_synthetic(population: list[ElementSet]) -> None:
    cospar = re.compile(r"^\d{4}-\d{3}[A-Z]{1,3}$")
    norad_ids = [e.norad_id for e in population]
    assert norad_ids == list(range(SYNTHETIC_NORAD_ID_BASE, SYNTHETIC_NORAD_ID_BASE + 26_834))
    assert SYNTHETIC_NORAD_ID_BASE > MAX_TLE_NORAD_ID and norad_ids[-1] <= MAX_NORAD_ID
    assert len({e.object_name for e in population}) == len(population)
    for element_set in population:
        assert (element_set.object_name or "").startswith("SYNTHETIC ")
        assert re.fullmatch(r"SYN-\d{9}", element_set.object_id or "")
        assert not cospar.match(element_set.object_id or "")
    assert population[0].object_name == "SYNTHETIC STARLINK-LIKE 1"


def test_sgp4_propagates_a_sample_for_seven_days() -> None:
    sample = synthetic_population(3000, seed=3)
    satellites = SatrecArray([satrec_from_element_set(e) for e in sample])
    epoch_jd = 2_460_615.5  # 2024-11-01 00:00 UTC, the default epoch
    steps = np.arange(0.0, 7.0 + 1e-9, 0.25)
    error, position_km, _ = satellites.sgp4(np.full(steps.size, epoch_jd), steps)
    assert not error.any(), Counter(error[error != 0].tolist())
    radius_km = np.linalg.norm(position_km, axis=2)
    assert radius_km.min() > EARTH_RADIUS_KM + 150.0


def test_geo_belt_inclinations_match_the_real_belt(
    population: list[ElementSet], shared: Callable[[str], Path]
) -> None:
    with shared("catalogs/celestrak_on_orbit_2024-11-01.csv").open(newline="") as stream:
        real = np.array(
            [
                float(row["INCLINATION"])
                for row in csv.DictReader(stream)
                if regime(float(row["MEAN_MOTION"]), float(row["ECCENTRICITY"])) == "GEO"
            ]
        )
    synthetic = np.array([e.inclination_deg for e in population if family_of(e) == "GEO"])
    # Station-kept satellites near 0 deg, drifting ones spread up to ~15 deg by the
    # luni-solar cycle: the share below 1 deg within 5 points, quartiles within 1 deg.
    assert np.mean(synthetic < 1.0) == pytest.approx(np.mean(real < 1.0), abs=0.05)
    np.testing.assert_allclose(
        np.quantile(synthetic, [0.5, 0.75, 0.9]), np.quantile(real, [0.5, 0.75, 0.9]), atol=1.0
    )
    assert synthetic.max() < 15.5


def test_bad_arguments_are_refused_with_the_fix() -> None:
    with pytest.raises(ValueError, match="count must be an integer >= 0"):
        synthetic_population(-1)
    with pytest.raises(ValueError, match="timezone-aware"):
        synthetic_population(10, epoch=datetime(2025, 1, 1))
    with pytest.raises(ValueError, match="synthetic NORAD ids"):
        synthetic_population(MAX_NORAD_ID)
    assert synthetic_population(0) == []


def test_epoch_is_carried_in_utc() -> None:
    epoch = datetime(2026, 3, 20, 12, tzinfo=UTC)
    assert {e.epoch for e in synthetic_population(50, epoch=epoch)} == {epoch}


def test_docs_list_every_family_with_its_real_count() -> None:
    text = (REPO / "docs" / "demo-data.md").read_text(encoding="utf-8")
    for family in SYNTHETIC_FAMILIES:
        row = re.search(rf"^\| {re.escape(family.name)} \|(.*)$", text, re.MULTILINE)
        assert row, f"docs/demo-data.md has no table row for {family.name}"
        assert f"{family.real_count:,}" in row.group(1), family.name
        assert f"{100 * family.fraction:.1f} %" in row.group(1), family.name
