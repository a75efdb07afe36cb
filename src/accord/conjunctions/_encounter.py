"""Encounter (B-) plane geometry: RTN rotations and projection of the combined covariance.

Frames: states are in one inertial frame (EME2000/GCRF/TEME, whichever both objects share);
RTN is the primary's or secondary's own radial / transverse (in-track) / normal frame as
CCSDS 508.0-B-1 section 3.5 defines it (R along the position, N along r x v, T = N x R).

The encounter plane is perpendicular to the relative velocity at TCA. Its first axis lies
along the miss vector (the part of the relative position perpendicular to the relative
velocity), its second axis completes the right-handed set with the relative velocity,
following Foster & Estes (1992) and NASA CARA's Pc2D_Foster conventions.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from accord.conjunctions._errors import EncounterGeometryError

__all__ = [
    "encounter_plane_projection",
    "rtn_covariance_to_inertial",
    "rtn_rotation",
]

FloatArray = NDArray[np.float64]


def _unit(vectors: FloatArray) -> FloatArray:
    norm = np.linalg.norm(vectors, axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return vectors / norm


def rtn_rotation(position: ArrayLike, velocity: ArrayLike) -> FloatArray:
    """Rotation matrices whose rows are the R, T, N unit vectors in the inertial frame.

    `position` and `velocity` have shape (..., 3) in any consistent units; the result has
    shape (..., 3, 3) and maps inertial vectors to RTN: `v_rtn = M @ v_inertial`.
    """
    r = np.asarray(position, dtype=np.float64)
    v = np.asarray(velocity, dtype=np.float64)
    r_hat = _unit(r)
    n_hat = _unit(np.cross(r, v))
    t_hat = np.cross(n_hat, r_hat)
    return np.stack([r_hat, t_hat, n_hat], axis=-2)


def rtn_covariance_to_inertial(
    covariance_rtn: ArrayLike, position: ArrayLike, velocity: ArrayLike
) -> FloatArray:
    """Rotate a 3x3 (or the position block of a 6x6) RTN covariance into the inertial frame.

    Units are unchanged (m^2 in, m^2 out). Shapes: covariance (..., 3, 3) or (..., 6, 6),
    position and velocity (..., 3). Only the position block is rotated: the 2-D Pc uses no
    velocity uncertainty.
    """
    cov = np.asarray(covariance_rtn, dtype=np.float64)[..., :3, :3]
    rotation = rtn_rotation(position, velocity)
    return np.einsum("...ji,...jk,...kl->...il", rotation, cov, rotation)


def encounter_plane_projection(
    relative_position: ArrayLike, relative_velocity: ArrayLike, combined_covariance: ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """Miss distance and 2x2 covariance in the encounter plane, per batch element.

    `relative_position` (N, 3) and `combined_covariance` (N, 3, 3) must share a length unit
    (metres in, metres out); `relative_velocity` (N, 3) only gives the plane's normal.
    Returns `(miss_distance, covariance_2x2)`: the miss lies along the plane's first axis.
    Raises EncounterGeometryError when a relative velocity is zero or not finite.
    """
    r = np.asarray(relative_position, dtype=np.float64)
    v = np.asarray(relative_velocity, dtype=np.float64)
    cov = np.asarray(combined_covariance, dtype=np.float64)
    speed = np.linalg.norm(v, axis=-1)
    bad = np.flatnonzero(~(speed > 0.0) | ~np.isfinite(speed))
    if bad.size:
        raise EncounterGeometryError(
            f"relative velocity is zero or not finite at batch index {bad[:5].tolist()}: "
            "the encounter plane is undefined; 2-D Pc needs a short, fast encounter "
            "(use a 3-D/long-encounter method for co-moving objects)"
        )
    z_hat = v / speed[:, None]
    # Only the part of the relative position perpendicular to the velocity is a miss.
    r_perp = r - np.einsum("ij,ij->i", r, z_hat)[:, None] * z_hat
    miss = np.linalg.norm(r_perp, axis=-1)
    # A zero miss leaves the first axis free: take any unit vector perpendicular to z.
    helper = np.where(
        (np.abs(z_hat[:, 0]) < 0.9)[:, None], np.array([1.0, 0.0, 0.0]), np.array([0, 1.0, 0])
    )
    fallback = np.cross(z_hat, helper)
    x_axis = np.where((miss > 0.0)[:, None], r_perp, fallback)
    x_hat = _unit(x_axis)
    y_hat = np.cross(z_hat, x_hat)
    projection = np.stack([x_hat, y_hat], axis=-2)
    cov_2d = np.einsum("nij,njk,nlk->nil", projection, cov, projection)
    return miss, cov_2d
