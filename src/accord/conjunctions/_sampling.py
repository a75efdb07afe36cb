"""SGP4 samples of every object on the screening's common time grid, chunk by chunk.

Each object is propagated at its own cadence, a power-of-two multiple of the base step that
keeps the cubic Hermite interpolation error below `HERMITE_TOLERANCE_KM` (fast objects and
perigee passes: every step; GEO: every 16th), and the missing grid nodes are filled by cubic
Hermite interpolation from the object's own positions and velocities. The bound used is
`hermite_error_bound_km`: for a cubic Hermite interpolant over a step H the error is at most
H^4/384 max|x''''|, and for Keplerian motion |x''''| <= ~mu^2 (1 + e) / r_p^5 at perigee
(exact for a circular orbit); a safety factor of 10 covers SGP4's J2 and drag terms.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numba
import numpy as np
from numba import prange
from numpy.typing import NDArray

from accord.formats import ElementSet
from accord.orbits import (
    JulianDates,
    Sgp4Propagator,
    satrec_from_element_set,
    utc_julian_dates,
)

__all__ = ["HERMITE_TOLERANCE_KM", "ChunkSamples", "GridSampler", "hermite_error_bound_km"]

FloatArray = NDArray[np.float64]

MU_KM3_S2 = 398600.4418
#: Interpolation error allowed for a coarse cadence; it is added to every box's padding.
HERMITE_TOLERANCE_KM = 0.05
_SAFETY = 10.0
_MAX_CADENCE = 16
_EARTH_RADIUS_KM = 6378.137
_SECONDS_PER_DAY = 86400.0


def hermite_error_bound_km(
    step_s: float | FloatArray, perigee_km: FloatArray, eccentricity: FloatArray
) -> FloatArray:
    """Upper bound (km) on the cubic Hermite interpolation error over a step of `step_s`."""
    r_p = np.maximum(perigee_km, 0.5 * _EARTH_RADIUS_KM)
    snap = _SAFETY * MU_KM3_S2**2 * (1.0 + eccentricity) / r_p**5
    return np.asarray(snap * np.asarray(step_s) ** 4 / 384.0, dtype=np.float64)


@dataclass(frozen=True)
class ChunkSamples:
    """States of all objects at grid nodes `first_node .. first_node + n_windows`, TEME.

    `position_km`, `velocity_km_s`: (objects, nodes, 3); `valid`: (objects, nodes) False
    where SGP4 failed (the state is NaN there).
    """

    first_node: int
    position_km: FloatArray
    velocity_km_s: FloatArray
    valid: NDArray[np.bool_]


class GridSampler:
    """Sample element sets on the grid `start + k * step_s`, k = 0..n_windows, in chunks."""

    def __init__(
        self,
        element_sets: Sequence[ElementSet],
        *,
        start: datetime,
        step_s: float,
        threads: int | None = None,
    ) -> None:
        self.step_s = step_s
        satrecs = [satrec_from_element_set(es) for es in element_sets]
        dates = utc_julian_dates([start])
        self._start_dates = dates
        epoch_whole = np.array([s.jdsatepoch for s in satrecs])
        epoch_fraction = np.array([s.jdsatepochF for s in satrecs])
        #: Minutes from each object's epoch to the start (python-sgp4's two-part difference).
        self.start_minutes = (dates.whole[0] - epoch_whole) * 1440.0 + (
            dates.fraction[0] - epoch_fraction
        ) * 1440.0
        n_rad = np.array([s.no_kozai for s in satrecs])  # rad/min
        ecc = np.array([s.ecco for s in satrecs])
        semi_major_km = (MU_KM3_S2 / (n_rad / 60.0) ** 2) ** (1.0 / 3.0)
        perigee_km = semi_major_km * (1.0 - ecc)
        cadence = np.ones(len(satrecs), dtype=np.int64)
        for multiple in (2, 4, 8, _MAX_CADENCE):
            fits = hermite_error_bound_km(multiple * step_s, perigee_km, ecc) <= (
                HERMITE_TOLERANCE_KM
            )
            cadence[fits] = multiple
        self.cadence = cadence
        #: Per object bound (km) on the error of the cubic between grid nodes (own cadence).
        self.error_bound_km = hermite_error_bound_km(
            np.asarray(cadence * step_s, dtype=np.float64), perigee_km, ecc
        )
        self._groups: list[tuple[int, NDArray[np.int64], Sgp4Propagator]] = []
        # One propagator per (cadence, engine): a group that mixes heyoka and python-sgp4
        # objects would scatter heyoka's output by object index, which cost more than SGP4.
        deep_space = np.array([s.method == "d" for s in satrecs], dtype=bool)
        for multiple in np.unique(cadence):
            for deep in (False, True):
                rows = np.flatnonzero((cadence == multiple) & (deep_space == deep))
                if rows.size == 0:
                    continue
                propagator = Sgp4Propagator([element_sets[int(i)] for i in rows], threads=threads)
                self._groups.append((int(multiple), rows, propagator))
        self.n_objects = len(satrecs)
        self._buffers: dict[
            int, tuple[FloatArray, FloatArray, NDArray[np.bool_], list[FloatArray]]
        ] = {}

    def sample(
        self, first_node: int, n_windows: int, *, reuse_buffers: bool = False
    ) -> ChunkSamples:
        """States at nodes first_node .. first_node + n_windows (first_node, n_windows: x16).

        With `reuse_buffers` the arrays are the sampler's own, overwritten by the next call
        with the same `n_windows` (a chunked caller then touches no fresh memory per chunk).
        """
        n_nodes = n_windows + 1
        buffers = self._buffers.get(n_nodes) if reuse_buffers else None
        if buffers is None:
            buffers = (
                np.empty((self.n_objects, n_nodes, 3)),
                np.empty((self.n_objects, n_nodes, 3)),
                np.empty((self.n_objects, n_nodes), dtype=bool),
                [
                    np.empty((len(range(0, n_nodes, multiple)), 7, rows.size))
                    for multiple, rows, _ in self._groups
                ],
            )
            if reuse_buffers:
                self._buffers[n_nodes] = buffers
        position, velocity, valid, raw_buffers = buffers
        step_days = self.step_s / _SECONDS_PER_DAY
        for (multiple, rows, propagator), raw_buffer in zip(self._groups, raw_buffers, strict=True):
            # Each group is propagated only at its own nodes (every `multiple`-th), at the
            # common UTC grid times, in the propagator's time-major layout; the kernel lays
            # the samples out per object and fills the nodes between them.
            nodes = first_node + np.arange(0, n_nodes, multiple)
            times = JulianDates(
                np.full(nodes.size, self._start_dates.whole[0]),
                self._start_dates.fraction[0] + nodes * step_days,
            )
            raw = propagator.propagate_time_major(times, out=raw_buffer)
            scatter_and_fill(raw, rows, multiple, self.step_s, position, velocity, valid)
        return ChunkSamples(first_node, position, velocity, valid)


@numba.njit(cache=True, nogil=True, parallel=True)
def scatter_and_fill(raw, rows, multiple, step_s, position, velocity, valid):
    """Write a group's samples into the per-object arrays and Hermite-fill the nodes between.

    `raw` (samples, 7, group objects): time-major states, sample s at node s * multiple, row
    6 the SGP4 error code; `rows`: each group object's row in `position`, `velocity`
    (objects, nodes, 3) and `valid` (objects, nodes). A filled node is valid when both
    samples around it are. Objects are taken in blocks of 16 so that reading `raw` (object
    index fastest) stays contiguous.
    """
    n_samples = raw.shape[0]
    n_group = rows.size
    h = multiple * step_s
    block = 16
    n_blocks = (n_group + block - 1) // block
    for b in prange(n_blocks):
        g_end = min(n_group, (b + 1) * block)
        for s in range(n_samples):
            node = s * multiple
            for g in range(b * block, g_end):
                o = rows[g]
                ok = raw[s, 6, g] == 0.0
                valid[o, node] = ok
                for k in range(3):
                    position[o, node, k] = raw[s, k, g]
                    velocity[o, node, k] = raw[s, 3 + k, g]
                if multiple == 1 or s + 1 == n_samples:
                    continue
                segment_ok = ok and raw[s + 1, 6, g] == 0.0
                for j in range(1, multiple):
                    tau = j / multiple
                    t2 = tau * tau
                    t3 = t2 * tau
                    # Cubic Hermite basis and its derivative (per unit tau).
                    h00 = 2.0 * t3 - 3.0 * t2 + 1.0
                    h10 = t3 - 2.0 * t2 + tau
                    h01 = -2.0 * t3 + 3.0 * t2
                    h11 = t3 - t2
                    d00 = 6.0 * t2 - 6.0 * tau
                    d10 = 3.0 * t2 - 4.0 * tau + 1.0
                    d01 = -6.0 * t2 + 6.0 * tau
                    d11 = 3.0 * t2 - 2.0 * tau
                    valid[o, node + j] = segment_ok
                    for k in range(3):
                        p0 = raw[s, k, g]
                        p1 = raw[s + 1, k, g]
                        m0 = raw[s, 3 + k, g] * h
                        m1 = raw[s + 1, 3 + k, g] * h
                        position[o, node + j, k] = h00 * p0 + h10 * m0 + h01 * p1 + h11 * m1
                        velocity[o, node + j, k] = (d00 * p0 + d10 * m0 + d01 * p1 + d11 * m1) / h
