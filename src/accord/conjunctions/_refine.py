"""Narrow phase and refinement: local minima of distance within a window, then exact TCA.

Narrow phase: for a candidate (pair, window) the relative position is the cubic Hermite
rho(tau), tau in [0, 1], built from both objects' SGP4 states at the window's ends. The
range rate's sign at the ends, g = rho . rho_dot, is exact (SGP4 velocities), so a window
owns a local minimum of distance when g(0) < 0 <= g(1) (the half-open rule gives every
minimum to exactly one window); the span's first window also owns a minimum at the start
when g(0) >= 0 and its last window one at the end when g(1) < 0. The cubic's minimum is
found by sampling and Newton steps on g.

Refinement: Newton's method on the exact g(t) = rho . rho_dot from SGP4 states of the
pair (propagated at each pair's own trial time), with g'(t) = |rho_dot|^2 + rho . rho_ddot
and rho_ddot from two-body gravity (SGP4 gives no acceleration; the J2 term it leaves out
only slows convergence), kept inside the window. It stops when every step is below 1 us.

Then a polish on positions alone. SGP4's velocity is not exactly the derivative of its
position (they differ by up to a few parts in 1e3), so the root of g sits where the
distance is not quite smallest: negligible for fast encounters, but for a pair closing at
tens of m/s the two differ by milliseconds (4 ms at 66 m/s in the validation), and for
near-stationary pairs the velocity-based root may even sit on a window's edge where the
distance has no minimum at all. The polish fits a parabola to |rho|^2 at t - h, t, t + h
(positions only) and moves to its vertex, within the window widened by one step on each
side (the minimum may lie just past the window whose velocities claimed it); a candidate
whose distance is not convex there, or whose vertex runs to the widened bracket's edge,
is not a local minimum of distance and is reported as such (`is_minimum` False), so that
the result does not depend on where the step grid puts window edges. Encounters faster
than 1 km/s skip the polish: there the two roots differ by well under 0.1 ms.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from accord.formats import ElementSet
from accord.orbits import Sgp4Propagator

__all__ = ["cubic_minimum", "refine_tca"]

FloatArray = NDArray[np.float64]
MU_KM3_S2 = 398600.4418
_NEWTON_STEPS_CUBIC = 6
_MAX_NEWTON_STEPS_EXACT = 8
_TCA_TOLERANCE_S = 1e-6
#: Half-width (s) of the parabola through |rho|^2 in the position polish: 1 s, or longer
#: for pairs slower than `_POLISH_SIGNAL_KM_S`, up to 60 s. Over +/- 1 s the distance of an
#: encounter is quadratic far below the 1 us tolerance (the relative acceleration of two
#: objects km apart is ~1e-5 km/s^2); for a near-stationary pair (m/s or less) the change
#: of |rho|^2 over 1 s is no larger than SGP4's own numerical noise in it (~1e-7 km^2:
#: positions to ~1e-8 km), so the width grows as 1/speed to keep the curvature measurable.
_POLISH_HALF_WIDTH_S = 1.0
_POLISH_MAX_HALF_WIDTH_S = 60.0
_POLISH_SIGNAL_KM_S = 0.02
_POLISH_STEPS = 4
#: Relative speed (km/s) under which the TCA is polished on positions.
_POLISH_BELOW_KM_S = 1.0


def cubic_minimum(
    p0: FloatArray, v0: FloatArray, p1: FloatArray, v1: FloatArray, step_s: float
) -> tuple[FloatArray, FloatArray]:
    """(tau, distance km) of the minimum of |rho| over [0, 1] for relative cubic Hermites."""
    m0, m1 = v0 * step_s, v1 * step_s
    c3 = 2.0 * (p0 - p1) + m0 + m1
    c2 = 3.0 * (p1 - p0) - 2.0 * m0 - m1
    c1, c0 = m0, p0

    def rho(tau: FloatArray) -> FloatArray:
        t = tau[..., None]
        return ((c3 * t + c2) * t + c1) * t + c0

    grid = np.linspace(0.0, 1.0, 9)
    values = np.stack(
        [np.einsum("ij,ij->i", rho(np.full(len(p0), g)), rho(np.full(len(p0), g))) for g in grid]
    )
    tau = grid[np.argmin(values, axis=0)]
    for _ in range(_NEWTON_STEPS_CUBIC):
        t = tau[:, None]
        r = ((c3 * t + c2) * t + c1) * t + c0
        d1 = (3.0 * c3 * t + 2.0 * c2) * t + c1
        d2 = 6.0 * c3 * t + 2.0 * c2
        g = np.einsum("ij,ij->i", r, d1)
        gp = np.einsum("ij,ij->i", d1, d1) + np.einsum("ij,ij->i", r, d2)
        step = np.where(gp > 0.0, -g / np.where(gp > 0.0, gp, 1.0), 0.0)
        tau = np.clip(tau + step, 0.0, 1.0)
    distance = np.linalg.norm(rho(tau), axis=-1)
    return tau, distance


def refine_tca(
    element_sets: Sequence[ElementSet],
    start_minutes: FloatArray,
    primary: NDArray[np.int64],
    secondary: NDArray[np.int64],
    t_guess_s: FloatArray,
    t_lo_s: FloatArray,
    t_hi_s: FloatArray,
    *,
    polish_lo_s: FloatArray | None = None,
    polish_hi_s: FloatArray | None = None,
    threads: int | None = None,
) -> tuple[FloatArray, FloatArray, FloatArray, NDArray[np.bool_], NDArray[np.bool_]]:
    """Exact TCA (seconds from the start) of each pair, and both TEME states there.

    Newton on the range rate inside [t_lo_s, t_hi_s], then the position polish inside
    [polish_lo_s, polish_hi_s] (default: the same bracket; a pair whose bracket is a single
    time, such as an approach fixed at the span's edge, is not moved). Returns (t_s,
    primary_state (n, 6), secondary_state (n, 6), ok, is_minimum); `ok` is False where
    SGP4 failed for either object at a trial time, `is_minimum` where the polish found no
    local minimum of distance inside its bracket.
    """
    n = primary.size
    rows = np.concatenate([primary, secondary])
    propagator = Sgp4Propagator([element_sets[i] for i in rows], threads=threads)
    base = start_minutes[rows]
    t = np.clip(np.asarray(t_guess_s, dtype=np.float64), t_lo_s, t_hi_s)
    ok = np.ones(n, dtype=bool)
    state_a = np.empty((n, 6))
    state_b = np.empty((n, 6))
    for _ in range(_MAX_NEWTON_STEPS_EXACT):
        samples = propagator.propagate_minutes_since_epoch(base + np.concatenate([t, t]) / 60.0)
        pos, vel = samples.position_km[:, 0], samples.velocity_km_s[:, 0]
        ok &= (samples.error_code[:n, 0] == 0) & (samples.error_code[n:, 0] == 0)
        state_a[:, :3], state_a[:, 3:] = pos[:n], vel[:n]
        state_b[:, :3], state_b[:, 3:] = pos[n:], vel[n:]
        rho = pos[n:] - pos[:n]
        rho_dot = vel[n:] - vel[:n]
        ra, rb = pos[:n], pos[n:]
        rho_ddot = -MU_KM3_S2 * (
            rb / np.linalg.norm(rb, axis=1, keepdims=True) ** 3
            - ra / np.linalg.norm(ra, axis=1, keepdims=True) ** 3
        )
        g = np.einsum("ij,ij->i", rho, rho_dot)
        gp = np.einsum("ij,ij->i", rho_dot, rho_dot) + np.einsum("ij,ij->i", rho, rho_ddot)
        usable = ok & (gp > 0.0)
        step = np.where(usable, -g / np.where(usable, gp, 1.0), 0.0)
        t_new = np.clip(t + step, t_lo_s, t_hi_s)
        moved = np.abs(t_new - t)
        t = t_new
        if not np.any(moved > _TCA_TOLERANCE_S):
            break
    lo = t_lo_s if polish_lo_s is None else polish_lo_s
    hi = t_hi_s if polish_hi_s is None else polish_hi_s
    # Only slower encounters need the polish: the TCA error of the velocity root grows as
    # 1/speed^2 (0.96 ms at 0.16 km/s in the validation, so ~0.03 ms at 1 km/s).
    speed = np.linalg.norm(state_b[:, 3:] - state_a[:, 3:], axis=1)
    slow = np.flatnonzero(~(speed >= _POLISH_BELOW_KM_S))
    is_minimum = np.ones(n, dtype=bool)
    if slow.size:
        rows_slow = np.concatenate([primary[slow], secondary[slow]])
        slow_propagator = Sgp4Propagator([element_sets[i] for i in rows_slow], threads=threads)
        t[slow], is_minimum[slow], polished_ok = _polish_on_positions(
            slow_propagator, start_minutes[rows_slow], t[slow], lo[slow], hi[slow], speed[slow]
        )
        ok[slow] &= polished_ok
    # States at the final time (the loop's last states are one step behind).
    samples = propagator.propagate_minutes_since_epoch(base + np.concatenate([t, t]) / 60.0)
    ok &= (samples.error_code[:n, 0] == 0) & (samples.error_code[n:, 0] == 0)
    state_a[:, :3] = samples.position_km[:n, 0]
    state_a[:, 3:] = samples.velocity_km_s[:n, 0]
    state_b[:, :3] = samples.position_km[n:, 0]
    state_b[:, 3:] = samples.velocity_km_s[n:, 0]
    return t, state_a, state_b, ok, is_minimum


def _polish_on_positions(
    propagator: Sgp4Propagator,
    base_minutes: FloatArray,
    t_s: FloatArray,
    lo_s: FloatArray,
    hi_s: FloatArray,
    speed_km_s: FloatArray,
) -> tuple[FloatArray, NDArray[np.bool_], NDArray[np.bool_]]:
    """Move each t to the vertex of the parabola through |rho|^2 at t - h, t, t + h, inside
    [lo_s, hi_s]: (t, is_minimum, ok). See the module notes."""
    n = t_s.size
    h = np.clip(
        _POLISH_SIGNAL_KM_S / np.maximum(np.nan_to_num(speed_km_s), 1e-9),
        _POLISH_HALF_WIDTH_S,
        _POLISH_MAX_HALF_WIDTH_S,
    )
    offsets = h[:, None] * np.array([-1.0, 0.0, 1.0])[None, :]
    fixed = hi_s <= lo_s
    t = np.clip(t_s, lo_s, hi_s)
    ok = np.ones(n, dtype=bool)
    convex = np.ones(n, dtype=bool)
    for _ in range(_POLISH_STEPS):
        times = np.concatenate([t, t])[:, None] + np.concatenate([offsets, offsets])
        samples = propagator.propagate_minutes_since_epoch(base_minutes[:, None] + times / 60.0)
        ok &= np.all(samples.error_code[:n] == 0, axis=1) & np.all(
            samples.error_code[n:] == 0, axis=1
        )
        rho = samples.position_km[n:] - samples.position_km[:n]  # (n, 3 times, 3)
        f = np.einsum("ijk,ijk->ij", rho, rho)
        curvature = f[:, 2] - 2.0 * f[:, 1] + f[:, 0]
        convex = curvature > 0.0
        usable = ok & convex & ~fixed
        step = np.where(
            usable, -h * (f[:, 2] - f[:, 0]) / (2.0 * np.where(usable, curvature, 1.0)), 0.0
        )
        t_new = np.clip(t + step, lo_s, hi_s)
        moved = np.abs(t_new - t)
        t = t_new
        if not np.any(moved > _TCA_TOLERANCE_S):
            break
    # A vertex pinned to the widened bracket's edge is no minimum of this window's (its
    # distance still falls there); a fixed time (an edge approach) is kept as it is.
    pinned = ((t <= lo_s) | (t >= hi_s)) & ~fixed
    is_minimum = fixed | (convex & ~pinned)
    return t, is_minimum, ok
