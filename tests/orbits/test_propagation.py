"""`Sgp4Propagator`: dispatch, agreement of its engines on the real catalog, errors, inputs.

Reference: python-sgp4 (Vallado's C++ SGP4), which is also the propagator's own
`engine="python-sgp4"`; heyoka is checked against it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import heyoka
import numpy as np
import pytest
from sgp4.api import SatrecArray, jday

from accord.formats import ElementSet
from accord.orbits import (
    JulianDates,
    Sgp4ErrorCode,
    Sgp4Propagator,
    TimeInputError,
    satrec_from_element_set,
)
from tests.orbits._reference import element_set_from_tle, read_celestrak_csv

CATALOG = "catalogs/celestrak_on_orbit_2024-11-01.csv"
#: heyoka vs python-sgp4 over the whole 2024-11-01 catalog within a day of the catalog date:
#: measured 1.1e-8 km (docs/propagation.md); 1e-7 km leaves room for other CPUs' libm.
HEYOKA_AGREEMENT_KM = 1e-7
HEYOKA_AGREEMENT_KM_S = 1e-10

# A near-Earth object (ISS), a deep-space one (GEO, ITALSAT 2 of Vallado's set) and a
# near-Earth one that decays 55 minutes after epoch (Vallado's 28872).
ISS = (
    "1 25544U 98067A   24176.43130787  .00015944  00000+0  28697-3 0  9997",
    "2 25544  51.6405  97.6018 0005068 185.9944 276.2257 15.50387286453432",
)
GEO = (
    "1 24208U 96044A   06177.04061740 -.00000094  00000-0  10000-3 0  1600",
    "2 24208   3.8536  80.0121 0026640 311.0977  48.3000  1.00778054 36119",
)
DECAYING = (
    "1 28872U 05037B   05333.02012661  .25992681  00000-0  24476-3 0  1534",
    "2 28872  96.4736 157.9986 0303955 244.0492 110.6523 16.46015938 10708",
)


def _element_sets(*pairs: tuple[str, str]) -> list[ElementSet]:
    return [element_set_from_tle(line1, line2) for line1, line2 in pairs]


def _hourly(start: datetime, hours: int) -> np.ndarray:
    moments = [start + timedelta(hours=hour) for hour in range(hours)]
    return np.array([m.replace(tzinfo=None) for m in moments], dtype="datetime64[ns]")


def test_heyoka_agrees_with_python_sgp4_on_the_whole_catalog(
    shared: Callable[[str], Path],
) -> None:
    element_sets = read_celestrak_csv(shared(CATALOG))
    times = _hourly(datetime(2024, 11, 1, tzinfo=UTC), 24)
    fast = Sgp4Propagator(element_sets)
    reference = Sgp4Propagator(element_sets, engine="python-sgp4")

    ours = fast.propagate(times)
    theirs = reference.propagate(times)

    near = fast.on_heyoka
    assert near.sum() == 22_827  # objects with a period under 225 min in this catalog
    np.testing.assert_array_equal(ours.error_code, theirs.error_code)
    assert (ours.error_code != 0).any(), "the catalog has decayed objects; codes must show"
    valid = ours.valid[near]
    position_gap = np.abs(ours.position_km[near] - theirs.position_km[near])[valid]
    velocity_gap = np.abs(ours.velocity_km_s[near] - theirs.velocity_km_s[near])[valid]
    assert position_gap.max() < HEYOKA_AGREEMENT_KM
    assert velocity_gap.max() < HEYOKA_AGREEMENT_KM_S
    # Deep space goes through python-sgp4 in both: identical bits.
    np.testing.assert_array_equal(ours.position_km[~near], theirs.position_km[~near])


def test_deep_space_objects_never_reach_heyoka() -> None:
    # heyoka would silently return near-Earth SGP4 for a GEO element set, with error code 0.
    propagator = Sgp4Propagator(_element_sets(GEO, ISS, GEO))

    assert propagator.on_heyoka.tolist() == [False, True, False]


def test_interleaved_engines_land_in_their_own_rows() -> None:
    element_sets = _element_sets(GEO, ISS, DECAYING, GEO, ISS)
    satrecs = SatrecArray([satrec_from_element_set(es) for es in element_sets])
    # At the ISS epoch; the decaying object is long gone by then and must show its error code.
    times = _hourly(datetime(2024, 6, 24, tzinfo=UTC), 3)
    whole, fraction = jday(2024, 6, 24, 0, 0, 0)
    hours = np.arange(3) / 24.0

    states = Sgp4Propagator(element_sets).propagate(times)
    errors, positions, _ = satrecs.sgp4(np.full(3, whole), fraction + hours)

    np.testing.assert_array_equal(states.error_code, errors)
    assert (errors[2] != 0).all() and (errors[[0, 1, 3, 4]] == 0).all()
    valid = errors == 0
    np.testing.assert_allclose(states.position_km[valid], positions[valid], rtol=0, atol=1e-7)
    assert states.norad_ids.tolist() == [24208, 25544, 28872, 24208, 25544]


def test_failed_samples_are_nan_even_where_python_sgp4_keeps_numbers() -> None:
    # Vallado's 28872 has decayed (code 6) 55 min after epoch; python-sgp4 still returns a
    # position for code 6, Accord returns NaN from both engines.
    minutes = np.array([[50.0, 55.0, 60.0]])
    for engine in ("auto", "python-sgp4"):
        propagator = Sgp4Propagator(_element_sets(DECAYING), engine=engine)

        samples = propagator.propagate_minutes_since_epoch(minutes)

        assert samples.error_code[0].tolist() == [0, Sgp4ErrorCode.DECAYED, Sgp4ErrorCode.DECAYED]
        assert np.isfinite(samples.position_km[0, 0]).all()
        assert np.isnan(samples.position_km[0, 1:]).all()
        assert np.isnan(samples.velocity_km_s[0, 1:]).all()


def test_the_three_time_forms_give_the_same_states() -> None:
    propagator = Sgp4Propagator(_element_sets(ISS, GEO))
    start = datetime(2024, 6, 24, 12, 30, 15, 250000, tzinfo=UTC)
    moments = [start + timedelta(minutes=37 * step) for step in range(5)]
    as_datetime64 = np.array([m.replace(tzinfo=None) for m in moments], dtype="datetime64[us]")
    whole, fraction = zip(
        *(
            jday(m.year, m.month, m.day, m.hour, m.minute, m.second + m.microsecond / 1e6)
            for m in moments
        ),
        strict=True,
    )

    from_datetimes = propagator.propagate(moments)
    from_datetime64 = propagator.propagate(as_datetime64)
    from_julian = propagator.propagate(JulianDates(np.array(whole), np.array(fraction)))

    np.testing.assert_array_equal(from_datetimes.position_km, from_datetime64.position_km)
    np.testing.assert_allclose(
        from_julian.position_km, from_datetime64.position_km, rtol=0, atol=1e-8
    )
    np.testing.assert_array_equal(from_datetimes.times, as_datetime64.astype("datetime64[ns]"))


def test_naive_datetimes_are_refused() -> None:
    propagator = Sgp4Propagator(_element_sets(ISS))

    with pytest.raises(TimeInputError, match="naive datetime"):
        propagator.propagate([datetime(2024, 6, 24, 12)])


def test_shapes_units_and_read_only_results() -> None:
    propagator = Sgp4Propagator(_element_sets(ISS, GEO, ISS))
    times = _hourly(datetime(2024, 6, 24, tzinfo=UTC), 4)

    states = propagator.propagate(times)

    assert states.frame == "TEME"
    assert states.position_km.shape == states.velocity_km_s.shape == (3, 4, 3)
    assert states.error_code.shape == (3, 4)
    radius_km = np.linalg.norm(states.position_km, axis=-1)
    assert 6_700 < radius_km[0].min() < radius_km[0].max() < 6_850  # ISS altitude ~420 km
    assert 42_000 < radius_km[1].min() < radius_km[1].max() < 42_350  # geostationary
    assert 7.5 < np.linalg.norm(states.velocity_km_s[0], axis=-1).min() < 7.8  # km/s
    with pytest.raises(ValueError, match="read-only"):
        states.position_km[0, 0, 0] = 0.0


def test_one_time_per_object() -> None:
    propagator = Sgp4Propagator(_element_sets(ISS, GEO))
    reference = [satrec_from_element_set(es) for es in _element_sets(ISS, GEO)]

    samples = propagator.propagate_minutes_since_epoch(np.array([90.0, 600.0]))

    assert samples.position_km.shape == (2, 1, 3)
    for row, minutes in enumerate((90.0, 600.0)):
        _, position, _ = reference[row].sgp4_tsince(minutes)
        np.testing.assert_allclose(samples.position_km[row, 0], position, rtol=0, atol=1e-7)


def test_thread_limit_gives_identical_results_and_restores_heyoka() -> None:
    element_sets = _element_sets(ISS, DECAYING) * 20
    times = _hourly(datetime(2024, 6, 24, tzinfo=UTC), 30)
    before = heyoka.get_nthreads()

    single = Sgp4Propagator(element_sets, threads=1).propagate(times)
    unlimited = Sgp4Propagator(element_sets).propagate(times)

    np.testing.assert_array_equal(single.position_km, unlimited.position_km)
    assert heyoka.get_nthreads() == before


def test_no_objects_gives_empty_states() -> None:
    states = Sgp4Propagator([]).propagate(_hourly(datetime(2024, 6, 24, tzinfo=UTC), 2))

    assert states.position_km.shape == (0, 2, 3)
    assert states.norad_ids.shape == (0,)


def test_wrong_minutes_shape_names_the_expected_shape() -> None:
    propagator = Sgp4Propagator(_element_sets(ISS, GEO))

    with pytest.raises(ValueError, match=r"\(2,\) or \(2, n_samples\)"):
        propagator.propagate_minutes_since_epoch(np.zeros((3, 4)))


def test_omm_only_norad_ids_are_kept() -> None:
    element_set = dataclasses.replace(
        _element_sets(ISS)[0], norad_id=900_000_123, tle_line1=None, tle_line2=None
    )

    states = Sgp4Propagator([element_set]).propagate(_hourly(datetime(2024, 6, 24, tzinfo=UTC), 1))

    assert states.norad_ids.tolist() == [900_000_123]
    assert states.valid.all()
