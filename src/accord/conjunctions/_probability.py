"""Foster 2-D collision probability with a circular hard-body radius, vectorised over a batch.

Model (Foster & Estes 1992, NASA JSC-25898; Chan 2008, "Spacecraft Collision Probability",
ch. 2): at TCA the encounter is short and rectilinear, the two position errors are
independent Gaussians, so the relative position error is Gaussian with the sum of the two
3x3 position covariances. Projected on the encounter plane (perpendicular to the relative
velocity) it is a 2-D Gaussian centred on the miss vector; the collision probability is its
mass inside the circle of the combined hard-body radius. The integral is done by
`accord.conjunctions._circle` to better than 1e-6 relative on every validation case.

Units: positions km, velocities km/s (as CDMs and SGP4 give them), covariances m^2, hard-body
radius m. Frames: both states and both covariances in one inertial frame, or covariances in
each object's own RTN frame (`covariance_frame="rtn"`, the CDM convention).

Non-positive-definite input (NASA CARA's remediation, "CARA Analysis Tools", Pc2D_Foster):
the projected 2x2 covariance is eigen-decomposed and eigenvalues below
`(1e-4 * hard_body_radius_m)^2` are raised to that floor; the result flags those cases in
`remediated`. With `remediation="raise"` a CovarianceError names the object instead.
Non-finite covariances always raise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from accord.conjunctions._circle import gaussian_mass_in_circle
from accord.conjunctions._encounter import encounter_plane_projection, rtn_covariance_to_inertial
from accord.conjunctions._errors import CovarianceError

__all__ = [
    "CLIP_FRACTION_OF_HBR",
    "FOSTER_1992",
    "CollisionProbability",
    "foster_pc",
    "pc_in_encounter_plane",
]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

#: Method label, as CCSDS 508.0-B-1 COLLISION_PROBABILITY_METHOD (SANA registry) spells it.
FOSTER_1992 = "FOSTER-1992"
#: Eigenvalue floor of the projected covariance, as a fraction of the hard-body radius (CARA).
CLIP_FRACTION_OF_HBR = 1e-4

Remediation = Literal["clip", "raise"]
CovarianceFrame = Literal["inertial", "rtn"]


@dataclass(frozen=True, slots=True, eq=False)
class CollisionProbability:
    """Collision probabilities of a batch of encounters and how they were obtained.

    Every array has the batch length. `pc` is dimensionless in [0, 1]; `method` is the
    CDM COLLISION_PROBABILITY_METHOD-style label; `miss_distance_m` the miss in the
    encounter plane; `sigma_major_m`/`sigma_minor_m` the principal standard deviations of
    the projected combined covariance (after remediation); `remediated` is True where
    eigenvalues were clipped (see the module docstring).
    """

    pc: FloatArray
    method: str
    miss_distance_m: FloatArray
    sigma_major_m: FloatArray
    sigma_minor_m: FloatArray
    hard_body_radius_m: FloatArray
    remediated: BoolArray


def pc_in_encounter_plane(
    miss_distance_m: ArrayLike,
    covariance_2d_m2: ArrayLike,
    hard_body_radius_m: ArrayLike,
    *,
    method: str = FOSTER_1992,
    remediation: Remediation = "clip",
) -> CollisionProbability:
    """Pc of encounters already projected on the encounter plane.

    `miss_distance_m` (N,) lies along the plane's first axis; `covariance_2d_m2` (N, 2, 2)
    is the combined covariance in that plane; `hard_body_radius_m` (N,) or scalar.
    """
    miss = np.atleast_1d(np.asarray(miss_distance_m, dtype=np.float64))
    cov = np.asarray(covariance_2d_m2, dtype=np.float64).reshape(-1, 2, 2)
    radius = np.broadcast_to(np.asarray(hard_body_radius_m, dtype=np.float64), miss.shape)
    _require_finite(cov.reshape(len(cov), -1), "combined (encounter-plane)")
    if np.any(~np.isfinite(radius) | (radius < 0.0)):
        raise ValueError("hard_body_radius_m must be finite and >= 0 (metres)")

    a, b, c = cov[:, 0, 0], 0.5 * (cov[:, 0, 1] + cov[:, 1, 0]), cov[:, 1, 1]
    mean = 0.5 * (a + c)
    spread = np.hypot(0.5 * (a - c), b)
    major_var, minor_var = mean + spread, mean - spread
    floor = (CLIP_FRACTION_OF_HBR * radius) ** 2
    needs_clip = minor_var < floor
    if remediation == "raise" and np.any(minor_var <= 0.0):
        bad = np.flatnonzero(minor_var <= 0.0).tolist()
        raise CovarianceError(
            "combined (encounter-plane)",
            bad,
            "projected 2x2 covariance is not positive definite "
            f"(smallest eigenvalue {float(np.min(minor_var)):.3e} m^2)",
            "check both objects' covariances, or pass remediation='clip'",
        )
    major_var = np.maximum(major_var, floor)
    minor_var = np.maximum(minor_var, floor)
    # Angle of the major axis from the miss direction (the plane's first axis).
    angle = 0.5 * np.arctan2(2.0 * b, a - c)
    sigma_major = np.sqrt(major_var)
    sigma_minor = np.sqrt(minor_var)
    with np.errstate(invalid="ignore", divide="ignore"):
        pc = gaussian_mass_in_circle(
            miss * np.cos(angle),
            miss * np.sin(angle),
            np.where(sigma_major > 0.0, sigma_major, 1.0),
            np.where(sigma_minor > 0.0, sigma_minor, 1.0),
            np.ascontiguousarray(radius),
        )
    pc = np.where(radius > 0.0, pc, 0.0)
    return CollisionProbability(
        pc=pc,
        method=method,
        miss_distance_m=miss,
        sigma_major_m=sigma_major,
        sigma_minor_m=sigma_minor,
        hard_body_radius_m=np.array(radius),
        remediated=needs_clip & (radius > 0.0),
    )


def foster_pc(
    primary_position_km: ArrayLike,
    primary_velocity_km_s: ArrayLike,
    primary_covariance_m2: ArrayLike,
    secondary_position_km: ArrayLike,
    secondary_velocity_km_s: ArrayLike,
    secondary_covariance_m2: ArrayLike,
    hard_body_radius_m: ArrayLike,
    *,
    covariance_frame: CovarianceFrame = "inertial",
    remediation: Remediation = "clip",
    method: str = FOSTER_1992,
) -> CollisionProbability:
    """Foster (1992) 2-D Pc of a batch of encounters at TCA, circular hard-body radius.

    Shapes: positions/velocities (N, 3) or (3,); covariances (N, 3, 3) or (N, 6, 6) (only
    the position block is used, m^2), in the states' inertial frame or, with
    `covariance_frame="rtn"`, each in its own object's RTN frame. `hard_body_radius_m` is
    the combined radius (scalar or (N,)). The result is symmetric in the two objects.
    """
    r1 = np.atleast_2d(np.asarray(primary_position_km, dtype=np.float64))
    v1 = np.atleast_2d(np.asarray(primary_velocity_km_s, dtype=np.float64))
    r2 = np.atleast_2d(np.asarray(secondary_position_km, dtype=np.float64))
    v2 = np.atleast_2d(np.asarray(secondary_velocity_km_s, dtype=np.float64))
    cov1 = _position_block(primary_covariance_m2, "primary")
    cov2 = _position_block(secondary_covariance_m2, "secondary")
    if covariance_frame == "rtn":
        cov1 = rtn_covariance_to_inertial(cov1, r1, v1)
        cov2 = rtn_covariance_to_inertial(cov2, r2, v2)
    elif covariance_frame != "inertial":
        raise ValueError(f"covariance_frame must be 'inertial' or 'rtn', not {covariance_frame!r}")
    if remediation == "raise":
        _require_positive_semidefinite(cov1, "primary")
        _require_positive_semidefinite(cov2, "secondary")
    combined = np.broadcast_to(cov1 + cov2, (max(len(r1), len(r2), len(cov1 + cov2)), 3, 3))
    miss_m, cov_2d = encounter_plane_projection(
        np.broadcast_to((r2 - r1) * 1000.0, combined.shape[:2]),
        np.broadcast_to((v2 - v1) * 1000.0, combined.shape[:2]),
        combined,
    )
    return pc_in_encounter_plane(
        miss_m, cov_2d, hard_body_radius_m, method=method, remediation=remediation
    )


def _position_block(covariance: ArrayLike, which: str) -> FloatArray:
    cov = np.asarray(covariance, dtype=np.float64)
    if cov.ndim == 2:
        cov = cov[None]
    if cov.ndim != 3 or cov.shape[1] != cov.shape[2] or cov.shape[1] < 3:
        raise CovarianceError(
            which,
            [],
            f"shape {cov.shape} is not (N, 3, 3) or (N, 6, 6)",
            "pass the position covariance (m^2) as 3x3 or the full 6x6 state covariance",
        )
    block = cov[:, :3, :3]
    _require_finite(block.reshape(len(block), -1), which)
    return block


def _require_finite(values: FloatArray, which: str) -> None:
    bad = np.flatnonzero(~np.all(np.isfinite(values), axis=-1))
    if bad.size:
        raise CovarianceError(
            which,
            bad.tolist(),
            "contains NaN or infinite entries",
            "supply a real covariance, or use the maximum-Pc or default-covariance method "
            "for objects without one",
        )


def _require_positive_semidefinite(cov: FloatArray, which: str) -> None:
    eigenvalues = np.linalg.eigvalsh(0.5 * (cov + np.swapaxes(cov, -1, -2)))
    # Relative tolerance: round-off in a PSD matrix gives tiny negative eigenvalues.
    tolerance = 1e-10 * np.maximum(np.abs(eigenvalues).max(axis=-1), 1e-300)
    bad = np.flatnonzero(eigenvalues[:, 0] < -tolerance)
    if bad.size:
        raise CovarianceError(
            which,
            bad.tolist(),
            "position covariance is not positive semi-definite "
            f"(smallest eigenvalue {float(eigenvalues[bad[0], 0]):.3e} m^2)",
            "fix the covariance source, or pass remediation='clip' to clip the projected "
            "covariance's eigenvalues (CARA's remediation)",
        )
