"""The Orbit Ephemeris Message (CCSDS 502.0-B-3 section 5) as frozen dataclasses.

Epochs are `datetime64[ns]` read as written, in the segment's `time_system` (UTC in nearly
every operational file; `accord.orbits.ephemeris_epochs_utc` converts TAI/TT/GPS to UTC).
Positions in km, velocities in km/s, accelerations in km/s**2, covariances in km**2,
km**2/s and km**2/s**2, all in the frame named beside them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import DTypeLike, NDArray

__all__ = [
    "OemCovariance",
    "OemHeader",
    "OemMetadata",
    "OemSegment",
    "OrbitEphemerisMessage",
]

#: Lower-triangle keywords of the 6x6 covariance, row by row (XML element names).
COVARIANCE_KEYWORDS: tuple[str, ...] = tuple(
    f"C{row}_{column}"
    for index, row in enumerate(("X", "Y", "Z", "X_DOT", "Y_DOT", "Z_DOT"))
    for column in ("X", "Y", "Z", "X_DOT", "Y_DOT", "Z_DOT")[: index + 1]
)


def _frozen(values: Any, dtype: DTypeLike, shape: tuple[int, ...], name: str) -> NDArray[Any]:
    array = np.array(values, dtype=dtype)  # a copy, so the caller's array stays theirs
    if array.shape != shape:
        raise ValueError(f"{name} must have shape {shape}, got {array.shape}")
    array.setflags(write=False)
    return array


@dataclass(frozen=True)
class OemHeader:
    """CCSDS_OEM_VERS, CREATION_DATE (as written), ORIGINATOR and the optional keywords."""

    version: str
    creation_date: str
    originator: str
    message_id: str | None = None
    classification: str | None = None
    comments: tuple[str, ...] = ()


@dataclass(frozen=True)
class OemMetadata:
    """One segment's metadata (Table 5-3); times as written, in `time_system`.

    `interpolation` is upper-cased (LAGRANGE, HERMITE, LINEAR) or None when absent;
    `ref_frame` and `center_name` are kept as written (upper-cased).
    """

    object_name: str
    object_id: str
    center_name: str
    ref_frame: str
    time_system: str
    start_time: np.datetime64
    stop_time: np.datetime64
    ref_frame_epoch: str | None = None
    useable_start_time: np.datetime64 | None = None
    useable_stop_time: np.datetime64 | None = None
    interpolation: str | None = None
    interpolation_degree: int | None = None
    comments: tuple[str, ...] = ()


@dataclass(frozen=True)
class OemCovariance:
    """One covariance block: EPOCH (in the segment's time system), COV_REF_FRAME, 6x6 matrix.

    `matrix` is symmetric, rows/columns x, y, z (km), x_dot, y_dot, z_dot (km/s); its units
    are km**2, km**2/s and km**2/s**2. `ref_frame` is None when COV_REF_FRAME is absent,
    meaning the segment's REF_FRAME.
    """

    epoch: np.datetime64
    ref_frame: str | None
    matrix: NDArray[np.float64]
    comments: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "matrix", _frozen(self.matrix, np.float64, (6, 6), "matrix"))

    @property
    def lower_triangle(self) -> tuple[float, ...]:
        """The 21 values row by row, as the message writes them."""
        rows, columns = np.tril_indices(6)
        return tuple(float(v) for v in self.matrix[rows, columns])


@dataclass(frozen=True)
class OemSegment:
    """Metadata, ephemeris lines and covariance blocks of one segment.

    `epochs` (n,) `datetime64[ns]` in `metadata.time_system`; `position_km` and
    `velocity_km_s` (n, 3); `acceleration_km_s2` (n, 3) or None when no line gives one
    (NaN rows where only some do).
    """

    metadata: OemMetadata
    epochs: NDArray[np.datetime64]
    position_km: NDArray[np.float64]
    velocity_km_s: NDArray[np.float64]
    acceleration_km_s2: NDArray[np.float64] | None = None
    covariances: tuple[OemCovariance, ...] = ()
    data_comments: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        n = int(np.shape(self.epochs)[0]) if np.ndim(self.epochs) == 1 else -1
        if n < 0:
            raise ValueError("epochs must be one-dimensional")
        object.__setattr__(self, "epochs", _frozen(self.epochs, "datetime64[ns]", (n,), "epochs"))
        for name in ("position_km", "velocity_km_s"):
            object.__setattr__(self, name, _frozen(getattr(self, name), np.float64, (n, 3), name))
        if self.acceleration_km_s2 is not None:
            accel = _frozen(self.acceleration_km_s2, np.float64, (n, 3), "acceleration_km_s2")
            object.__setattr__(self, "acceleration_km_s2", accel)

    def __len__(self) -> int:
        return int(self.epochs.shape[0])


@dataclass(frozen=True)
class OrbitEphemerisMessage:
    """A whole OEM: header and one or more segments."""

    header: OemHeader
    segments: tuple[OemSegment, ...] = field(default_factory=tuple)
