"""TEME -> GCRS / ITRS -> WGS84 geodetic, against skyfield's own `EarthSatellite`.

Reference: skyfield's `EarthSatellite(line1, line2).at(t)` (GCRS), its
`frame_xyz_and_velocity(itrs)` (ITRS) and `wgs84.latlon_of` / `height_of` (geodetic), on the
same built-in timescale. States are propagated with `engine="python-sgp4"`, the engine
skyfield itself uses, so that only the frame conversion is under test.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from skyfield.api import EarthSatellite, load, wgs84
from skyfield.framelib import itrs

from accord.orbits import (
    FrameMismatchError,
    Sgp4Propagator,
    TemeStates,
    itrs_to_geodetic,
    skyfield_times,
    teme_to_gcrs,
    teme_to_itrs,
)
from tests.orbits._reference import element_set_from_tle

#: Same rotations, applied once per time and broadcast over objects instead of per satellite:
#: agreement to float64 rounding of ~40,000 km vectors (measured 1e-10 km).
POSITION_KM = 1e-8
VELOCITY_KM_S = 1e-11
ANGLE_DEG = 1e-9

SATELLITES = [
    (  # ISS, low Earth orbit
        "1 25544U 98067A   24176.43130787  .00015944  00000+0  28697-3 0  9997",
        "2 25544  51.6405  97.6018 0005068 185.9944 276.2257 15.50387286453432",
    ),
    (  # Molniya, 12 h eccentric (deep space)
        "1 08195U 75081A   06176.33215444  .00000099  00000-0  11873-3 0   813",
        "2 08195  64.1586 279.0717 6877146 264.7651  20.2257  2.00491383225656",
    ),
    (  # ITALSAT 2, geostationary
        "1 24208U 96044A   06177.04061740 -.00000094  00000-0  10000-3 0  1600",
        "2 24208   3.8536  80.0121 0026640 311.0977  48.3000  1.00778054 36119",
    ),
]
TIMES = np.datetime64("2024-06-24T00:00:00.125", "ns") + np.arange(0, 36 * 3600, 5400).astype(
    "timedelta64[s]"
)


@pytest.fixture
def teme_states() -> TemeStates:
    propagator = Sgp4Propagator(
        [element_set_from_tle(*pair) for pair in SATELLITES], engine="python-sgp4"
    )
    return propagator.propagate(TIMES)


def _skyfield_positions() -> list[Any]:
    timescale = load.timescale(builtin=True)
    t = skyfield_times(TIMES)
    return [EarthSatellite(*pair, ts=timescale).at(t) for pair in SATELLITES]


def test_skyfield_times_are_the_same_utc_instants() -> None:
    t = skyfield_times(TIMES)

    assert t.utc_iso(places=3)[:2] == ["2024-06-24T00:00:00.125Z", "2024-06-24T01:30:00.125Z"]


def test_gcrs_matches_skyfield_earth_satellite(teme_states: TemeStates) -> None:
    gcrs = teme_to_gcrs(teme_states)

    assert gcrs.frame == "GCRS"
    for row, position in enumerate(_skyfield_positions()):
        np.testing.assert_allclose(
            gcrs.position_km[row], position.xyz.km.T, rtol=0, atol=POSITION_KM
        )
        np.testing.assert_allclose(
            gcrs.velocity_km_s[row], position.velocity.km_per_s.T, rtol=0, atol=VELOCITY_KM_S
        )


def test_itrs_matches_skyfield_earth_satellite(teme_states: TemeStates) -> None:
    fixed = teme_to_itrs(teme_states)

    assert fixed.frame == "ITRS"
    for row, position in enumerate(_skyfield_positions()):
        xyz, velocity = position.frame_xyz_and_velocity(itrs)
        np.testing.assert_allclose(fixed.position_km[row], xyz.km.T, rtol=0, atol=POSITION_KM)
        np.testing.assert_allclose(
            fixed.velocity_km_s[row], velocity.km_per_s.T, rtol=0, atol=VELOCITY_KM_S
        )
    # The Earth-rotation term: the (once) geostationary satellite moves at 3.07 km/s inertially
    # but far slower over the ground (its 2006 elements have drifted in inclination by 2024).
    inertial_speed = np.linalg.norm(teme_states.velocity_km_s[2], axis=-1)
    ground_speed = np.linalg.norm(fixed.velocity_km_s[2], axis=-1)
    assert inertial_speed.min() > 3.0 and ground_speed.max() < 1.5


def test_geodetic_matches_skyfield_wgs84(teme_states: TemeStates) -> None:
    points = itrs_to_geodetic(teme_to_itrs(teme_states))

    for row, position in enumerate(_skyfield_positions()):
        latitude, longitude = wgs84.latlon_of(position)
        np.testing.assert_allclose(
            points.latitude_deg[row], latitude.degrees, rtol=0, atol=ANGLE_DEG
        )
        np.testing.assert_allclose(
            points.longitude_deg[row], longitude.degrees, rtol=0, atol=ANGLE_DEG
        )
        np.testing.assert_allclose(
            points.height_km[row], wgs84.height_of(position).km, rtol=0, atol=POSITION_KM
        )
    assert 400 < points.height_km[0].min() < points.height_km[0].max() < 440  # ISS
    assert np.abs(points.latitude_deg[0]).max() < 51.7  # never beyond its inclination


def test_conversions_refuse_states_in_the_wrong_frame(teme_states: TemeStates) -> None:
    gcrs = teme_to_gcrs(teme_states)

    with pytest.raises(FrameMismatchError, match="takes TEME states, but these are in GCRS"):
        teme_to_itrs(gcrs)
    with pytest.raises(FrameMismatchError, match="takes ITRS states"):
        itrs_to_geodetic(teme_states)


def test_failed_samples_stay_nan_through_the_frames() -> None:
    decaying = element_set_from_tle(
        "1 28872U 05037B   05333.02012661  .25992681  00000-0  24476-3 0  1534",
        "2 28872  96.4736 157.9986 0303955 244.0492 110.6523 16.46015938 10708",
    )
    states = Sgp4Propagator([decaying]).propagate(np.array(["2005-11-29T01:29"], "datetime64[ns]"))

    points = itrs_to_geodetic(teme_to_itrs(states))

    assert states.error_code[0, 0] == 6
    assert np.isnan(points.height_km[0, 0]) and np.isnan(points.latitude_deg[0, 0])
