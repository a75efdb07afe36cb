"""Maximum Pc (Alfano 2005 / SOCRATES) and the default-covariance method."""

from __future__ import annotations

import math

import numpy as np
import pytest

from accord.conjunctions import (
    SOCRATES_ASPECT_RATIO,
    AssumedRtnSigmas,
    default_covariance_pc,
    maximum_pc,
    pc_in_encounter_plane,
)
from accord.conjunctions._no_covariance import _maximise


def test_maximum_pc_tends_to_alfanos_small_radius_formula() -> None:
    # For R << d the maximum is AR * R^2 / (e d^2) at sigma_major = d / sqrt(2).
    miss = np.array([1000.0, 5000.0])
    result = maximum_pc(miss, 5.0)
    assert result.method == "ALFANO-2005-MAX"
    assert result.pc == pytest.approx(3.0 * 25.0 / (math.e * miss**2), rel=1e-3)
    assert result.dilution_threshold_m == pytest.approx(miss / np.sqrt(2.0), rel=1e-3)


def test_maximum_pc_bounds_the_pc_of_every_scaled_covariance() -> None:
    miss, radius = 80.0, 10.0
    best = maximum_pc(np.array([miss]), radius).pc[0]
    for sigma_major in np.logspace(0.5, 3.5, 25):
        cov = np.diag([sigma_major**2, (sigma_major / 3.0) ** 2])[None]
        assert pc_in_encounter_plane(np.array([miss]), cov, radius).pc[0] <= best * (1 + 1e-9)


def test_the_tabulated_maximum_matches_the_exact_maximisation() -> None:
    # maximum_pc interpolates a table in R/d (the maximum is scale-free); the exact search
    # over the covariance size is the reference for radii of 1e-6 to 0.9 of the miss, and
    # Alfano's small-radius limit AR R^2 / (e d^2) below (where it holds to ~(R/d)^2 and
    # the quadrature of so small a circle is the less accurate of the two).
    rng = np.random.default_rng(2005)
    ratio = np.exp(rng.uniform(np.log(1e-6), np.log(0.9), 3000))
    miss = rng.uniform(1.0, 50_000.0, ratio.size)
    result = maximum_pc(miss, ratio * miss)
    exact_pc, exact_sigma = _maximise(miss, ratio * miss, SOCRATES_ASPECT_RATIO)
    assert np.max(np.abs(result.pc / exact_pc - 1.0)) < 1e-8
    # The maximum is flat in sigma, so its location is known less well than its value.
    assert np.max(np.abs(result.dilution_threshold_m / exact_sigma - 1.0)) < 1e-3
    tiny = np.exp(rng.uniform(np.log(1e-12), np.log(1e-6), 500))
    limit = SOCRATES_ASPECT_RATIO * tiny**2 / math.e
    assert np.max(np.abs(maximum_pc(1000.0 / tiny, 1000.0).pc / limit - 1.0)) < 1e-8


def test_maximum_pc_is_one_when_the_radius_covers_the_miss() -> None:
    result = maximum_pc(np.array([3.0, 0.0]), np.array([5.0, 1.0]))
    assert result.pc.tolist() == [1.0, 1.0]


def test_default_covariance_pc_is_labelled_and_uses_the_assumed_sigmas() -> None:
    r1, v1 = np.array([7000.0, 0.0, 0.0]), np.array([0.0, 7.5, 0.0])
    r2, v2 = r1 + np.array([0.0, 0.0, 0.2]), np.array([0.0, 0.0, 7.5])
    loose = default_covariance_pc(r1, v1, r2, v2, 10.0)
    tight = default_covariance_pc(
        r1, v1, r2, v2, 10.0,
        primary_sigmas=AssumedRtnSigmas(10.0, 30.0, 10.0),
        secondary_sigmas=AssumedRtnSigmas(10.0, 30.0, 10.0),
    )  # fmt: skip
    assert loose.method == "DEFAULT-COVARIANCE"
    assert 0.0 < loose.pc[0] < 1.0
    assert tight.pc[0] < loose.pc[0]  # 200 m is ~7 sigma for 30 m errors, ~1 for 300 m
