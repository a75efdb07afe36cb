"""Sgp4Propagator.propagate_time_major: the same states in the (times, 7, objects) layout."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from accord.formats import ElementSet
from accord.orbits import Sgp4Propagator

EPOCH = datetime(2024, 11, 1, tzinfo=UTC)


def _element_set(norad_id: int, mean_motion_rev_per_day: float, eccentricity: float) -> ElementSet:
    return ElementSet(
        norad_id=norad_id,
        epoch=EPOCH,
        mean_motion_rev_per_day=mean_motion_rev_per_day,
        eccentricity=eccentricity,
        inclination_deg=51.6,
        raan_deg=20.0,
        arg_of_pericenter_deg=30.0,
        mean_anomaly_deg=40.0,
        bstar_per_earth_radius=1e-4,
    )


def test_time_major_equals_propagate_for_near_earth_and_deep_space() -> None:
    # LEO (heyoka), GEO and a GTO (python-sgp4, deep space): both engines in one propagator.
    propagator = Sgp4Propagator(
        [_element_set(1, 15.5, 0.001), _element_set(2, 1.0027, 0.0002), _element_set(3, 2.3, 0.7)]
    )
    assert list(propagator.on_heyoka) == [True, False, False]
    times = np.datetime64("2024-11-01T00:00") + np.arange(50) * np.timedelta64(97, "s")
    states = propagator.propagate(times)
    raw = propagator.propagate_time_major(times)
    assert raw.shape == (50, 7, 3)
    # Same minutes since epoch and the same engines: identical numbers.
    np.testing.assert_array_equal(raw[:, 0:3, :].transpose(2, 0, 1), states.position_km)
    np.testing.assert_array_equal(raw[:, 3:6, :].transpose(2, 0, 1), states.velocity_km_s)
    np.testing.assert_array_equal(raw[:, 6, :].T, states.error_code)
    buffer = np.empty((50, 7, 3))
    assert propagator.propagate_time_major(times, out=buffer) is buffer
    np.testing.assert_array_equal(buffer, raw)


def test_time_major_refuses_a_buffer_of_the_wrong_shape() -> None:
    propagator = Sgp4Propagator([_element_set(1, 15.5, 0.001)])
    times = np.datetime64("2024-11-01T00:00") + np.arange(4) * np.timedelta64(60, "s")
    with pytest.raises(ValueError, match=r"\(4, 7, 1\)"):
        propagator.propagate_time_major(times, out=np.empty((4, 6, 1)))
