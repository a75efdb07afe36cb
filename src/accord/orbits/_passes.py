"""Satellite passes over ground stations: rise, culmination and set, many satellites at once.

Method (docs/campaigns.md, "Pass prediction"):

1. Coarse sampling: SGP4 positions in ITRS (`EarthFixedSampler`) every `step_s` seconds for
   every satellite, and the sine of the topocentric elevation above each station's WGS84
   horizon, as arrays (satellites, stations, times).
2. Culminations: interior local maxima of the coarse elevation are refined by bisection on
   the sign of the elevation's rate (a central difference over 0.02 s) to 1 ms; maxima
   reaching the station's mask make passes.
3. Rise and set: the nearest coarse samples below the mask on each side of the culmination
   bracket the crossings, which bisection refines to 1 ms.

Every refinement step is one vectorised propagation of all events. Passes already in
progress at `start` (or still in progress at `end`) are clipped to the interval and flagged.
Elevations are geometric (no refraction), as skyfield's `altaz()` without weather gives them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from numpy.typing import NDArray

from accord.formats import ElementSet
from accord.orbits._earth_fixed import EarthFixedSampler
from accord.orbits._stations import GroundStation, station_frames

__all__ = ["Pass", "predict_passes"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

_TOLERANCE_S = 1e-3
_RATE_HALF_STEP_S = 0.01
#: Coarse maxima this far (in sine of elevation, ~15 degrees) below the mask are still refined:
#: a short pass can peak between two coarse samples.
_CANDIDATE_MARGIN = 0.25
#: Bound on (satellites x stations x samples) per block of elevation arrays.
_BLOCK_ELEMENTS = 4_000_000


@dataclass(frozen=True, slots=True)
class Pass:
    """One pass of a satellite above a station's elevation mask.

    Times are UTC, timezone-aware, to ~1 ms. `max_elevation_deg` is the elevation at
    `culmination`; `min_elevation_deg` the mask the pass was computed for. A pass already
    above the mask at the search start has `rise` = start and `rise_in_window` False (and
    likewise `set` at the search end).
    """

    norad_id: int
    station: GroundStation
    rise: datetime
    culmination: datetime
    set: datetime
    max_elevation_deg: float
    min_elevation_deg: float
    rise_in_window: bool = True
    set_in_window: bool = True

    @property
    def duration_s(self) -> float:
        """Seconds from rise to set."""
        return (self.set - self.rise).total_seconds()


def _sine_elevation(positions_km: FloatArray, station_km: FloatArray, up: FloatArray) -> FloatArray:
    line_of_sight = positions_km - station_km
    return np.einsum("...i,...i->...", line_of_sight, up) / np.linalg.norm(line_of_sight, axis=-1)


def _bisect(func: Callable[[FloatArray], FloatArray], lo: FloatArray, hi: FloatArray) -> FloatArray:
    """Vectorised bisection of a sign change, func(lo) >= 0 > func(hi); gives the midpoint."""
    lo, hi = lo.copy(), hi.copy()
    width = float(np.max(hi - lo)) if lo.size else 0.0
    for _ in range(max(1, math.ceil(math.log2(max(width, _TOLERANCE_S) / _TOLERANCE_S)))):
        middle = 0.5 * (lo + hi)
        positive = func(middle) >= 0.0
        lo = np.where(positive, middle, lo)
        hi = np.where(positive, hi, middle)
    return 0.5 * (lo + hi)


def _datetime(reference: np.datetime64, seconds: float) -> datetime:
    instant = reference + np.timedelta64(round(seconds * 1e6), "us")
    return instant.astype("datetime64[us]").astype(datetime).replace(tzinfo=UTC)


def predict_passes(
    element_sets: Sequence[ElementSet],
    stations: Sequence[GroundStation],
    start: datetime,
    end: datetime,
    *,
    min_elevation_deg: float | None = None,
    step_s: float = 30.0,
    sampler: EarthFixedSampler | None = None,
) -> list[Pass]:
    """Passes of every satellite over every station between `start` and `end` (UTC).

    `min_elevation_deg` overrides every station's own mask. `step_s` is the coarse sampling
    step: a pass shorter than it whose peak is also missed by the candidate margin can be
    lost (30 s is fine for LEO above a few degrees). `sampler` reuses a prebuilt
    `EarthFixedSampler` over the same element sets and an interval covering [start, end].
    Sorted by rise time, then NORAD id and station name. Each `Pass` carries its
    `GroundStation` (names repeat across providers' files: Dubai, Hawaii, ...).
    """
    if sampler is None:
        sampler = EarthFixedSampler(element_sets, start, end)
    station_list = list(stations)
    if not station_list or len(sampler) == 0:
        return []
    from accord.orbits._earth_fixed import as_utc_datetime64

    offset_s = float((as_utc_datetime64(start) - sampler.reference) / np.timedelta64(1, "s"))
    span_s = float((as_utc_datetime64(end) - as_utc_datetime64(start)) / np.timedelta64(1, "s"))
    if span_s <= 0:
        raise ValueError(f"pass search: end {end} must be after start {start}")
    seconds = np.unique(np.append(np.arange(0.0, span_s, step_s), span_s)) + offset_s
    n_sat = len(sampler)
    positions = sampler.positions_km(np.broadcast_to(seconds, (n_sat, seconds.size)))
    station_km, up, sin_mask = station_frames(station_list)
    if min_elevation_deg is not None:
        sin_mask = np.full(len(station_list), math.sin(math.radians(min_elevation_deg)))
    per_station = n_sat * seconds.size
    block = max(1, _BLOCK_ELEMENTS // max(per_station, 1))
    passes: list[Pass] = []
    for first in range(0, len(station_list), block):
        rows = slice(first, min(first + block, len(station_list)))
        passes.extend(
            _passes_in_block(
                sampler,
                positions,
                seconds,
                station_km[rows],
                up[rows],
                sin_mask[rows],
                station_list[rows],
            )
        )
    passes.sort(key=lambda p: (p.rise, p.norad_id, p.station.name))
    return passes


def _passes_in_block(
    sampler: EarthFixedSampler,
    positions: FloatArray,
    seconds: FloatArray,
    station_km: FloatArray,
    up: FloatArray,
    sin_mask: FloatArray,
    stations: Sequence[GroundStation],
) -> list[Pass]:
    n_times = seconds.size
    sine = _sine_elevation(
        positions[:, np.newaxis, :, :], station_km[np.newaxis, :, np.newaxis, :], up[:, None, :]
    )
    above = np.nan_to_num(sine - sin_mask[np.newaxis, :, np.newaxis], nan=-2.0)
    # Candidate culminations: interior coarse maxima, plus the ends when already above there.
    interior = np.zeros_like(above, dtype=bool)
    interior[..., 1:-1] = (
        (above[..., 1:-1] >= above[..., :-2])
        & (above[..., 1:-1] > above[..., 2:])
        & (above[..., 1:-1] > -_CANDIDATE_MARGIN)
    )
    sat, sta, k = np.nonzero(interior)

    def sine_at(rows: IntArray, columns: IntArray, t: FloatArray) -> FloatArray:
        points = sampler.positions_at_km(rows, t)
        return _sine_elevation(points, station_km[columns], up[columns])

    def rate(t: FloatArray) -> FloatArray:
        both = np.concatenate([t + _RATE_HALF_STEP_S, t - _RATE_HALF_STEP_S])
        values = sine_at(np.tile(sat, 2), np.tile(sta, 2), both)
        return values[: t.size] - values[t.size :]

    t_peak = _bisect(rate, seconds[k - 1], seconds[k + 1]) if k.size else seconds[k]
    peak = sine_at(sat, sta, t_peak) - sin_mask[sta] if k.size else np.empty(0)
    keep = np.nan_to_num(peak, nan=-2.0) >= 0.0
    sat, sta, t_peak, peak = sat[keep], sta[keep], t_peak[keep], peak[keep]
    for edge in (0, n_times - 1):
        e_sat, e_sta = np.nonzero(above[..., edge] >= 0.0)
        sat = np.concatenate([sat, e_sat])
        sta = np.concatenate([sta, e_sta])
        t_peak = np.concatenate([t_peak, np.full(e_sat.size, seconds[edge])])
        peak = np.concatenate([peak, above[e_sat, e_sta, edge]])
    if sat.size == 0:
        return []

    index = np.arange(n_times)
    below = above < 0.0
    last_below = np.maximum.accumulate(np.where(below, index, -1), axis=-1)
    next_below = np.minimum.accumulate(np.where(below, index, n_times)[..., ::-1], axis=-1)[
        ..., ::-1
    ]
    m = np.clip(np.searchsorted(seconds, t_peak, side="right") - 1, 0, n_times - 1)
    j_rise = last_below[sat, sta, m]
    after = np.minimum(m + 1, n_times - 1)
    j_set = np.where(m + 1 < n_times, next_below[sat, sta, after], n_times)

    # One pass per above-mask interval: keep its highest culmination.
    order = np.lexsort((-peak, j_rise, sta, sat))
    key = np.stack([sat[order], sta[order], j_rise[order]])
    first = np.ones(order.size, dtype=bool)
    first[1:] = np.any(key[:, 1:] != key[:, :-1], axis=0)
    chosen = order[first]
    sat, sta, t_peak, peak = sat[chosen], sta[chosen], t_peak[chosen], peak[chosen]
    j_rise, j_set = j_rise[chosen], j_set[chosen]

    rises = j_rise >= 0
    t_rise = np.full(sat.size, seconds[0])
    if rises.any():
        lo = seconds[j_rise[rises]]
        hi = np.minimum(seconds[np.minimum(j_rise[rises] + 1, n_times - 1)], t_peak[rises])
        r_sat, r_sta = sat[rises], sta[rises]
        t_rise[rises] = _bisect(lambda t: -(sine_at(r_sat, r_sta, t) - sin_mask[r_sta]), lo, hi)
    sets = j_set < n_times
    t_set = np.full(sat.size, seconds[-1])
    if sets.any():
        lo = np.maximum(seconds[j_set[sets] - 1], t_peak[sets])
        hi = seconds[j_set[sets]]
        s_sat, s_sta = sat[sets], sta[sets]
        t_set[sets] = _bisect(lambda t: sine_at(s_sat, s_sta, t) - sin_mask[s_sta], lo, hi)

    max_elevation = np.degrees(np.arcsin(np.clip(peak + sin_mask[sta], -1.0, 1.0)))
    mask_deg = np.degrees(np.arcsin(sin_mask))
    reference = sampler.reference
    return [
        Pass(
            norad_id=int(sampler.norad_ids[sat[i]]),
            station=stations[sta[i]],
            rise=_datetime(reference, float(t_rise[i])),
            culmination=_datetime(reference, float(t_peak[i])),
            set=_datetime(reference, float(t_set[i])),
            max_elevation_deg=float(max_elevation[i]),
            min_elevation_deg=float(mask_deg[sta[i]]),
            rise_in_window=bool(rises[i]),
            set_in_window=bool(sets[i]),
        )
        for i in range(sat.size)
    ]
