"""UTC instants as two-part Julian dates, the time form SGP4 takes.

SGP4 (Vallado et al. 2006, AIAA 2006-6753) counts minutes since the element-set epoch on the
UTC scale, ignoring leap seconds: a day is 1,440 minutes. A Julian date is carried in two
parts, a whole part and a fraction, so that sub-microsecond resolution survives float64
(python-sgp4 and heyoka do the same). NumPy `datetime64` also ignores leap seconds, so the
two forms convert exactly, apart from the leap second itself (23:59:60), which neither holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from numpy.typing import NDArray

from accord.orbits._errors import TimeInputError

__all__ = ["JulianDates", "utc_julian_dates"]

FloatArray = NDArray[np.float64]

#: Julian date of the Unix epoch, 1970-01-01T00:00 UTC.
_JD_UNIX_EPOCH = 2_440_587.5
_NS_PER_DAY = 86_400 * 10**9


@dataclass(frozen=True, slots=True)
class JulianDates:
    """UTC instants as Julian dates `whole + fraction` (days), one-dimensional arrays.

    `whole` is normally a half-integer (midnight UTC) and `fraction` the day fraction in
    [0, 1), as python-sgp4's `jday` returns them, but any split that sums to the date works.
    """

    whole: FloatArray
    fraction: FloatArray

    def __post_init__(self) -> None:
        whole = np.array(self.whole, dtype=np.float64, ndmin=1)
        fraction = np.array(self.fraction, dtype=np.float64, ndmin=1)
        if whole.ndim != 1 or whole.shape != fraction.shape:
            raise TimeInputError(
                f"JulianDates needs two one-dimensional arrays of one length; got shapes "
                f"{whole.shape} (whole) and {fraction.shape} (fraction)"
            )
        if not (np.isfinite(whole).all() and np.isfinite(fraction).all()):
            raise TimeInputError("JulianDates holds NaN or infinite values; give finite dates")
        whole.setflags(write=False)
        fraction.setflags(write=False)
        object.__setattr__(self, "whole", whole)
        object.__setattr__(self, "fraction", fraction)

    def __len__(self) -> int:
        return int(self.whole.shape[0])

    def to_datetime64(self) -> NDArray[np.datetime64]:
        """The same instants as `datetime64[ns]` (UTC, nanosecond rounding)."""
        whole_days = self.whole - _JD_UNIX_EPOCH
        # Split the whole part into integer days so that the nanosecond count stays exact.
        days = np.floor(whole_days)
        day_fraction = (whole_days - days) + self.fraction
        ns = days.astype(np.int64) * _NS_PER_DAY + np.round(day_fraction * _NS_PER_DAY).astype(
            np.int64
        )
        return ns.astype("datetime64[ns]")


def _from_datetime64(times: NDArray[np.datetime64]) -> JulianDates:
    if np.isnat(times).any():
        raise TimeInputError("times hold NaT (not a time); give only valid UTC instants")
    ns = times.astype("datetime64[ns]").astype(np.int64)
    days = np.floor_divide(ns, _NS_PER_DAY)
    ns_of_day = ns - days * _NS_PER_DAY
    return JulianDates(
        whole=_JD_UNIX_EPOCH + days.astype(np.float64),
        fraction=ns_of_day.astype(np.float64) / _NS_PER_DAY,
    )


def _from_datetimes(times: Sequence[datetime]) -> JulianDates:
    naive = [index for index, moment in enumerate(times) if moment.utcoffset() is None]
    if naive:
        raise TimeInputError(
            f"times[{naive[0]}] = {times[naive[0]]!r} is a naive datetime; SGP4 times are UTC, "
            "so pass timezone-aware datetimes (tzinfo=datetime.UTC)"
        )
    as_utc = [moment.astimezone(UTC).replace(tzinfo=None) for moment in times]
    return _from_datetime64(np.array(as_utc, dtype="datetime64[us]"))


def utc_julian_dates(
    times: JulianDates | NDArray[np.datetime64] | Sequence[datetime] | datetime,
) -> JulianDates:
    """Normalise propagation times to two-part UTC Julian dates.

    Accepts `JulianDates`, a NumPy `datetime64` array read as UTC (any unit), or
    timezone-aware `datetime` objects (one or a sequence). Naive datetimes are refused
    because they do not say which time scale they are on.
    """
    if isinstance(times, JulianDates):
        return times
    if isinstance(times, datetime):
        return _from_datetimes([times])
    if isinstance(times, np.ndarray):
        if not np.issubdtype(times.dtype, np.datetime64):
            raise TimeInputError(
                f"a times array must have a datetime64 dtype (UTC), not {times.dtype}; for Julian "
                "dates wrap them as JulianDates(whole, fraction)"
            )
        if times.ndim != 1:
            raise TimeInputError(f"times must be one-dimensional, got shape {times.shape}")
        return _from_datetime64(times)
    moments = list(times)
    if not all(isinstance(moment, datetime) for moment in moments):
        raise TimeInputError(
            "times must be JulianDates, a datetime64 array or timezone-aware datetimes"
        )
    return _from_datetimes(moments)
