"""SGP4 positions in the Earth-fixed ITRS at per-object times, for event searches.

Pass prediction and access computation evaluate satellites at times that differ per object
(root finding refines each event on its own), which `teme_to_itrs` (one time grid for all
objects) cannot do cheaply. This sampler propagates with `Sgp4Propagator`'s
`propagate_minutes_since_epoch` and rotates TEME -> ITRS with an interpolated Earth angle:

- skyfield's own TEME -> ITRS rotation (`itrs.rotation_at(t) @ TEME.rotation_at(t).T`, the
  transformation `teme_to_itrs` applies) is computed at nodes every 10 minutes. Without
  polar motion it is a pure rotation about z (off-axis terms below 1e-14), so it is one angle.
- The angle is interpolated linearly between nodes after unwrapping. Its rate is constant
  to ~1e-9 relative (GMST's quadratic term, nutation in the equation of the equinoxes with
  periods of days and amplitudes of ~1 arcsec), so the interpolation error is below 1e-12 rad
  (6 micrometres at LEO), against ~0.1 ms per time for skyfield's full IAU 2000A rotation.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import numpy as np
from numpy.typing import NDArray

from accord.formats import ElementSet
from accord.orbits._frames import skyfield_times
from accord.orbits._propagation import Sgp4Propagator
from accord.orbits._satrec import satrec_from_element_set
from accord.orbits._times import utc_julian_dates

__all__ = ["EarthFixedSampler", "as_utc_datetime64"]

FloatArray = NDArray[np.float64]
_NODE_SPACING_S = 600.0


def as_utc_datetime64(instant: datetime | np.datetime64) -> np.datetime64:
    """A UTC instant as `datetime64[ns]`; naive datetimes are refused (ValueError)."""
    if isinstance(instant, datetime):
        if instant.utcoffset() is None:
            raise ValueError(
                f"time {instant.isoformat()} is naive; pass a timezone-aware UTC datetime, "
                "e.g. datetime(2026, 5, 30, tzinfo=UTC)"
            )
        return utc_julian_dates([instant]).to_datetime64()[0]
    return np.datetime64(str(np.datetime_as_string(instant, unit="ns")), "ns")


class EarthFixedSampler:
    """ITRS positions (km) of element sets at times given in seconds after `reference`.

    `reference` and `end` bound the times that may be asked for (one hour of margin on each
    side); `positions_km(seconds)` takes an (n_objects, n_samples) array of seconds after
    `reference`, one row per element set, and returns (n_objects, n_samples, 3) ITRS
    positions in km, NaN where SGP4 reports an error.
    """

    def __init__(
        self,
        element_sets: Sequence[ElementSet],
        reference: datetime | np.datetime64,
        end: datetime | np.datetime64,
        *,
        threads: int | None = None,
    ) -> None:
        self.reference = as_utc_datetime64(reference)
        end_ns = as_utc_datetime64(end)
        self.span_s = float((end_ns - self.reference) / np.timedelta64(1, "s"))
        if self.span_s < 0:
            raise ValueError(
                f"time span ends ({end_ns}) before it starts ({self.reference}); swap them"
            )
        self.element_sets = list(element_sets)
        self.propagator = Sgp4Propagator(self.element_sets, threads=threads)
        self.norad_ids = self.propagator.norad_ids
        # Minutes from each object's epoch to the reference, as python-sgp4 forms them from
        # the satellite record's two-part Julian epoch.
        reference_jd = utc_julian_dates(np.array([self.reference]))
        satrecs = [satrec_from_element_set(es) for es in self.element_sets]
        whole = np.array([s.jdsatepoch for s in satrecs], dtype=np.float64)
        fraction = np.array([s.jdsatepochF for s in satrecs], dtype=np.float64)
        self._epoch_offset_min = (reference_jd.whole[0] - whole) * 1440.0 + (
            reference_jd.fraction[0] - fraction
        ) * 1440.0
        self._node_s = np.arange(
            -3600.0, self.span_s + 3600.0 + _NODE_SPACING_S, _NODE_SPACING_S, dtype=np.float64
        )
        self._node_angle_rad = self._earth_angles(self._node_s)

    def __len__(self) -> int:
        return len(self.element_sets)

    def _earth_angles(self, seconds: FloatArray) -> FloatArray:
        from skyfield.framelib import itrs
        from skyfield.sgp4lib import TEME

        times = self.reference + np.round(seconds * 1e9).astype("timedelta64[ns]")
        t = skyfield_times(times)
        itrs_from_gcrs = itrs.rotation_at(t)
        teme_from_gcrs = TEME.rotation_at(t)
        # (ITRS <- GCRS) @ (GCRS <- TEME): rows 0 and 1 of the first column give the angle.
        m10 = np.einsum("jn,jn->n", itrs_from_gcrs[1], teme_from_gcrs[0])
        m00 = np.einsum("jn,jn->n", itrs_from_gcrs[0], teme_from_gcrs[0])
        return np.unwrap(np.arctan2(m10, m00))

    def earth_angle_rad(self, seconds: FloatArray) -> FloatArray:
        """TEME -> ITRS rotation angle about z (rad) at `seconds` after the reference."""
        seconds = np.asarray(seconds, dtype=np.float64)
        if seconds.size and (seconds.min() < self._node_s[0] or seconds.max() > self._node_s[-1]):
            raise ValueError(
                f"times from {seconds.min():.0f} s to {seconds.max():.0f} s after "
                f"{self.reference} fall outside the sampler's span (0 to {self.span_s:.0f} s, "
                "one hour of margin); build the sampler over the whole search interval"
            )
        return np.interp(seconds, self._node_s, self._node_angle_rad)

    def positions_km(self, seconds: FloatArray) -> FloatArray:
        """ITRS positions, km, (n_objects, n_samples, 3), of every object at its own times."""
        seconds = np.asarray(seconds, dtype=np.float64)
        if seconds.ndim != 2 or seconds.shape[0] != len(self):
            raise ValueError(
                f"seconds must have shape ({len(self)}, n_samples), one row per element set; "
                f"got {seconds.shape}"
            )
        minutes = self._epoch_offset_min[:, np.newaxis] + seconds / 60.0
        samples = self.propagator.propagate_minutes_since_epoch(minutes)
        angle = self.earth_angle_rad(seconds)
        cos_angle, sin_angle = np.cos(angle), np.sin(angle)
        teme = samples.position_km
        itrs = np.empty_like(teme)
        itrs[..., 0] = cos_angle * teme[..., 0] - sin_angle * teme[..., 1]
        itrs[..., 1] = sin_angle * teme[..., 0] + cos_angle * teme[..., 1]
        itrs[..., 2] = teme[..., 2]
        return itrs

    def positions_at_km(self, rows: NDArray[np.int64], seconds: FloatArray) -> FloatArray:
        """ITRS positions, km, (n, 3), of object `rows[i]` at `seconds[i]` (a scattered set)."""
        rows = np.asarray(rows, dtype=np.int64)
        seconds = np.asarray(seconds, dtype=np.float64)
        out = np.full((rows.size, 3), np.nan)
        if rows.size == 0:
            return out
        # Group the requests by object into a padded (n_objects, k) grid: one propagation call.
        order = np.argsort(rows, kind="stable")
        sorted_rows = rows[order]
        first = np.searchsorted(sorted_rows, sorted_rows, side="left")
        column = np.arange(rows.size) - first
        width = int(column.max()) + 1
        grid = np.zeros((len(self), width), dtype=np.float64)
        grid[sorted_rows, column] = seconds[order]
        positions = self.positions_km(grid)
        out[order] = positions[sorted_rows, column]
        return out

    def datetimes(self, seconds: FloatArray) -> NDArray[np.datetime64]:
        """`datetime64[ns]` UTC instants of `seconds` after the reference."""
        return self.reference + np.round(np.asarray(seconds) * 1e9).astype("timedelta64[ns]")
