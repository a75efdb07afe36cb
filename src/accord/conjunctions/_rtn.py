"""The radial / in-track / cross-track (RTN) frame of an orbiting object, from its TEME state.

R (radial) is along the position vector; N (cross-track) along the orbit normal r x v; T
(in-track, along-track) completes the right-handed triad, T = N x R, and is the velocity's
direction for a circular orbit. This is the RTN (also "RSW", "RIC") frame of CCSDS 508.0-B-1
section 3.2 and Vallado, "Fundamentals of Astrodynamics and Applications", section 3.3.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["rtn_axes", "to_rtn"]

FloatArray = NDArray[np.float64]


def rtn_axes(position_km: FloatArray, velocity_km_s: FloatArray) -> FloatArray:
    """Unit R, T, N axes as rows of a (..., 3, 3) rotation from the inertial frame to RTN."""
    r = np.asarray(position_km, dtype=np.float64)
    v = np.asarray(velocity_km_s, dtype=np.float64)
    radial = r / np.linalg.norm(r, axis=-1, keepdims=True)
    normal = np.cross(r, v)
    normal /= np.linalg.norm(normal, axis=-1, keepdims=True)
    in_track = np.cross(normal, radial)
    return np.stack([radial, in_track, normal], axis=-2)


def to_rtn(vector_km: FloatArray, position_km: FloatArray, velocity_km_s: FloatArray) -> FloatArray:
    """Components (R, T, N) of inertial `vector_km` in the RTN frame of the given state(s)."""
    axes = rtn_axes(position_km, velocity_km_s)
    return np.einsum("...ij,...j->...i", axes, np.asarray(vector_km, dtype=np.float64))
