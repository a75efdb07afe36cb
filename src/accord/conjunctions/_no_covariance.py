"""Collision probability when the data carry no covariance (TLE/GP element sets).

Two clearly labelled answers, never presented as a true Pc:

* ALFANO-2005-MAX, the maximum probability as CelesTrak SOCRATES reports it: with the
  miss distance and combined hard-body radius fixed, the projected covariance ellipse is
  oriented and sized to maximise the Pc (Alfano, "Relating Position Uncertainty to Maximum
  Conjunction Probability", J. Astronaut. Sci. 53(2), 2005). The ellipse's axis ratio is an
  input; SOCRATES fixes it from RTN sigmas of 100 m, 300 m, 100 m, i.e. 3:1
  (celestrak.org/SOCRATES documentation, "Max Probability"). The worst orientation puts the
  miss along the major axis; the size is found numerically on the exact 2-D integral. The
  maximising major-axis sigma is SOCRATES' "dilution threshold". When the hard-body radius
  reaches the miss distance the maximum is 1 (a vanishing covariance), as SOCRATES notes.
  For R << d the maximum tends to aspect_ratio * R^2 / (e * d^2).
* DEFAULT-COVARIANCE: a Foster Pc with an assumed diagonal RTN covariance per object. The
  default sigmas are SOCRATES' 100/300/100 m; they are an assumption, not a measurement of
  TLE accuracy, and callers should pass values suited to their regime and data age.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.interpolate import CubicSpline

from accord.conjunctions._circle import gaussian_mass_in_circle
from accord.conjunctions._probability import CollisionProbability, foster_pc

__all__ = [
    "ALFANO_2005_MAX",
    "DEFAULT_COVARIANCE",
    "SOCRATES_ASPECT_RATIO",
    "AssumedRtnSigmas",
    "MaximumCollisionProbability",
    "default_covariance_pc",
    "maximum_pc",
]

FloatArray = NDArray[np.float64]

ALFANO_2005_MAX = "ALFANO-2005-MAX"
DEFAULT_COVARIANCE = "DEFAULT-COVARIANCE"
#: Major/minor axis ratio SOCRATES uses: in-track 300 m over radial/cross-track 100 m.
SOCRATES_ASPECT_RATIO = 3.0

_GOLDEN = (np.sqrt(5.0) - 1.0) / 2.0
_GRID = np.logspace(-3.0, 3.0, 49)  # multiples of the small-radius optimum d / sqrt(2)
_REFINEMENTS = 40
#: The tabulated range of hard-body radius over miss distance (above it the maximisation
#: runs per element; below it the small-radius limit holds to 1e-12, better than the
#: quadrature of a circle that small); 2,400 nodes keep the table within 1e-8 of the exact
#: maximum (tests/conjunctions/test_no_covariance.py).
_TABLE_MIN_RATIO = 1e-6
_TABLE_MAX_RATIO = 0.5
_TABLE_NODES = 2400


@dataclass(frozen=True, slots=True, eq=False)
class MaximumCollisionProbability:
    """Maximum Pc over covariance size at a fixed axis ratio, per batch element.

    `pc` in [0, 1]; `dilution_threshold_m` is the major-axis sigma giving the maximum
    (0 where the hard-body radius covers the miss); `method` is "ALFANO-2005-MAX".
    """

    pc: FloatArray
    method: str
    dilution_threshold_m: FloatArray
    aspect_ratio: float
    miss_distance_m: FloatArray
    hard_body_radius_m: FloatArray


@dataclass(frozen=True, slots=True)
class AssumedRtnSigmas:
    """Assumed 1-sigma position errors of an object without covariance, metres, RTN axes."""

    radial_m: float = 100.0
    in_track_m: float = 300.0
    cross_track_m: float = 100.0

    def covariance_m2(self) -> FloatArray:
        """The diagonal 3x3 RTN covariance, m^2."""
        return np.diag([self.radial_m**2, self.in_track_m**2, self.cross_track_m**2])


def maximum_pc(
    miss_distance_m: ArrayLike,
    hard_body_radius_m: ArrayLike,
    *,
    aspect_ratio: float = SOCRATES_ASPECT_RATIO,
) -> MaximumCollisionProbability:
    """Alfano (2005) maximum Pc for a batch of misses, as SOCRATES reports it.

    `miss_distance_m` (N,) and `hard_body_radius_m` (N,) or scalar, metres;
    `aspect_ratio` >= 1 is the major/minor sigma ratio of the projected covariance.
    """
    if not aspect_ratio >= 1.0:
        raise ValueError(f"aspect_ratio must be >= 1 (major/minor), not {aspect_ratio}")
    miss = np.atleast_1d(np.asarray(miss_distance_m, dtype=np.float64))
    radius = np.broadcast_to(np.asarray(hard_body_radius_m, dtype=np.float64), miss.shape)
    radius = np.ascontiguousarray(radius)
    covered = radius >= miss
    active = np.flatnonzero(~covered & (radius > 0.0))
    pc = np.where(covered & (radius > 0.0), 1.0, 0.0)
    threshold = np.zeros_like(miss)
    if active.size:
        d, r = miss[active], radius[active]
        ratio = r / d
        tabled = ratio <= _TABLE_MAX_RATIO
        pc_active, sigma_active = np.empty_like(d), np.empty_like(d)
        if np.any(tabled):
            pc_active[tabled], scale = _from_table(ratio[tabled], float(aspect_ratio))
            sigma_active[tabled] = scale * d[tabled]
        if not np.all(tabled):
            pc_active[~tabled], sigma_active[~tabled] = _maximise(
                d[~tabled], r[~tabled], float(aspect_ratio)
            )
        pc[active] = pc_active
        threshold[active] = sigma_active
    return MaximumCollisionProbability(
        pc=pc,
        method=ALFANO_2005_MAX,
        dilution_threshold_m=threshold,
        aspect_ratio=float(aspect_ratio),
        miss_distance_m=miss,
        hard_body_radius_m=radius,
    )


def _maximise(
    miss_m: FloatArray, radius_m: FloatArray, aspect_ratio: float
) -> tuple[FloatArray, FloatArray]:
    """The exact maximum over the major-axis sigma: (Pc, maximising sigma in metres).

    About 130 evaluations of the 2-D integral per element: used where the table does not
    reach (radius above `_TABLE_MAX_RATIO` of the miss) and to build the table.
    """

    def pc_at(log_sigma: FloatArray) -> FloatArray:
        sigma_major = np.exp(log_sigma)
        return gaussian_mass_in_circle(
            miss_m, np.zeros_like(miss_m), sigma_major, sigma_major / aspect_ratio, radius_m
        )

    # Coarse grid around the small-radius optimum, then golden-section refinement inside
    # the best grid cell (the Pc is unimodal in the covariance scale).
    base = np.log(miss_m / np.sqrt(2.0))
    log_grid = base[:, None] + np.log(_GRID)[None, :]
    values = np.stack([pc_at(log_grid[:, k]) for k in range(len(_GRID))], axis=1)
    best = np.clip(np.argmax(values, axis=1), 1, len(_GRID) - 2)
    rows = np.arange(len(miss_m))
    low, high = log_grid[rows, best - 1], log_grid[rows, best + 1]
    inner_low = high - _GOLDEN * (high - low)
    inner_high = low + _GOLDEN * (high - low)
    f_low, f_high = pc_at(inner_low), pc_at(inner_high)
    for _ in range(_REFINEMENTS):
        go_up = f_high > f_low
        low = np.where(go_up, inner_low, low)
        high = np.where(go_up, high, inner_high)
        inner_low, inner_high = (
            np.where(go_up, inner_high, high - _GOLDEN * (high - low)),
            np.where(go_up, low + _GOLDEN * (high - low), inner_low),
        )
        f_low, f_high = (
            np.where(go_up, f_high, pc_at(inner_low)),
            np.where(go_up, pc_at(inner_high), f_low),
        )
    best_log = np.where(f_high > f_low, inner_high, inner_low)
    return np.maximum(f_low, f_high), np.exp(best_log)


@functools.lru_cache(maxsize=8)
def _table(aspect_ratio: float) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Nodes ln(R/d), ln(Pc_max) - 2 ln(R/d) and ln(sigma*/d) of the exact maximum.

    Scaling miss, radius and sigmas by one factor leaves the Pc unchanged, so at a fixed
    axis ratio the maximum depends on R/d alone: tabulated once, it costs an interpolation
    per conjunction instead of ~130 integrals (a whole catalog screening has ~10^5).
    Tabulating ln(Pc) - 2 ln(R/d), which tends to ln(aspect_ratio / e) as R/d -> 0, keeps
    the interpolated function nearly flat.
    """
    log_ratio = np.linspace(np.log(_TABLE_MIN_RATIO), np.log(_TABLE_MAX_RATIO), _TABLE_NODES)
    ratio = np.exp(log_ratio)
    pc, sigma = _maximise(np.ones_like(ratio), ratio, aspect_ratio)
    return log_ratio, np.log(pc) - 2.0 * log_ratio, np.log(sigma)


def _from_table(ratio: FloatArray, aspect_ratio: float) -> tuple[FloatArray, FloatArray]:
    """(Pc_max, sigma*/d) for R/d <= `_TABLE_MAX_RATIO` by cubic interpolation; below
    `_TABLE_MIN_RATIO` the small-radius limit (Pc proportional to (R/d)^2, sigma* fixed)
    continues the first node."""
    log_ratio, residual, log_scale = _table(aspect_ratio)
    x = np.clip(np.log(ratio), log_ratio[0], log_ratio[-1])
    pc = np.exp(CubicSpline(log_ratio, residual)(x) + 2.0 * np.log(ratio))
    return pc, np.exp(np.interp(x, log_ratio, log_scale))


def default_covariance_pc(
    primary_position_km: ArrayLike,
    primary_velocity_km_s: ArrayLike,
    secondary_position_km: ArrayLike,
    secondary_velocity_km_s: ArrayLike,
    hard_body_radius_m: ArrayLike,
    *,
    primary_sigmas: AssumedRtnSigmas | None = None,
    secondary_sigmas: AssumedRtnSigmas | None = None,
) -> CollisionProbability:
    """Foster Pc with assumed RTN covariances, labelled "DEFAULT-COVARIANCE".

    States in one inertial frame (km, km/s), shapes (N, 3) or (3,); the sigmas default to
    `AssumedRtnSigmas()` (SOCRATES' 100/300/100 m), an assumption to be stated with the result.
    """
    first = (primary_sigmas or AssumedRtnSigmas()).covariance_m2()
    second = (secondary_sigmas or AssumedRtnSigmas()).covariance_m2()
    return foster_pc(
        primary_position_km,
        primary_velocity_km_s,
        first,
        secondary_position_km,
        secondary_velocity_km_s,
        second,
        hard_body_radius_m,
        covariance_frame="rtn",
        method=DEFAULT_COVARIANCE,
    )
