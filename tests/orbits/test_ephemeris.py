"""EphemerisInterpolator against exact trajectories and NASA's ISS OEM; time and frame handling."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from accord.formats import ElementSet, OemMetadata, OemSegment, read_oem
from accord.orbits import (
    EphemerisError,
    EphemerisInterpolator,
    OutsideEphemerisError,
    Sgp4Propagator,
    ephemeris_epochs_utc,
    ephemeris_to_teme,
    teme_to_gcrs,
    teme_to_itrs,
)

ISS = "oem/nasa-iss/ISS.OEM_J2K_EPH_2025-02-26.xml"
#: An ISS-like element set (LEO, 92.7 min, e = 0.0007), the truth SGP4 trajectory.
LEO = ElementSet(
    norad_id=25544,
    epoch=datetime(2024, 11, 1, tzinfo=UTC),
    mean_motion_rev_per_day=15.5,
    eccentricity=0.0007,
    inclination_deg=51.6,
    raan_deg=130.0,
    arg_of_pericenter_deg=320.0,
    mean_anomaly_deg=40.0,
    bstar_per_earth_radius=1e-4,
)
#: Error bounds at mid-points of 4-minute LEO samples, stated from the measured errors.
#: Measured: Hermite 7 0.25 m (velocity 37 mm/s: SGP4's velocities are not exactly the
#: derivative of its positions, and Hermite honours both), Lagrange 9 0.023 m (0.07 mm/s).
HERMITE_7_MIDPOINT_BOUND_KM = 0.001
LAGRANGE_9_MIDPOINT_BOUND_KM = 0.001
#: Leave-one-out on the real ISS OEM (8-minute gap at the left-out point), Hermite 7.
ISS_LEAVE_ONE_OUT_BOUND_KM = 0.002  # measured 0.63 m worst over 55 points


def _segment(
    times: np.ndarray,
    frame: str,
    position: np.ndarray,
    velocity: np.ndarray,
    method: str,
    degree: int,
    time_system: str = "UTC",
) -> OemSegment:
    metadata = OemMetadata(
        object_name="TEST",
        object_id="2024-001A",
        center_name="EARTH",
        ref_frame=frame,
        time_system=time_system,
        start_time=times[0],
        stop_time=times[-1],
        interpolation=method,
        interpolation_degree=degree,
    )
    return OemSegment(metadata, times, position, velocity)


def _truth(times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    states = Sgp4Propagator([LEO]).propagate(times)
    return states.position_km[0], states.velocity_km_s[0]


@pytest.mark.parametrize(
    ("method", "degree", "bound_km"),
    [("HERMITE", 7, HERMITE_7_MIDPOINT_BOUND_KM), ("LAGRANGE", 9, LAGRANGE_9_MIDPOINT_BOUND_KM)],
)
def test_midpoints_of_a_4_minute_sgp4_trajectory(method: str, degree: int, bound_km: float) -> None:
    start = np.datetime64("2024-11-01T00:00:00", "ns")
    nodes = start + np.arange(0, 361) * np.timedelta64(240, "s")
    position, velocity = _truth(nodes)
    interpolator = EphemerisInterpolator(
        _segment(nodes, "TEME", position, velocity, method, degree)
    )
    midpoints = nodes[5:-5] + np.timedelta64(120, "s")
    got_position, got_velocity = interpolator.interpolate(midpoints)
    true_position, true_velocity = _truth(midpoints)
    assert np.max(np.linalg.norm(got_position - true_position, axis=1)) < bound_km
    assert np.max(np.linalg.norm(got_velocity - true_velocity, axis=1)) < 1e-4  # 0.1 m/s
    # At the nodes themselves the interpolation returns the data.
    at_nodes, _ = interpolator.interpolate(nodes[10:20])
    np.testing.assert_allclose(at_nodes, position[10:20], atol=1e-9)


def test_iss_oem_leave_one_out(shared: Callable[[str], Path]) -> None:
    segment = read_oem(shared(ISS).read_bytes(), source="iss").segments[0]
    worst = 0.0
    for index in range(50, 5300, 97):
        keep = np.ones(len(segment), dtype=bool)
        keep[index] = False
        subset = dataclasses.replace(
            segment,
            epochs=segment.epochs[keep],
            position_km=segment.position_km[keep],
            velocity_km_s=segment.velocity_km_s[keep],
        )
        interpolator = EphemerisInterpolator(subset, method="HERMITE", degree=7)
        position, _ = interpolator.interpolate(segment.epochs[index : index + 1])
        worst = max(worst, float(np.linalg.norm(position[0] - segment.position_km[index])))
    assert worst < ISS_LEAVE_ONE_OUT_BOUND_KM


def test_method_and_degree_come_from_the_header(shared: Callable[[str], Path]) -> None:
    lagrange = read_oem(shared("oem/orekit/oemLowerCaseValue.oem").read_bytes()).segments[0]
    interpolator = EphemerisInterpolator(lagrange)
    assert (interpolator.method, interpolator.degree, interpolator.points) == ("LAGRANGE", 5, 6)
    hermite = read_oem(shared(ISS).read_bytes()).segments[0]  # no INTERPOLATION keyword
    assert (EphemerisInterpolator(hermite).method, EphemerisInterpolator(hermite).points) == (
        "HERMITE",
        4,
    )


def test_times_outside_the_usable_span_are_refused(shared: Callable[[str], Path]) -> None:
    segment = read_oem(shared("oem/orekit/OEMExample1.txt").read_bytes()).segments[1]
    interpolator = EphemerisInterpolator(segment)
    assert interpolator.start == np.datetime64("1996-12-28T22:08:02.5", "ns")  # USEABLE_START
    with pytest.raises(OutsideEphemerisError, match="usable span"):
        interpolator.interpolate(np.array(["1996-12-28T21:30:00"], dtype="datetime64[ns]"))


def test_repeated_lines_are_dropped(shared: Callable[[str], Path]) -> None:
    segment = read_oem(shared("oem/orekit/OEMExample1.txt").read_bytes()).segments[2]
    assert len(segment) == 5
    assert EphemerisInterpolator(segment).epochs.size == 4


def test_tai_tt_gps_epochs_convert_to_utc(shared: Callable[[str], Path]) -> None:
    tai = read_oem(shared("oem/orekit/invalid/OEM-Issue839.txt").read_bytes()).segments[0]
    utc = read_oem(shared("oem/orekit/OEMExample1.txt").read_bytes()).segments[0]
    # TAI - UTC was 30 s from 1996-01-01 to 1997-07-01.
    np.testing.assert_array_equal(
        ephemeris_epochs_utc(tai.epochs, "TAI"), utc.epochs - np.timedelta64(30, "s")
    )
    moment = np.array(["2025-01-01T00:00:00"], dtype="datetime64[ns]")
    assert ephemeris_epochs_utc(moment, "GPS")[0] == moment[0] - np.timedelta64(18, "s")
    assert ephemeris_epochs_utc(moment, "TT")[0] == moment[0] - np.timedelta64(69184, "ms")
    with pytest.raises(EphemerisError, match="MRT"):
        ephemeris_epochs_utc(moment, "MRT")


def test_frames_convert_to_teme_consistently_with_skyfield() -> None:
    nodes = np.datetime64("2024-11-01T00:00:00", "ns") + np.arange(30) * np.timedelta64(60, "s")
    teme = Sgp4Propagator([LEO]).propagate(nodes)
    gcrs = teme_to_gcrs(teme)
    itrs = teme_to_itrs(teme)
    for frame, states in (("GCRF", gcrs), ("ITRF2014", itrs), ("TEME", teme)):
        segment = _segment(
            nodes, frame, states.position_km[0], states.velocity_km_s[0], "HERMITE", 7
        )
        back = ephemeris_to_teme(segment)
        np.testing.assert_allclose(back.position_km, teme.position_km[0], atol=1e-6)  # 1 mm
        np.testing.assert_allclose(back.velocity_km_s, teme.velocity_km_s[0], atol=1e-8)
    # EME2000 differs from the GCRS by the frame bias only: under a metre at LEO radius.
    eme = ephemeris_to_teme(
        _segment(nodes, "EME2000", gcrs.position_km[0], gcrs.velocity_km_s[0], "HERMITE", 7)
    )
    offset_km = np.linalg.norm(eme.position_km - teme.position_km[0], axis=1)
    assert 1e-5 < offset_km.max() < 1e-3


def test_unsupported_frames_and_centres_are_refused(shared: Callable[[str], Path]) -> None:
    tod = read_oem(shared("oem/orekit/test.oem").read_bytes()).segments[0]
    with pytest.raises(EphemerisError, match="TOD"):
        ephemeris_to_teme(tod)
    mars = read_oem(shared("oem/orekit/OEMExample4.txt").read_bytes()).segments[0]
    with pytest.raises(EphemerisError, match="CENTER_NAME"):
        ephemeris_to_teme(mars)
