"""Cartesian state vectors for many objects at many times, with frame and units explicit."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

import numpy as np
from numpy.typing import DTypeLike, NDArray

__all__ = ["SGP4_ERROR_MESSAGES", "CartesianStates", "Sgp4ErrorCode", "TemeStates"]


class Sgp4ErrorCode(IntEnum):
    """SGP4's per-sample error codes, as python-sgp4 and Vallado's C++ code number them.

    Reference: Vallado et al. 2006, AIAA 2006-6753, and python-sgp4's `SGP4_ERRORS`. Code 3
    only arises in SDP4 (deep space), after the lunar-solar perturbations; code 5 is defined
    by the C++ code for epoch elements that are sub-orbital but is no longer raised.
    """

    OK = 0
    #: Mean eccentricity outside 0 <= e < 1 (or below the -0.001 tolerance).
    MEAN_ECCENTRICITY = 1
    #: Mean motion not positive after un-Kozai'ing.
    MEAN_MOTION = 2
    #: Perturbed eccentricity outside 0 <= e <= 1 (deep space only).
    PERTURBED_ECCENTRICITY = 3
    #: Semi-latus rectum negative.
    SEMI_LATUS_RECTUM = 4
    #: Epoch elements sub-orbital (unused by current SGP4).
    SUBORBITAL = 5
    #: Radius below one Earth radius: the object has decayed.
    DECAYED = 6


SGP4_ERROR_MESSAGES: dict[int, str] = {
    Sgp4ErrorCode.OK: "no error",
    Sgp4ErrorCode.MEAN_ECCENTRICITY: "mean eccentricity is outside the range 0 <= e < 1",
    Sgp4ErrorCode.MEAN_MOTION: "mean motion has fallen below zero",
    Sgp4ErrorCode.PERTURBED_ECCENTRICITY: "perturbed eccentricity is outside the range 0 <= e <= 1",
    Sgp4ErrorCode.SEMI_LATUS_RECTUM: "semi-latus rectum is below zero",
    Sgp4ErrorCode.SUBORBITAL: "epoch elements are sub-orbital",
    Sgp4ErrorCode.DECAYED: "the satellite has decayed (radius below one Earth radius)",
}


def _frozen_array(
    values: NDArray[Any], dtype: DTypeLike, name: str, shape: tuple[int, ...]
) -> NDArray[Any]:
    """`values` as a read-only array of `dtype`, checked to have `shape`."""
    array = np.asarray(values, dtype=dtype)
    if array.shape != shape:
        raise ValueError(f"{name} must have shape {shape}, got {array.shape}")
    if array.flags.writeable:
        array.setflags(write=False)
    return array


@dataclass(frozen=True)
class CartesianStates:
    """Positions and velocities of `n_objects` objects at `n_times` UTC instants in one frame.

    - `norad_ids`: (n_objects,) int64 catalog numbers, in the order the objects were given.
    - `times`: (n_times,) `datetime64[ns]`, UTC.
    - `position_km`: (n_objects, n_times, 3) float64, kilometres, in `frame`.
    - `velocity_km_s`: (n_objects, n_times, 3) float64, kilometres per second, in `frame`.
    - `error_code`: (n_objects, n_times) int8, an `Sgp4ErrorCode`; where it is not 0 the
      position and velocity are NaN (python-sgp4 keeps a number for code 6, "decayed";
      Accord does not, so that no failed sample can pass for a state).
    - `frame`: "TEME" (SGP4's own), "GCRS" or "ITRS".

    The arrays are read-only. `position_km` and `velocity_km_s` may be views of one
    (n_objects, n_times, 6) array; use `np.ascontiguousarray` where a library needs contiguity.
    """

    norad_ids: NDArray[np.int64]
    times: NDArray[np.datetime64]
    position_km: NDArray[np.float64]
    velocity_km_s: NDArray[np.float64]
    error_code: NDArray[np.int8]
    frame: str

    def __post_init__(self) -> None:
        norad_ids = np.asarray(self.norad_ids, dtype=np.int64)
        times = np.asarray(self.times, dtype="datetime64[ns]")
        if norad_ids.ndim != 1 or times.ndim != 1:
            raise ValueError("norad_ids and times must be one-dimensional")
        grid = (norad_ids.shape[0], times.shape[0])
        frozen = {
            "norad_ids": _frozen_array(norad_ids, np.int64, "norad_ids", grid[:1]),
            "times": _frozen_array(times, "datetime64[ns]", "times", grid[1:]),
            "position_km": _frozen_array(self.position_km, np.float64, "position_km", (*grid, 3)),
            "velocity_km_s": _frozen_array(
                self.velocity_km_s, np.float64, "velocity_km_s", (*grid, 3)
            ),
            "error_code": _frozen_array(self.error_code, np.int8, "error_code", grid),
        }
        for name, array in frozen.items():
            object.__setattr__(self, name, array)

    @property
    def n_objects(self) -> int:
        """Number of objects (first axis)."""
        return int(self.norad_ids.shape[0])

    @property
    def n_times(self) -> int:
        """Number of instants (second axis)."""
        return int(self.times.shape[0])

    @property
    def valid(self) -> NDArray[np.bool_]:
        """(n_objects, n_times) mask of the samples that propagated without error."""
        return self.error_code == Sgp4ErrorCode.OK


@dataclass(frozen=True)
class TemeStates(CartesianStates):
    """SGP4's output: `CartesianStates` in the True Equator Mean Equinox frame of date.

    TEME is the frame SGP4's mean elements and results are expressed in (Vallado et al. 2006,
    AIAA 2006-6753, Appendix C); convert with `teme_to_gcrs` or `teme_to_itrs`.
    """

    frame: str = field(default="TEME")

    def __post_init__(self) -> None:
        if self.frame != "TEME":
            raise ValueError(f"TemeStates.frame is always 'TEME', not {self.frame!r}")
        super().__post_init__()
