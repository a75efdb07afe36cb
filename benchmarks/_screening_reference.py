"""An independent brute-force screening reference: dense python-sgp4 sampling, local minima.

The reference shares no code with the engine: it samples with python-sgp4 (`SatrecArray`)
every `REFERENCE_STEP_S` (h) seconds, finds the sampled local minima of each pair's
distance that could hide an approach under the threshold D, and minimises the exact SGP4
distance around each with scipy's bounded `minimize_scalar` (Brent).

Why it cannot miss a conjunction (the no-miss argument). Let t* be an interior local
minimum of a pair's distance d with d(t*) < D, and let s_a, s_b bound the two objects'
speeds over a block (the largest sampled speed plus `MAX_ACCELERATION_KM_S2` x the longest
time to a sample: no object accelerates faster than surface gravity). Since SGP4's
velocity matches the time derivative of its position to 0.4 % at worst over the
benchmark catalog (median 2e-6; `SPEED_MARGIN` covers it) and
|d'(t)| <= |v_a - v_b| <= s_a + s_b, the sample t_k nearest t* (|t_k - t*| <= h/2) has
d(t_k) < R = D + (s_a + s_b) h / 2. So:

1. All pairs of a set (case a): at every sample a k-d tree (`cKDTree.query_pairs`) returns
   every pair closer than D + 2 x `SLOW_SPEED_KM_S` x h / 2, which holds R for two objects
   slower than `SLOW_SPEED_KM_S`; each faster object (eccentric orbits near perigee) is
   queried alone with its own R (`query_ball_point`). No (pair, t_k) with d(t_k) < R is lost.
2. Listed pairs (case b): a coarse pass every `COARSE_STEP_S` (H) seconds keeps a pair over
   a coarse interval [c_j, c_j+1] only when one end is within D + (s_a + s_b) H / 2 (every
   time in it lies within H / 2 of an end, so the same argument holds with H); only those
   pairs get dense samples over that interval (and one each side). A skipped pair cannot
   come within D anywhere in its interval.
3. Around t*, the distance is unimodal over the few steps that matter (d^2 is convex where
   |v_rel|^2 > |r_rel| |a_rel|; within R the relative acceleration is the gravity gradient,
   about 3 n^2 |r_rel|, so this holds above ~0.2 km/s and slow pairs change over orbital
   time scales, far longer than h). Then a discrete local minimum t_m (d_m <= d_m-1,
   d_m < d_m+1) lies next to t*, has d(t_m) <= d(t_k) < R, and t* lies in (t_m-1, t_m+1),
   where the bounded minimisation finds it. A minimiser that ends on its bracket's edge (the
   assumption failing) is counted as `unresolved` in the results, never dropped silently;
   and engine conjunctions with no reference counterpart are reported as `extra`, so a gap
   in the reference would show up there too.

Minima within `EDGE_TOLERANCE_S` of the span's start or end are edge minima, not
conjunctions. benchmarks/validate_screening.py compares the engine with this reference.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize_scalar
from scipy.spatial import cKDTree
from sgp4.api import Satrec, SatrecArray

from accord.formats import ElementSet
from accord.orbits import satrec_from_element_set

__all__ = [
    "BLOCK_SAMPLES",
    "COARSE_STEP_S",
    "EDGE_TOLERANCE_S",
    "MAX_ACCELERATION_KM_S2",
    "REFERENCE_STEP_S",
    "SLOW_SPEED_KM_S",
    "SPEED_MARGIN",
    "START",
    "PairMinima",
    "reference_conjunctions",
]

START = datetime(2024, 11, 1, tzinfo=UTC)
#: Dense sampling step h (s) of the reference.
REFERENCE_STEP_S = 10.0
#: Coarse step H (s) of the listed-pairs pre-pass; a multiple of `REFERENCE_STEP_S`.
COARSE_STEP_S = 120.0
#: Dense samples per block (1 h): bounds memory and tightens the per-block speed bounds.
BLOCK_SAMPLES = 360
#: Bound on any object's acceleration (km/s^2): surface gravity 9.8e-3 plus J2 and margin.
MAX_ACCELERATION_KM_S2 = 0.011
#: Factor on sampled speeds: SGP4's velocity and the derivative of its position differ by up
#: to 0.4 % (deep-space objects) in the benchmark catalog; 1 % keeps the bound safe.
SPEED_MARGIN = 1.01
#: Objects whose speed bound is at most this (km/s) share the k-d tree's pair radius.
SLOW_SPEED_KM_S = 8.0
#: A reference minimum this close (s) to the span's start or end is an edge minimum.
EDGE_TOLERANCE_S = 1e-3
#: Brent's absolute tolerance on the TCA (s), far below `TCA_TOLERANCE_S`.
_XATOL_S = 1e-7

PairMinima = dict[tuple[int, int], list[tuple[float, float]]]


def _julian_date(start: datetime) -> tuple[float, float]:
    """(whole, fraction) Julian date of `start` (UTC)."""
    days = (start - datetime(2000, 1, 1, 12, tzinfo=UTC)).total_seconds() / 86400.0
    whole = math.floor(days) + 2451545.0
    return whole, days - math.floor(days)


class _Reference:
    """python-sgp4 states of the validated objects from `start` (positions TEME km)."""

    def __init__(self, element_sets: Sequence[ElementSet], start: datetime) -> None:
        self.satrecs: list[Satrec] = [satrec_from_element_set(es) for es in element_sets]
        self.jd, self.fraction = _julian_date(start)
        self.propagations = 0

    def states(
        self, rows: NDArray[np.int64], seconds: NDArray[np.float64]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """(positions, velocities), shape (rows, times, 3); NaN where SGP4 reports an error."""
        array = SatrecArray([self.satrecs[row] for row in rows.tolist()])
        jd = np.full(seconds.shape, self.jd)
        errors, position, velocity = array.sgp4(jd, self.fraction + seconds / 86400.0)
        failed = errors != 0
        position[failed] = np.nan
        velocity[failed] = np.nan
        self.propagations += int(errors.size)
        return position, velocity

    def distance_km(self, a: int, b: int, seconds: float) -> float:
        """Exact SGP4 distance (km) between objects `a` and `b` at `seconds` from the start."""
        fraction = self.fraction + seconds / 86400.0
        error_a, position_a, _ = self.satrecs[a].sgp4(self.jd, fraction)
        error_b, position_b, _ = self.satrecs[b].sgp4(self.jd, fraction)
        if error_a or error_b:
            return math.inf
        return math.dist(position_a, position_b)


def _speed_bound(velocity: NDArray[np.float64], reach_s: float) -> NDArray[np.float64]:
    """Per object (km/s): largest sampled speed plus the most it can gain within `reach_s`."""
    speed = np.linalg.norm(velocity, axis=2)
    largest = np.nanmax(np.where(np.isnan(speed), -np.inf, speed), axis=1)
    return SPEED_MARGIN * np.maximum(largest, 0.0) + MAX_ACCELERATION_KM_S2 * reach_s


def _blocks(n_samples: int) -> Iterator[tuple[NDArray[np.int64], NDArray[np.int64]]]:
    """(owned samples, owned samples with one neighbour each side) for each time block."""
    for first in range(0, n_samples, BLOCK_SAMPLES):
        owned = np.arange(first, min(first + BLOCK_SAMPLES, n_samples), dtype=np.int64)
        extended = np.arange(max(0, first - 1), min(n_samples, int(owned[-1]) + 2), dtype=np.int64)
        yield owned, extended


def _pair_distances(
    position: NDArray[np.float64], a: NDArray[np.int64], b: NDArray[np.int64]
) -> NDArray[np.float64]:
    """(pairs, times) |r_b - r_a| (km) at every sampled time; infinite where either failed."""
    out = np.empty((a.size, position.shape[1]))
    for chunk in range(0, a.size, 10_000):
        part = slice(chunk, chunk + 10_000)
        difference = position[b[part]] - position[a[part]]
        out[part] = np.sqrt(np.einsum("ptk,ptk->pt", difference, difference))
    return np.where(np.isnan(out), np.inf, out)


def _distances_at(
    position: NDArray[np.float64],
    a: NDArray[np.int64],
    b: NDArray[np.int64],
    columns: NDArray[np.int64],
) -> NDArray[np.float64]:
    """|r_b - r_a| (km) of each pair at its own time column; infinite where either failed."""
    distance = np.linalg.norm(position[b, columns] - position[a, columns], axis=1)
    return np.where(np.isnan(distance), np.inf, distance)


def _discrete_minima(
    distance: NDArray[np.float64], edge_before: bool, edge_after: bool
) -> NDArray[np.bool_]:
    """Sampled local minima (d_m <= d_m-1, d_m < d_m+1) of (pairs, 1 + samples + 1) rows.

    The first and last columns are neighbours only; beyond a span edge (`edge_before`,
    `edge_after`) the missing neighbour counts as infinitely far.
    """
    before = distance[:, :-2].copy()
    after = distance[:, 2:].copy()
    if edge_before:
        before[:, 0] = np.inf
    if edge_after:
        after[:, -1] = np.inf
    middle = distance[:, 1:-1]
    return (middle <= before) & (middle < after)


def _padded(
    distance: NDArray[np.float64], owned: NDArray[np.int64], extended: NDArray[np.int64]
) -> tuple[NDArray[np.float64], bool, bool]:
    """Distances over `owned` with one neighbour column each side (inf past the span)."""
    edge_before = bool(extended[0] == owned[0])
    edge_after = bool(extended[-1] == owned[-1])
    columns = [distance]
    if edge_before:
        columns.insert(0, np.full((distance.shape[0], 1), np.inf))
    if edge_after:
        columns.append(np.full((distance.shape[0], 1), np.inf))
    return np.hstack(columns), edge_before, edge_after


def _seeds_all_pairs(
    reference: _Reference, rows: NDArray[np.int64], n_samples: int, threshold_km: float
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """(a, b, sample) sampled minima under R of every pair among `rows` (k-d tree per sample)."""
    step = REFERENCE_STEP_S
    slow_radius = threshold_km + SLOW_SPEED_KM_S * step
    seeds: list[tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]] = []
    for owned, extended in _blocks(n_samples):
        position, velocity = reference.states(rows, extended.astype(np.float64) * step)
        speed = _speed_bound(velocity, step / 2.0)
        found_a, found_b, found_k = [], [], []
        for sample in owned.tolist():
            points = position[:, sample - int(extended[0])]
            valid = np.flatnonzero(np.isfinite(points[:, 0]))
            tree = cKDTree(points[valid])
            close = tree.query_pairs(slow_radius, output_type="ndarray")
            first, second = valid[close[:, 0]], valid[close[:, 1]]
            fast = valid[speed[valid] > SLOW_SPEED_KM_S]
            if fast.size:
                radii = threshold_km + (speed[fast] + speed[valid].max()) * step / 2.0
                hits = tree.query_ball_point(points[fast], radii, return_sorted=False)
                extra_first = np.repeat(fast, [len(hit) for hit in hits])
                extra_second = valid[np.concatenate([np.asarray(h, dtype=np.int64) for h in hits])]
                first = np.concatenate([first, extra_first])
                second = np.concatenate([second, extra_second])
            low, high = np.minimum(first, second), np.maximum(first, second)
            keep = low != high
            found_a.append(low[keep])
            found_b.append(high[keep])
            found_k.append(np.full(int(keep.sum()), sample, dtype=np.int64))
        a, b, k = np.concatenate(found_a), np.concatenate(found_b), np.concatenate(found_k)
        if a.size == 0:
            continue
        unique = np.unique(np.column_stack([a, b, k]), axis=0)
        a, b, k = unique[:, 0], unique[:, 1], unique[:, 2]
        column = k - int(extended[0])
        last = position.shape[1] - 1

        here = _distances_at(position, a, b, column)
        before = np.where(k == 0, np.inf, _distances_at(position, a, b, np.maximum(column - 1, 0)))
        after = np.where(
            k == n_samples - 1, np.inf, _distances_at(position, a, b, np.minimum(column + 1, last))
        )
        bound = threshold_km + (speed[a] + speed[b]) * step / 2.0
        is_min = (here <= before) & (here < after) & (here < bound)
        seeds.append((rows[a[is_min]], rows[b[is_min]], k[is_min]))
    return _concatenate(seeds)


def _seeds_listed_pairs(
    reference: _Reference, pairs: NDArray[np.int64], n_samples: int, threshold_km: float
) -> tuple[tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]], int]:
    """Sampled minima under R of the listed pairs, and (pair, coarse interval)s kept.

    A pair is sampled densely over a coarse interval [c_j, c_j+1] only when one of its ends
    is within D + (s_a + s_b) H / 2: every time in the interval is within H / 2 of an end.
    """
    step = REFERENCE_STEP_S
    ratio = int(round(COARSE_STEP_S / step))
    intervals_per_block = max(1, BLOCK_SAMPLES // ratio)
    coarse = np.unique(np.r_[np.arange(0, n_samples, ratio), n_samples - 1]).astype(np.int64)
    rows, inverse = np.unique(pairs, return_inverse=True)
    local = inverse.reshape(pairs.shape)
    seeds: list[tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]] = []
    kept = 0
    for block in range(0, coarse.size - 1, intervals_per_block):
        ends = coarse[block : block + intervals_per_block + 1]
        position, velocity = reference.states(rows, ends.astype(np.float64) * step)
        speed = _speed_bound(velocity, ratio * step / 2.0)
        # A failure inside the block leaves gaps between coarse samples: keep its pairs.
        failed = np.asarray(np.isnan(position[:, :, 0]).any(axis=1), dtype=bool)
        flagged = np.empty((len(local), ends.size - 1), dtype=bool)
        for chunk in range(0, len(local), 50_000):
            a, b = local[chunk : chunk + 50_000, 0], local[chunk : chunk + 50_000, 1]
            distance = _pair_distances(position, a, b)
            nearer_end = np.minimum(distance[:, :-1], distance[:, 1:])
            bound = threshold_km + (speed[a] + speed[b]) * ratio * step / 2.0
            flagged[chunk : chunk + 50_000] = (nearer_end < bound[:, None]) | (
                failed[a] | failed[b]
            )[:, None]
        for interval in range(ends.size - 1):
            chosen = np.flatnonzero(flagged[:, interval])
            kept += int(chosen.size)
            if chosen.size:
                owned = np.arange(ends[interval], ends[interval + 1] + 1, dtype=np.int64)
                seeds.append(
                    _interval_seeds(reference, rows, local[chosen], owned, n_samples, threshold_km)
                )
    return _concatenate(seeds), kept


def _interval_seeds(
    reference: _Reference,
    rows: NDArray[np.int64],
    local_pairs: NDArray[np.int64],
    owned: NDArray[np.int64],
    n_samples: int,
    threshold_km: float,
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """(a, b, sample) sampled minima under R of `local_pairs` at the `owned` dense samples."""
    step = REFERENCE_STEP_S
    extended = np.arange(max(0, int(owned[0]) - 1), min(n_samples, int(owned[-1]) + 2))
    needed, compact = np.unique(local_pairs, return_inverse=True)
    compact = compact.reshape(-1, 2)
    position, velocity = reference.states(rows[needed], extended.astype(np.float64) * step)
    speed = _speed_bound(velocity, step / 2.0)
    a, b = compact[:, 0], compact[:, 1]
    distance, edge_before, edge_after = _padded(_pair_distances(position, a, b), owned, extended)
    is_min = _discrete_minima(distance, edge_before, edge_after)
    bound = threshold_km + (speed[a] + speed[b]) * step / 2.0
    is_min &= distance[:, 1:-1] < bound[:, None]
    pair_index, column = np.nonzero(is_min)
    global_rows = rows[needed]
    return global_rows[a[pair_index]], global_rows[b[pair_index]], owned[column]


def _concatenate(
    parts: list[tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]],
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    if not parts:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, empty
    return (
        np.concatenate([part[0] for part in parts]).astype(np.int64),
        np.concatenate([part[1] for part in parts]).astype(np.int64),
        np.concatenate([part[2] for part in parts]).astype(np.int64),
    )


def _refine(
    reference: _Reference,
    seeds: tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]],
    duration_s: float,
    threshold_km: float,
) -> tuple[PairMinima, dict[str, Any]]:
    """Brent minimisation of the exact distance in (t_m-1, t_m+1) around each seed."""
    step = REFERENCE_STEP_S
    minima: PairMinima = {}
    edge = 0
    unresolved: list[dict[str, float | int]] = []
    for a, b, sample in zip(*(part.tolist() for part in seeds), strict=True):
        lo = max(0.0, (sample - 1) * step)
        hi = min(duration_s, (sample + 1) * step)
        # Minimise over the offset from `lo`: scipy's tolerance grows with |x|.
        best = minimize_scalar(
            lambda offset, a=a, b=b, lo=lo: reference.distance_km(a, b, lo + offset),
            bounds=(0.0, hi - lo),
            method="bounded",
            options={"xatol": _XATOL_S},
        )
        tca, miss = lo + float(best.x), float(best.fun)
        for end in (lo, hi):
            at_end = reference.distance_km(a, b, end)
            if at_end < miss:
                tca, miss = end, at_end
        if tca <= EDGE_TOLERANCE_S or tca >= duration_s - EDGE_TOLERANCE_S:
            edge += int(miss < threshold_km)
            continue
        if min(tca - lo, hi - tca) < 10 * _XATOL_S:
            if miss < threshold_km:
                unresolved.append({"a": a, "b": b, "tca_s": tca, "miss_km": miss})
            continue
        if miss < threshold_km:
            minima.setdefault((a, b), []).append((tca, miss))
    for pair, found in minima.items():
        # Neighbouring brackets may converge on one minimum: keep it once.
        found.sort()
        minima[pair] = [m for i, m in enumerate(found) if i == 0 or m[0] - found[i - 1][0] > 1e-3]
    stats = {"seeds_refined": len(seeds[0]), "edge_minima": edge, "unresolved": unresolved}
    return minima, stats


def reference_conjunctions(
    element_sets: Sequence[ElementSet],
    duration_s: float,
    threshold_km: float,
    *,
    pairs: NDArray[np.int64] | None = None,
    excluded: set[tuple[int, int]] | None = None,
    start: datetime = START,
) -> tuple[PairMinima, dict[str, Any]]:
    """{(row a, row b): [(tca s, miss km), ...]} of interior minima under the threshold.

    All pairs among `element_sets` (k-d tree per sample) when `pairs` is None, else the
    listed (row a < row b) pairs (coarse pre-pass); `excluded` pairs (rows, a < b) are left
    out. Also returns the reference's own statistics and CPU time.
    """
    clock, cpu_clock = time.perf_counter(), time.process_time()
    reference = _Reference(element_sets, start)
    n_samples = int(round(duration_s / REFERENCE_STEP_S)) + 1
    stats: dict[str, Any] = {}
    if pairs is None:
        rows = np.arange(len(element_sets), dtype=np.int64)
        seeds = _seeds_all_pairs(reference, rows, n_samples, threshold_km)
    else:
        seeds, kept = _seeds_listed_pairs(reference, pairs, n_samples, threshold_km)
        stats["pair_intervals_densely_sampled"] = kept
        # Samples shared by two coarse intervals may yield the same seed twice.
        unique = np.unique(np.column_stack(seeds), axis=0).reshape(-1, 3)
        seeds = (unique[:, 0], unique[:, 1], unique[:, 2])
    if excluded:
        keep = np.array(
            [
                (a, b) not in excluded
                for a, b in zip(seeds[0].tolist(), seeds[1].tolist(), strict=True)
            ],
            dtype=bool,
        ).reshape(-1)
        seeds = (seeds[0][keep], seeds[1][keep], seeds[2][keep])
    minima, refine_stats = _refine(reference, seeds, duration_s, threshold_km)
    stats.update(refine_stats)
    stats.update(
        sgp4_propagations=reference.propagations,
        wall_seconds=round(time.perf_counter() - clock, 1),
        cpu_seconds=round(time.process_time() - cpu_clock, 1),
    )
    return minima, stats
