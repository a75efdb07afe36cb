"""Release conditions applied to plain records: coarsened positions, withheld covariance."""

from __future__ import annotations

import math

import pytest

from accord.agreements import (
    VELOCITY_HORIZON_S,
    Degradation,
    DegradationError,
    ReleaseConditions,
    apply_release,
    coarsen_position_km,
    coarsen_velocity_km_s,
    is_covariance_field,
    withhold_covariance,
)

COARSE = ReleaseConditions(Degradation(position_precision_km=10.0, covariance_withheld=True))


def test_positions_snap_to_multiples_within_half_the_precision() -> None:
    position_km = (6878.137, -1234.9, 4.99)
    coarse = coarsen_position_km(position_km, 10.0)
    assert coarse == (6880.0, -1230.0, 0.0)
    for fine, snapped in zip(position_km, coarse, strict=True):
        assert abs(fine - snapped) <= 5.0
    with pytest.raises(DegradationError, match="positive precision"):
        coarsen_position_km(position_km, 0.0)


def test_velocity_carried_over_the_horizon_stays_within_the_precision() -> None:
    velocity_km_s = (7.6123, -0.0041, 0.3337)
    coarse = coarsen_velocity_km_s(velocity_km_s, 10.0)
    step = 10.0 / VELOCITY_HORIZON_S
    for fine, snapped in zip(velocity_km_s, coarse, strict=True):
        assert math.isclose(snapped / step, round(snapped / step), abs_tol=1e-9)
        assert abs(fine - snapped) * VELOCITY_HORIZON_S <= 5.0 + 1e-9


def test_covariance_fields_of_cdm_and_oem_are_recognised() -> None:
    for name in ("CR_R", "ct_t", "CNDOT_NDOT", "CDRG_R", "covariance", "position_covariance_km2"):
        assert is_covariance_field(name), name
    for name in ("X", "TCA", "MISS_DISTANCE", "OBJECT_NAME", "CREATION_DATE"):
        assert not is_covariance_field(name), name
    assert withhold_covariance({"X": 1.0, "CR_R": 2.0}) == {"X": 1.0}


def test_apply_release_degrades_a_state_record() -> None:
    record = {
        "norad_id": 39634,
        "x_km": 7000.4,
        "y_km": 12.6,
        "z_km": -3.2,
        "vx_km_s": 0.001,
        "vy_km_s": 7.5,
        "vz_km_s": 0.02,
        "covariance": [[1.0]],
    }
    released = apply_release(record, COARSE)
    assert (released["x_km"], released["y_km"], released["z_km"]) == (7000.0, 10.0, 0.0)
    assert "covariance" not in released
    assert released["norad_id"] == 39634
    assert record["x_km"] == 7000.4  # the input is not changed
    unrestricted = apply_release(record, ReleaseConditions())
    assert unrestricted == record


def test_records_that_cannot_be_coarsened_are_refused() -> None:
    with pytest.raises(DegradationError, match="MEAN_MOTION.*cannot be coarsened"):
        apply_release({"X": 1.0, "Y": 2.0, "Z": 3.0, "MEAN_MOTION": 15.5}, COARSE)
    with pytest.raises(DegradationError, match="no position triplet"):
        apply_release({"OBJECT_NAME": "ISS"}, COARSE)
    withheld_only = ReleaseConditions(Degradation(covariance_withheld=True))
    assert apply_release({"MEAN_MOTION": 15.5, "CR_R": 1.0}, withheld_only) == {"MEAN_MOTION": 15.5}
