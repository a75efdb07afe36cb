"""Interpolate an OEM segment's states at arbitrary times: Lagrange or Hermite, as it says.

CCSDS 502.0-B-3 section 5.2.3: INTERPOLATION names the method, INTERPOLATION_DEGREE the
degree of the polynomial. Accord applies:
- LAGRANGE, degree N: the polynomial through the N + 1 ephemeris points nearest the time
  (the window centred on it, shifted inwards at the ends); positions and velocities are
  interpolated each with it (velocities are not the derivative of the position polynomial).
- HERMITE, degree N: the polynomial matching positions and velocities at m = max(2,
  ceil((N + 1) / 2)) nearest points (degree 2m - 1 >= N); velocities are its derivative.
- LINEAR: Lagrange of degree 1.
- No INTERPOLATION keyword: Hermite of degree 7 (OEM lines always carry velocities).
Both use Newton's divided differences (repeated nodes for Hermite) in time scaled to the
window, vectorised over the query times. Accelerations, when given, are not used.

Times are UTC: the epochs of a TAI, TT or GPS segment are converted with the leap-second
table of skyfield's built-in timescale (offline); other time systems are refused.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike, NDArray

if TYPE_CHECKING:
    from accord.formats import OemSegment

__all__ = [
    "EphemerisError",
    "EphemerisInterpolator",
    "OutsideEphemerisError",
    "ephemeris_epochs_utc",
]

FloatArray = NDArray[np.float64]
_NS_PER_SECOND = 1_000_000_000
#: Offsets of time scales that differ from TAI by a constant, seconds (scale - TAI).
_FROM_TAI_S = {"TAI": 0.0, "TT": 32.184, "GPS": -19.0}
_DEFAULT_METHOD = "HERMITE"
_DEFAULT_DEGREE = 7


class EphemerisError(ValueError):
    """An ephemeris Accord cannot use as given (time system, frame, too few points)."""


class OutsideEphemerisError(EphemerisError):
    """A requested time lies outside the ephemeris' usable span."""


@cache
def _leap_table() -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    from skyfield.api import load

    timescale = load.timescale(builtin=True)
    # leap_dates: UTC Julian dates from which leap_offsets (TAI - UTC, s) apply.
    unix_ns = np.round((np.asarray(timescale.leap_dates) - 2440587.5) * 86400.0) * 1e9
    return unix_ns.astype(np.int64), np.asarray(timescale.leap_offsets).astype(np.int64)


def ephemeris_epochs_utc(
    epochs: NDArray[np.datetime64], time_system: str
) -> NDArray[np.datetime64]:
    """Epochs written in `time_system` as UTC `datetime64[ns]`.

    UTC is returned as is; TAI, TT (TAI + 32.184 s) and GPS (TAI - 19 s) are converted with
    the leap-second table (TAI - UTC is a whole number of seconds from 1972 on). Raises
    EphemerisError for any other time system, or TAI-based epochs before 1972.
    """
    values = np.asarray(epochs, dtype="datetime64[ns]")
    system = time_system.strip().upper()
    if system == "UTC":
        return values
    if system not in _FROM_TAI_S:
        raise EphemerisError(
            f"TIME_SYSTEM {time_system!r} cannot be converted to UTC by Accord; supply the "
            "ephemeris in UTC, TAI, TT or GPS"
        )
    tai_ns = values.astype(np.int64) - round(_FROM_TAI_S[system] * _NS_PER_SECOND)
    leap_utc_ns, offsets_s = _leap_table()
    # The TAI instant at which each offset starts is its UTC start plus the new offset.
    starts_tai_ns = leap_utc_ns + offsets_s * _NS_PER_SECOND
    index = np.searchsorted(starts_tai_ns, tai_ns, side="right") - 1
    if np.any(index < 0):
        raise EphemerisError(
            f"{system} epochs before 1972 have no whole-second offset to UTC; Accord refuses them"
        )
    return (tai_ns - offsets_s[index] * _NS_PER_SECOND).astype("datetime64[ns]")


def _as_datetime64(
    times: NDArray[np.datetime64] | Sequence[datetime] | datetime,
) -> NDArray[np.datetime64]:
    if isinstance(times, datetime):
        times = [times]
    if isinstance(times, np.ndarray):
        return np.atleast_1d(times.astype("datetime64[ns]"))
    values = []
    for moment in times:
        if isinstance(moment, datetime):
            if moment.utcoffset() is None:
                raise ValueError(f"time {moment.isoformat()} is naive; pass timezone-aware UTC")
            moment = moment.replace(tzinfo=None) - moment.utcoffset()  # type: ignore[operator]
        values.append(np.datetime64(moment, "ns"))
    return np.array(values, dtype="datetime64[ns]")


class EphemerisInterpolator:
    """States of one OEM segment at any time inside its usable span, in the segment's frame.

    `method` and `degree` come from the segment (see the module notes), or from the
    arguments when given. The usable span is USEABLE_START_TIME..USEABLE_STOP_TIME (START
    and STOP when absent) cut to the first and last ephemeris lines. Repeated lines (same
    epoch, same state) are dropped; the same epoch with different states is refused.
    """

    def __init__(
        self, segment: OemSegment, *, method: str | None = None, degree: int | None = None
    ) -> None:
        meta = segment.metadata
        self.frame = meta.ref_frame
        self.object_name = meta.object_name
        self.object_id = meta.object_id
        epochs = ephemeris_epochs_utc(segment.epochs, meta.time_system).astype(np.int64)
        position = np.asarray(segment.position_km, dtype=np.float64)
        velocity = np.asarray(segment.velocity_km_s, dtype=np.float64)
        repeated = np.flatnonzero(np.diff(epochs) == 0) + 1
        same = np.all(position[repeated] == position[repeated - 1], axis=1) & np.all(
            velocity[repeated] == velocity[repeated - 1], axis=1
        )
        if not np.all(same):
            at = np.datetime64(int(epochs[repeated[~same][0]]), "ns")
            raise EphemerisError(
                f"{meta.object_name}: two different states at {at}; remove one of the lines"
            )
        keep = np.ones(epochs.size, dtype=bool)
        keep[repeated] = False
        epochs, position, velocity = epochs[keep], position[keep], velocity[keep]
        if epochs.size < 2:
            raise EphemerisError(
                f"{meta.object_name}: a segment needs at least 2 ephemeris lines to interpolate"
            )
        self.method = (method or meta.interpolation or _DEFAULT_METHOD).upper()
        if self.method == "LINEAR":
            self.method, requested = "LAGRANGE", 1
        else:
            requested = degree or meta.interpolation_degree or _DEFAULT_DEGREE
        if self.method not in ("LAGRANGE", "HERMITE"):
            raise EphemerisError(
                f"interpolation {self.method!r} is not LAGRANGE, HERMITE or LINEAR"
            )
        self.degree = int(requested)
        wanted = (
            self.degree + 1
            if self.method == "LAGRANGE"
            else max(2, math.ceil((self.degree + 1) / 2))
        )
        #: Points used per interpolation (fewer when the segment is shorter).
        self.points = min(wanted, int(epochs.size))
        self._reference_ns = int(epochs[0])
        self._t = (epochs - self._reference_ns) / _NS_PER_SECOND
        self._position = position
        self._velocity = velocity
        utc = ephemeris_epochs_utc(
            np.array(
                [
                    meta.useable_start_time or meta.start_time,
                    meta.useable_stop_time or meta.stop_time,
                ],
                dtype="datetime64[ns]",
            ),
            meta.time_system,
        ).astype(np.int64)
        self.start = np.datetime64(max(int(utc[0]), int(epochs[0])), "ns")
        self.stop = np.datetime64(min(int(utc[1]), int(epochs[-1])), "ns")
        #: UTC epochs of the ephemeris lines used (duplicates removed).
        self.epochs = epochs.astype("datetime64[ns]")

    def seconds_since_reference(self, times: NDArray[np.datetime64]) -> FloatArray:
        """Seconds from the first ephemeris line to each UTC time."""
        return (
            np.asarray(times, dtype="datetime64[ns]").astype(np.int64) - self._reference_ns
        ) / _NS_PER_SECOND

    def interpolate(
        self, times: NDArray[np.datetime64] | Sequence[datetime] | datetime
    ) -> tuple[FloatArray, FloatArray]:
        """(position_km, velocity_km_s), each (n, 3), at UTC `times`, in `self.frame`.

        Raises OutsideEphemerisError when a time lies outside the usable span.
        """
        values = _as_datetime64(times)
        outside = (values < self.start) | (values > self.stop)
        if np.any(outside):
            first = values[np.argmax(outside)]
            raise OutsideEphemerisError(
                f"{self.object_name}: {first} is outside the ephemeris' usable span "
                f"{self.start} .. {self.stop} (UTC); ask for times inside it"
            )
        return self.at_seconds(self.seconds_since_reference(values))

    def at_seconds(self, t: ArrayLike) -> tuple[FloatArray, FloatArray]:
        """Like `interpolate`, for seconds since the first line, without the span check."""
        t = np.atleast_1d(np.asarray(t, dtype=np.float64))
        k = self.points
        n = self._t.size
        # Window of k points centred on each time, shifted inwards at the ends.
        first = np.clip(np.searchsorted(self._t, t) - k // 2, 0, n - k)
        index = first[:, None] + np.arange(k)[None, :]
        nodes = self._t[index]
        centre = 0.5 * (nodes[:, :1] + nodes[:, -1:])
        scale = np.maximum(nodes[:, -1:] - nodes[:, :1], 1e-9)
        x = (nodes - centre) / scale
        q = (t[:, None] - centre) / scale
        if self.method == "LAGRANGE":
            position = _newton_lagrange(x, self._position[index], q[:, 0])
            velocity = _newton_lagrange(x, self._velocity[index], q[:, 0])
            return position, velocity
        position, derivative = _newton_hermite(
            x, self._position[index], self._velocity[index] * scale[:, :, None], q[:, 0]
        )
        return position, derivative / scale


def _newton_lagrange(x: FloatArray, y: FloatArray, q: FloatArray) -> FloatArray:
    """Newton-form Lagrange interpolation; x (Q, k) distinct nodes, y (Q, k, 3), q (Q,)."""
    coefficients = y.copy()
    k = x.shape[1]
    for order in range(1, k):
        span = (x[:, order:] - x[:, :-order])[:, :, None]
        coefficients[:, order:] = (coefficients[:, order:] - coefficients[:, order - 1 : -1]) / span
    result = coefficients[:, k - 1].copy()
    for j in range(k - 2, -1, -1):
        result = result * (q - x[:, j])[:, None] + coefficients[:, j]
    return result


def _newton_hermite(
    x: FloatArray, y: FloatArray, dy: FloatArray, q: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Hermite interpolation (values and first derivatives at k nodes) and its derivative."""
    z = np.repeat(x, 2, axis=1)  # nodes doubled: z0 = z1 = x0, z2 = z3 = x1, ...
    table = np.repeat(y, 2, axis=1)
    m = z.shape[1]
    # First divided differences: the derivative at doubled nodes, slopes between others.
    first = np.empty_like(table[:, 1:])
    first[:, 0::2] = dy
    first[:, 1::2] = (y[:, 1:] - y[:, :-1]) / (x[:, 1:] - x[:, :-1])[:, :, None]
    coefficients = [table[:, 0]]
    column = first
    coefficients.append(column[:, 0])
    for order in range(2, m):
        span = (z[:, order:] - z[:, :-order])[:, :, None]
        column = (column[:, 1:] - column[:, :-1]) / span
        coefficients.append(column[:, 0])
    value = coefficients[-1].copy()
    slope = np.zeros_like(value)
    for j in range(m - 2, -1, -1):
        factor = (q - z[:, j])[:, None]
        slope = slope * factor + value
        value = value * factor + coefficients[j]
    return value, slope
