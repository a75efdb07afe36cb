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

import numpy as np
from numpy.typing import NDArray

from accord.formats import ElementSet
from accord.orbits import Sgp4Propagator, satrec_from_element_set, utc_julian_dates

__all__ = ["HERMITE_TOLERANCE_KM", "ChunkSamples", "GridSampler", "hermite_error_bound_km"]

FloatArray = NDArray[np.float64]

MU_KM3_S2 = 398600.4418
#: Interpolation error allowed for a coarse cadence; it is added to every box's padding.
HERMITE_TOLERANCE_KM = 0.05
_SAFETY = 10.0
_MAX_CADENCE = 16
_EARTH_RADIUS_KM = 6378.137


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
        for multiple in np.unique(cadence):
            rows = np.flatnonzero(cadence == multiple)
            propagator = Sgp4Propagator([element_sets[int(i)] for i in rows], threads=threads)
            self._groups.append((int(multiple), rows, propagator))
        self.n_objects = len(satrecs)

    def sample(self, first_node: int, n_windows: int) -> ChunkSamples:
        """States at nodes first_node .. first_node + n_windows (first_node, n_windows: x16)."""
        n_nodes = n_windows + 1
        position = np.empty((self.n_objects, n_nodes, 3))
        velocity = np.empty((self.n_objects, n_nodes, 3))
        valid = np.empty((self.n_objects, n_nodes), dtype=bool)
        h_min = self.step_s / 60.0
        for multiple, rows, propagator in self._groups:
            nodes = np.arange(0, n_nodes, multiple)
            minutes = self.start_minutes[rows, None] + (first_node + nodes)[None, :] * h_min
            states = propagator.propagate_minutes_since_epoch(minutes)
            p, v = states.position_km, states.velocity_km_s
            ok = states.error_code == 0
            if multiple == 1:
                position[rows] = p
                velocity[rows] = v
                valid[rows] = ok
                continue
            position[rows, ::multiple] = p
            velocity[rows, ::multiple] = v
            valid[rows, ::multiple] = ok
            step_s = multiple * self.step_s
            p0, p1 = p[:, :-1, None, :], p[:, 1:, None, :]
            m0, m1 = v[:, :-1, None, :] * step_s, v[:, 1:, None, :] * step_s
            tau = (np.arange(1, multiple) / multiple)[None, None, :, None]
            # Cubic Hermite basis and its derivative (per unit tau, divided by the step).
            t2, t3 = tau * tau, tau * tau * tau
            fill_p = (
                (2 * t3 - 3 * t2 + 1) * p0
                + (t3 - 2 * t2 + tau) * m0
                + (-2 * t3 + 3 * t2) * p1
                + (t3 - t2) * m1
            )
            fill_v = (
                (6 * t2 - 6 * tau) * p0
                + (3 * t2 - 4 * tau + 1) * m0
                + (-6 * t2 + 6 * tau) * p1
                + (3 * t2 - 2 * tau) * m1
            ) / step_s
            n_seg = p.shape[1] - 1
            inner = (np.arange(n_seg)[:, None] * multiple + np.arange(1, multiple)[None, :]).ravel()
            position[rows[:, None], inner[None, :]] = fill_p.reshape(len(rows), -1, 3)
            velocity[rows[:, None], inner[None, :]] = fill_v.reshape(len(rows), -1, 3)
            seg_ok = ok[:, :-1] & ok[:, 1:]
            valid[rows[:, None], inner[None, :]] = np.repeat(seg_ok, multiple - 1, axis=1)
        return ChunkSamples(first_node, position, velocity, valid)
