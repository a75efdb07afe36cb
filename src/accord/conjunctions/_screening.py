"""Conjunction screening: all-vs-all (`screen_catalog`) and one-vs-many (`screen_against`).

Stages (docs/screening.md): SGP4 samples on a common grid (`_sampling`), 4-D boxes per
object and step and a grid broad phase (`_broadphase`), cubic Hermite narrow phase and
Newton refinement of the TCA on exact SGP4 (`_refine`). Times are UTC, positions TEME km.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
from numpy.typing import NDArray

from accord.conjunctions._broadphase import WindowBoxes, candidate_pairs, window_boxes
from accord.conjunctions._refine import cubic_minimum, refine_tca
from accord.conjunctions._rtn import to_rtn
from accord.conjunctions._sampling import GridSampler
from accord.formats import ElementSet

__all__ = [
    "FORMATION_CLOSE_FRACTION",
    "GEO_SCREENING_VOLUME",
    "NASA_LEO_SCREENING_VOLUME",
    "CoLocation",
    "Conjunction",
    "PropagationFailure",
    "ScreeningResult",
    "ScreeningVolume",
    "screen_against",
    "screen_catalog",
]

#: Default internal time step (s): the broad phase's window and the LEO sampling cadence.
DEFAULT_STEP_S = 60.0
_CHUNK_WINDOWS = 128  # a multiple of the largest sampling cadence (16)
#: Extra slack (km) on the narrow phase's cubic distance before exact refinement.
_NARROW_MARGIN_KM = 0.05
#: Two refined minima of one pair this close in time (s) are one minimum: distinct minima
#: of a pair lie a good fraction of an orbit apart, while a near-stationary pair's polished
#: TCA is defined only to a fraction of a second (its distance barely changes).
_SAME_MINIMUM_S = 60.0
#: Relative speed (squared, km^2/s^2) under which a pair counts as near-stationary: 20 m/s.
_SLOW_KM2_S2 = 0.02**2
#: How far (s) a near-stationary pair's polish may move from the window that sent it:
#: interpolation errors of 0.05 km shift a minimum of curvature ~5e-6 km/s^2 by ~140 s.
_SLOW_BRACKET_S = 300.0
#: A pair within the threshold at both ends of at least this fraction of the span's steps
#: is a formation, reported once as a `CoLocation` (docs/screening.md, "Co-location").
FORMATION_CLOSE_FRACTION = 0.9


@dataclass(frozen=True)
class ScreeningVolume:
    """An ellipsoid in the primary's RTN frame: semi-axes in km (radial, in-track, cross-track)."""

    radial_km: float
    in_track_km: float
    cross_track_km: float

    @property
    def largest_semi_axis_km(self) -> float:
        return max(self.radial_km, self.in_track_km, self.cross_track_km)

    def contains(self, miss_rtn_km: NDArray[np.float64]) -> NDArray[np.bool_]:
        """True where the (..., 3) RTN miss vectors lie inside the ellipsoid."""
        axes = np.array([self.radial_km, self.in_track_km, self.cross_track_km])
        return np.sum((np.asarray(miss_rtn_km) / axes) ** 2, axis=-1) <= 1.0


#: NASA CARA's LEO screening volume (radial 0.5 km, in-track 5 km, cross-track 5 km).
NASA_LEO_SCREENING_VOLUME = ScreeningVolume(0.5, 5.0, 5.0)
#: A 15 km sphere, the GEO screening volume.
GEO_SCREENING_VOLUME = ScreeningVolume(15.0, 15.0, 15.0)


@dataclass(frozen=True)
class Conjunction:
    """One close approach: TCA (UTC), miss distance and vector, and both TEME states.

    `miss_rtn_km` is the secondary's position minus the primary's, in the primary's RTN
    frame (R radial, T in-track, N cross-track, km). `collision_probability` is left None
    by screening; the probability stage fills it.
    """

    primary_norad_id: int
    secondary_norad_id: int
    tca: datetime
    tca_offset_s: float
    miss_km: float
    relative_speed_km_s: float
    miss_rtn_km: tuple[float, float, float]
    primary_position_km: tuple[float, float, float]
    primary_velocity_km_s: tuple[float, float, float]
    secondary_position_km: tuple[float, float, float]
    secondary_velocity_km_s: tuple[float, float, float]
    collision_probability: float | None = None


@dataclass(frozen=True)
class CoLocation:
    """Two objects reported once instead of as conjunctions: identical element sets, or
    within the threshold at every sampled step (docked), or for at least
    `FORMATION_CLOSE_FRACTION` of the steps (a formation: trains, co-located clusters).
    """

    primary_norad_id: int
    secondary_norad_id: int
    identical_elements: bool
    max_sampled_distance_km: float
    #: Fraction of the span's steps with both ends under the threshold (1.0: every step).
    close_fraction: float = 1.0
    #: Smallest distance seen (km): sampled step ends and the pair's refined minima.
    min_distance_km: float | None = None

    @property
    def formation(self) -> bool:
        """True for a formation: close most of the span (`FORMATION_CLOSE_FRACTION`), not all."""
        return not self.identical_elements and self.close_fraction < 1.0


@dataclass(frozen=True)
class PropagationFailure:
    """An object SGP4 could not propagate over part of the span (decayed, invalid elements)."""

    norad_id: int
    first_failure: datetime


@dataclass
class ScreeningResult:
    """Conjunctions sorted by (TCA, primary, secondary), co-locations, and failures."""

    start: datetime
    end: datetime
    threshold_km: float
    volume: ScreeningVolume | None
    step_s: float
    conjunctions: list[Conjunction]
    co_locations: list[CoLocation]
    failures: list[PropagationFailure]
    stage_seconds: dict[str, float] = field(default_factory=dict)
    candidate_count: int = 0
    #: Distances under the threshold at the span's start or end while the pair is still
    #: approaching (start) or not yet at its closest (end): the closest approach lies
    #: outside the span, so these are not conjunctions and get no CDM.
    edge_approaches: list[Conjunction] = field(default_factory=list)
    #: Process CPU time per stage (all threads), beside the wall `stage_seconds`: on a
    #: shared machine the wall time says more about the neighbours than about the engine.
    stage_cpu_seconds: dict[str, float] = field(default_factory=dict)


def screen_catalog(
    element_sets: Sequence[ElementSet],
    *,
    start: datetime,
    duration: timedelta = timedelta(days=7),
    threshold_km: float = 5.0,
    screening_volume: ScreeningVolume | None = None,
    step_s: float = DEFAULT_STEP_S,
    threads: int | None = None,
    progress: Callable[[float], None] | None = None,
) -> ScreeningResult:
    """Screen every pair of `element_sets` for close approaches over [start, start + duration].

    A conjunction is a local minimum of distance with miss distance below `threshold_km`
    (or, with `screening_volume`, a miss vector inside that RTN ellipsoid). The primary is
    the object with the lower NORAD id. `step_s` is the internal time step.
    """
    return _screen(
        element_sets,
        None,
        start,
        duration,
        threshold_km,
        screening_volume,
        step_s,
        threads,
        progress,
    )


def screen_against(
    primaries: Sequence[ElementSet],
    secondaries: Sequence[ElementSet],
    *,
    start: datetime,
    duration: timedelta = timedelta(days=7),
    threshold_km: float = 5.0,
    screening_volume: ScreeningVolume | None = None,
    step_s: float = DEFAULT_STEP_S,
    threads: int | None = None,
    progress: Callable[[float], None] | None = None,
) -> ScreeningResult:
    """Screen each primary against the secondaries (one-vs-many); primaries are primary."""
    by_id: dict[int, ElementSet] = {es.norad_id: es for es in secondaries}
    by_id.update({es.norad_id: es for es in primaries})
    primary_ids = {es.norad_id for es in primaries}
    secondary_ids = {es.norad_id for es in secondaries}
    merged = list(by_id.values())
    allowed = np.array(
        [[es.norad_id in primary_ids, es.norad_id in secondary_ids] for es in merged], dtype=bool
    ).reshape(-1, 2)
    return _screen(
        merged,
        allowed,
        start,
        duration,
        threshold_km,
        screening_volume,
        step_s,
        threads,
        progress,
    )


def _identity(es: ElementSet) -> tuple[object, ...]:
    return (
        es.epoch,
        es.mean_motion_rev_per_day,
        es.eccentricity,
        es.inclination_deg,
        es.raan_deg,
        es.arg_of_pericenter_deg,
        es.mean_anomaly_deg,
        es.bstar_per_earth_radius,
        es.mean_motion_dot_rev_per_day2,
        es.mean_motion_ddot_rev_per_day3,
    )


def _screen(
    element_sets: Sequence[ElementSet],
    allowed: NDArray[np.bool_] | None,
    start: datetime,
    duration: timedelta,
    threshold_km: float,
    volume: ScreeningVolume | None,
    step_s: float,
    threads: int | None,
    progress: Callable[[float], None] | None,
) -> ScreeningResult:
    if start.utcoffset() is None:
        raise ValueError(
            f"screening start {start.isoformat()} is naive; pass a timezone-aware UTC datetime"
        )
    duration_s = duration.total_seconds()
    if duration_s <= 0 or step_s <= 0 or threshold_km <= 0:
        raise ValueError(
            f"screening needs a positive duration, step_s and threshold_km; got {duration}, "
            f"{step_s}, {threshold_km}"
        )
    stages: dict[str, float] = {"sample": 0.0, "broad": 0.0, "narrow": 0.0, "refine": 0.0}
    cpu = dict.fromkeys(stages, 0.0)
    n_windows = max(1, math.ceil(duration_s / step_s - 1e-9))
    step = duration_s / n_windows
    reach = volume.largest_semi_axis_km if volume is not None else threshold_km
    ids = np.array([es.norad_id for es in element_sets], dtype=np.int64)
    clock = time.perf_counter()
    cpu_clock = time.process_time()
    sampler = GridSampler(element_sets, start=start, step_s=step, threads=threads)
    error_km = sampler.error_bound_km
    pad = error_km + 0.5 * reach
    stages["sample"] += time.perf_counter() - clock
    cpu["sample"] += time.process_time() - cpu_clock

    found_a: list[NDArray[np.int64]] = []
    found_b: list[NDArray[np.int64]] = []
    found_t: list[NDArray[np.float64]] = []
    found_lo: list[NDArray[np.float64]] = []
    found_hi: list[NDArray[np.float64]] = []
    close_windows: dict[int, int] = {}
    close_max_km: dict[int, float] = {}
    close_min_km: dict[int, float] = {}
    found_edge: list[NDArray[np.bool_]] = []
    found_slow_only: list[NDArray[np.bool_]] = []
    found_slow: list[NDArray[np.bool_]] = []
    first_failure: dict[int, int] = {}
    boxes: WindowBoxes | None = None
    previous_node: NDArray[np.float64] | None = None
    candidates = 0
    n_objects = len(element_sets)
    for first in range(0, n_windows, _CHUNK_WINDOWS):
        count = min(_CHUNK_WINDOWS, n_windows - first)
        clock = time.perf_counter()
        cpu_clock = time.process_time()
        padded = -(-count // 16) * 16
        chunk = sampler.sample(first, padded, reuse_buffers=True)
        pos = chunk.position_km[:, : count + 1]
        vel = chunk.velocity_km_s[:, : count + 1]
        valid = chunk.valid[:, : count + 1]
        for row in np.flatnonzero(~valid.all(axis=1)):
            first_failure.setdefault(int(row), first + int(np.argmin(valid[row])))
        stages["sample"] += time.perf_counter() - clock
        cpu["sample"] += time.process_time() - cpu_clock

        clock = time.perf_counter()

        cpu_clock = time.process_time()
        boxes = window_boxes(pos, vel, valid, step, pad, reuse=boxes)
        a, b, w = candidate_pairs(boxes, allowed, extra_reach_km=threshold_km - reach)
        candidates += a.size
        stages["broad"] += time.perf_counter() - clock
        cpu["broad"] += time.process_time() - cpu_clock

        clock = time.perf_counter()

        cpu_clock = time.process_time()
        p0 = pos[b, w] - pos[a, w]
        p1 = pos[b, w + 1] - pos[a, w + 1]
        v0 = vel[b, w] - vel[a, w]
        v1 = vel[b, w + 1] - vel[a, w + 1]
        # Co-location bookkeeping: windows whose two end distances are under the threshold.
        d0, d1 = np.linalg.norm(p0, axis=1), np.linalg.norm(p1, axis=1)
        close = np.maximum(d0, d1) < threshold_km
        if np.any(close):
            keys = a[close] * n_objects + b[close]
            unique, counts = np.unique(keys, return_counts=True)
            where = np.searchsorted(unique, keys)
            worst = np.full(unique.size, 0.0)
            np.maximum.at(worst, where, np.maximum(d0, d1)[close])
            best = np.full(unique.size, np.inf)
            np.minimum.at(best, where, np.minimum(d0, d1)[close])
            for key, n_close, dmax, dmin in zip(
                unique.tolist(), counts.tolist(), worst.tolist(), best.tolist(), strict=True
            ):
                close_windows[key] = close_windows.get(key, 0) + n_close
                close_max_km[key] = max(close_max_km.get(key, 0.0), dmax)
                close_min_km[key] = min(close_min_km.get(key, np.inf), dmin)
        g0 = np.einsum("ij,ij->i", p0, v0)
        g1 = np.einsum("ij,ij->i", p1, v1)
        global_w = first + w
        owned = (g0 < 0.0) & (g1 >= 0.0)
        at_start = (global_w == 0) & (g0 >= 0.0)
        at_end = (global_w == n_windows - 1) & (g1 < 0.0)
        # A near-stationary pair's range rate from SGP4 velocities (not exactly the
        # derivative of SGP4's positions) can miss the sign change of a very flat minimum,
        # so its windows go to the position polish by their sampled distances instead; the
        # polish keeps only true minima (one copy each).
        # Such a window is sent when its start node is a discrete minimum of the sampled
        # distance (below the node before, not above the node after): the minimum then lies
        # within a step of that node, inside the polish's widened bracket. Identical element
        # sets (distance constant) never qualify: they are co-located, not conjunctions.
        slow = (np.einsum("ij,ij->i", v0, v0) < _SLOW_KM2_S2) & (
            np.einsum("ij,ij->i", v1, v1) < _SLOW_KM2_S2
        )
        d_before = np.full(d0.shape, np.inf)
        inner = slow & (w >= 1)
        d_before[inner] = np.linalg.norm(
            pos[b[inner], w[inner] - 1] - pos[a[inner], w[inner] - 1], axis=1
        )
        outer = slow & (w == 0) & (previous_node is not None)
        if previous_node is not None and np.any(outer):
            d_before[outer] = np.linalg.norm(
                previous_node[b[outer]] - previous_node[a[outer]], axis=1
            )
        slow &= (d0 < d_before) & (d0 <= d1)
        keep = owned | at_start | at_end | slow
        tau, distance = cubic_minimum(p0[keep], v0[keep], p1[keep], v1[keep], step)
        tau = np.where(at_start[keep], 0.0, np.where(at_end[keep], 1.0, tau))
        slack = reach + error_km[a[keep]] + error_km[b[keep]] + _NARROW_MARGIN_KM
        near = distance <= slack
        sel = np.flatnonzero(keep)[near]
        t_lo = global_w[sel] * step
        found_a.append(a[sel])
        found_b.append(b[sel])
        found_t.append(t_lo + tau[near] * step)
        fixed_start = at_start[sel]
        fixed_end = at_end[sel]
        found_lo.append(np.where(fixed_end, t_lo + step, t_lo))
        found_edge.append(fixed_start | fixed_end)
        found_slow_only.append((slow & ~(owned | at_start | at_end))[sel])
        found_slow.append(slow[sel])
        found_hi.append(np.where(fixed_start, t_lo, t_lo + step))
        # The node before the next chunk's first (chunk buffers are reused: copy it).
        previous_node = pos[:, count - 1].copy()
        stages["narrow"] += time.perf_counter() - clock
        cpu["narrow"] += time.process_time() - cpu_clock
        if progress is not None:
            progress((first + count) / n_windows)

    clock = time.perf_counter()

    cpu_clock = time.process_time()
    a = np.concatenate(found_a) if found_a else np.empty(0, dtype=np.int64)
    b = np.concatenate(found_b) if found_b else np.empty(0, dtype=np.int64)
    t_guess = np.concatenate(found_t) if found_t else np.empty(0)
    t_lo = np.concatenate(found_lo) if found_lo else np.empty(0)
    t_hi = np.concatenate(found_hi) if found_hi else np.empty(0)
    at_edge = np.concatenate(found_edge) if found_edge else np.empty(0, dtype=bool)
    slow_only = np.concatenate(found_slow_only) if found_slow_only else np.empty(0, dtype=bool)
    slow_rule = np.concatenate(found_slow) if found_slow else np.empty(0, dtype=bool)

    identical_groups: dict[tuple[object, ...], list[int]] = {}
    for index, es in enumerate(element_sets):
        identical_groups.setdefault(_identity(es), []).append(index)
    identical_pairs: set[int] = set()
    for rows in identical_groups.values():
        for i, first_row in enumerate(rows):
            for second_row in rows[i + 1 :]:
                lo_row, hi_row = min(first_row, second_row), max(first_row, second_row)
                if allowed is None or _pair_allowed(allowed, lo_row, hi_row):
                    identical_pairs.add(lo_row * n_objects + hi_row)
    co_located = set(identical_pairs)
    # Co-located (close at every step) and formations (close for most of the span): one
    # report per pair instead of a conjunction per orbit (docs/screening.md).
    formation_windows = FORMATION_CLOSE_FRACTION * n_windows
    co_located.update(key for key, n in close_windows.items() if n >= formation_windows)
    pair_keys = a * n_objects + b
    grouped = np.isin(pair_keys, np.fromiter(co_located, dtype=np.int64, count=len(co_located)))

    # The position polish may leave the window by one step (the minimum of distance can lie
    # just past the window whose velocities claimed it), never the span; fixed edge
    # approaches (t_lo == t_hi) stay where they are.
    # A near-stationary pair's sampled distances are only as good as the interpolation
    # between SGP4 nodes (`error_km`, up to 0.05 km), far coarser than its distance varies,
    # so the discrete minimum that sent it may sit minutes from the true one: its bracket
    # is widened by `_SLOW_BRACKET_S` (several candidates then find one minimum, kept once).
    span_s = n_windows * step
    widened = t_hi > t_lo
    margin = np.where(slow_rule, max(step, _SLOW_BRACKET_S), step)
    polish_lo = np.where(widened, np.maximum(t_lo - margin, 0.0), t_lo)
    polish_hi = np.where(widened, np.minimum(t_hi + margin, span_s), t_hi)
    t, state_a, state_b, ok, is_minimum = refine_tca(
        element_sets,
        sampler.start_minutes,
        a,
        b,
        t_guess,
        t_lo,
        t_hi,
        polish_lo_s=polish_lo,
        polish_hi_s=polish_hi,
        threads=threads,
    )
    # At the span's own ends a falling distance is the span's business (edge approaches),
    # not a sign of a misplaced window: those keep their minimum, unless only the
    # near-stationary rule sent the window (its velocities saw no minimum there).
    is_minimum |= ((t <= 0.0) | (t >= span_s)) & ~slow_only
    # Two windows may hand the polish the same minimum (velocities and positions disagree
    # on which window owns it): one copy per pair and TCA.
    is_minimum &= ~_repeated_minima(a * n_objects + b, t, is_minimum)
    miss = state_b[:, :3] - state_a[:, :3]
    miss_km = np.linalg.norm(miss, axis=1)
    # The closest refined approach of each grouped pair (its minimum over the span).
    closest_km: dict[int, float] = {}
    for key, miss_k in zip(
        pair_keys[grouped & ok].tolist(), miss_km[grouped & ok].tolist(), strict=True
    ):
        closest_km[key] = min(closest_km.get(key, np.inf), miss_k)
    listed = ok & is_minimum & ~grouped
    conjunctions, edge_approaches = (
        _conjunctions(
            element_sets,
            ids,
            allowed,
            start,
            a,
            b,
            t,
            state_a,
            state_b,
            listed & edge_mask,
            miss,
            miss_km,
            threshold_km,
            volume,
        )
        for edge_mask in (~at_edge, at_edge)
    )
    stages["refine"] += time.perf_counter() - clock
    cpu["refine"] += time.process_time() - cpu_clock

    co_locations = []
    for key in sorted(co_located):
        lo_row, hi_row = divmod(key, n_objects)
        primary, secondary = _orient(ids, allowed, lo_row, hi_row)
        nearest = min(close_min_km.get(key, np.inf), closest_km.get(key, np.inf))
        co_locations.append(
            CoLocation(
                int(ids[primary]),
                int(ids[secondary]),
                key in identical_pairs,
                close_max_km.get(key, 0.0),
                close_fraction=close_windows.get(key, 0) / n_windows,
                min_distance_km=nearest if math.isfinite(nearest) else None,
            )
        )
    failures = [
        PropagationFailure(int(ids[row]), start + timedelta(seconds=node * step))
        for row, node in sorted(first_failure.items(), key=lambda item: int(ids[item[0]]))
    ]
    return ScreeningResult(
        start=start,
        end=start + duration,
        threshold_km=threshold_km,
        volume=volume,
        step_s=step,
        conjunctions=conjunctions,
        co_locations=co_locations,
        failures=failures,
        stage_seconds={k: round(v, 3) for k, v in stages.items()},
        stage_cpu_seconds={k: round(v, 3) for k, v in cpu.items()},
        candidate_count=candidates,
        edge_approaches=edge_approaches,
    )


def _pair_allowed(allowed: NDArray[np.bool_], i: int, j: int) -> bool:
    return bool((allowed[i, 0] and allowed[j, 1]) or (allowed[j, 0] and allowed[i, 1]))


def _orient(
    ids: NDArray[np.int64], allowed: NDArray[np.bool_] | None, i: int, j: int
) -> tuple[int, int]:
    """(primary row, secondary row): the allowed primary, else the lower NORAD id."""
    if allowed is not None and allowed[i, 0] != allowed[j, 0]:
        return (i, j) if allowed[i, 0] else (j, i)
    return (i, j) if ids[i] <= ids[j] else (j, i)


def _conjunctions(
    element_sets: Sequence[ElementSet],
    ids: NDArray[np.int64],
    allowed: NDArray[np.bool_] | None,
    start: datetime,
    a: NDArray[np.int64],
    b: NDArray[np.int64],
    t: NDArray[np.float64],
    state_a: NDArray[np.float64],
    state_b: NDArray[np.float64],
    ok: NDArray[np.bool_],
    miss: NDArray[np.float64],
    miss_km: NDArray[np.float64],
    threshold_km: float,
    volume: ScreeningVolume | None,
) -> list[Conjunction]:
    del element_sets, miss
    # Orientation, RTN and the filter for all candidates at once (array work), then one
    # dataclass per kept conjunction.
    if allowed is not None:
        flip = np.where(allowed[a, 0] != allowed[b, 0], ~allowed[a, 0], ids[a] > ids[b])
    else:
        flip = ids[a] > ids[b]
    primary = np.where(flip, b, a)
    secondary = np.where(flip, a, b)
    p_state = np.where(flip[:, None], state_b, state_a)
    s_state = np.where(flip[:, None], state_a, state_b)
    rtn = to_rtn(s_state[:, :3] - p_state[:, :3], p_state[:, :3], p_state[:, 3:])
    inside = volume.contains(rtn) if volume is not None else miss_km < threshold_km
    keep = np.flatnonzero(ok & inside)
    speed = np.linalg.norm(s_state[:, 3:] - p_state[:, 3:], axis=1)
    result: list[Conjunction] = []
    for primary_id, secondary_id, t_s, miss_k, speed_k, rtn_k, ps, ss in zip(
        ids[primary[keep]].tolist(),
        ids[secondary[keep]].tolist(),
        t[keep].tolist(),
        miss_km[keep].tolist(),
        speed[keep].tolist(),
        rtn[keep].tolist(),
        p_state[keep].tolist(),
        s_state[keep].tolist(),
        strict=True,
    ):
        result.append(
            Conjunction(
                primary_norad_id=primary_id,
                secondary_norad_id=secondary_id,
                tca=start + timedelta(seconds=t_s),
                tca_offset_s=t_s,
                miss_km=miss_k,
                relative_speed_km_s=speed_k,
                miss_rtn_km=(rtn_k[0], rtn_k[1], rtn_k[2]),
                primary_position_km=(ps[0], ps[1], ps[2]),
                primary_velocity_km_s=(ps[3], ps[4], ps[5]),
                secondary_position_km=(ss[0], ss[1], ss[2]),
                secondary_velocity_km_s=(ss[3], ss[4], ss[5]),
            )
        )
    result.sort(key=lambda c: (c.tca_offset_s, c.primary_norad_id, c.secondary_norad_id))
    return result


def _repeated_minima(
    pair_keys: NDArray[np.int64], t_s: NDArray[np.float64], candidate: NDArray[np.bool_]
) -> NDArray[np.bool_]:
    """True for every candidate but the first of each run with the same pair and a TCA
    within `_SAME_MINIMUM_S` of the previous one."""
    repeated = np.zeros(t_s.size, dtype=bool)
    rows = np.flatnonzero(candidate)
    if rows.size < 2:
        return repeated
    order = rows[np.lexsort((t_s[rows], pair_keys[rows]))]
    same = (pair_keys[order][1:] == pair_keys[order][:-1]) & (
        np.diff(t_s[order]) <= _SAME_MINIMUM_S
    )
    repeated[order[1:][same]] = True
    return repeated
