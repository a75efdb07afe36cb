"""Screen an operator's ephemeris (CCSDS OEM) against catalog element sets (one-vs-many).

The way operators use TraCSS or Space-Track's screening service: the OEM object is the
primary, every catalog object a secondary. Frames: the OEM is converted to TEME and UTC
(`accord.orbits.ephemeris_to_teme`), where SGP4 gives the catalog, so every state and miss
vector in the result is TEME, as in `screen_against`. Stages, per OEM segment:
1. Apogee/perigee prefilter: secondaries whose mean-element perigee lies above the
   primary's largest sampled radius (or apogee below its smallest) by more than the reach
   plus `prefilter_margin_km` (default 50 km: SGP4's short-period J2 terms move the
   radius by ~10-20 km in LEO, drag a few km a week) are dropped.
2. Sampling on the grid start + k h (h <= `step_s`): primary by interpolation
   (`EphemerisInterpolator`, the OEM's own method and degree), secondaries by SGP4.
3. Each step whose range rate g = rho . rho_dot goes from negative to non-negative owns a
   local minimum (the span's ends own minima at the edges, reported as edge approaches);
   the relative cubic Hermite's minimum must be within the reach plus 1 km (a generous
   bound on the cubic's error at 60 s steps, ~0.05 km for LEO) to be refined.
4. Refinement: bracketed Newton on g(t) with the exact SGP4 secondary and the interpolated
   primary, to 1 microsecond; miss, relative speed and RTN miss vector from the final states.
A secondary within the threshold at every sample is a `CoLocation` instead.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import numpy as np
from numpy.typing import NDArray

from accord.conjunctions._encounter import rtn_covariance_to_inertial
from accord.conjunctions._no_covariance import AssumedRtnSigmas
from accord.conjunctions._probability import foster_pc
from accord.conjunctions._refine import MU_KM3_S2, cubic_minimum
from accord.conjunctions._rtn import to_rtn
from accord.conjunctions._screening import (
    DEFAULT_STEP_S,
    CoLocation,
    Conjunction,
    PropagationFailure,
    ScreeningResult,
    ScreeningVolume,
)
from accord.formats import ElementSet, OemCovariance, OemSegment, OrbitEphemerisMessage
from accord.orbits import (
    EphemerisError,
    EphemerisInterpolator,
    Sgp4Propagator,
    ephemeris_epochs_utc,
    ephemeris_to_teme,
    gcrs_to_teme_rotation,
)
from accord.orbits._ephemeris_frames import INERTIAL_FRAMES, to_gcrs

__all__ = ["OEM_COVARIANCE_PC_METHOD", "nearest_covariance", "screen_ephemeris"]

FloatArray = NDArray[np.float64]
#: Label of the Pc computed from the OEM's covariance and an assumed secondary covariance.
OEM_COVARIANCE_PC_METHOD = "FOSTER-1992 (OEM covariance; secondary DEFAULT-COVARIANCE)"
_WGS72_MU_KM3_S2 = 398_600.8
_CUBIC_SLACK_KM = 1.0
_CHUNK_STEPS = 720
_TCA_TOLERANCE_S = 1e-6
_RTN_FRAMES = frozenset({"RTN", "RSW", "RIC", "QSW", "LVLH_ROTATING"})


def screen_ephemeris(
    ephemeris: OrbitEphemerisMessage | OemSegment,
    catalog_element_sets: Sequence[ElementSet],
    *,
    threshold_km: float = 5.0,
    screening_volume: ScreeningVolume | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    step_s: float = DEFAULT_STEP_S,
    primary_norad_id: int | None = None,
    hard_body_radius_m: float | None = None,
    prefilter_margin_km: float = 50.0,
    threads: int | None = None,
) -> ScreeningResult:
    """Close approaches of an OEM's object with catalog objects, over the OEM's usable span.

    `start`/`end` (UTC-aware) narrow the span. `primary_norad_id` labels the OEM object in
    the result (default: OBJECT_ID when it is a number, else the catalog object with the
    same COSPAR id, else 0); a catalog entry with that id is still screened (it then shows
    up as co-located or as a conjunction). With `hard_body_radius_m` and covariance blocks
    in the OEM, each conjunction's `collision_probability` is the Foster Pc from the OEM
    covariance nearest in time to the TCA and the default covariance (100/300/100 m RTN)
    for the secondary (`OEM_COVARIANCE_PC_METHOD`); otherwise it is left None.
    """
    segments = ephemeris.segments if isinstance(ephemeris, OrbitEphemerisMessage) else (ephemeris,)
    if threshold_km <= 0 or step_s <= 0:
        raise ValueError(f"threshold_km and step_s must be positive, got {threshold_km}, {step_s}")
    if primary_norad_id is None:
        primary_norad_id = _primary_id(segments[0], catalog_element_sets)
    found = [
        _screen_segment(
            segment,
            catalog_element_sets,
            threshold_km,
            screening_volume,
            start,
            end,
            step_s,
            primary_norad_id,
            hard_body_radius_m,
            prefilter_margin_km,
            threads,
        )
        for segment in segments
    ]
    results = [r for r in found if r is not None]
    if not results:
        raise EphemerisError("no OEM segment overlaps the requested screening span")
    first = results[0]
    return ScreeningResult(
        start=min(r.start for r in results),
        end=max(r.end for r in results),
        threshold_km=threshold_km,
        volume=screening_volume,
        step_s=first.step_s,
        conjunctions=sorted(
            (c for r in results for c in r.conjunctions),
            key=lambda c: (c.tca, c.secondary_norad_id),
        ),
        co_locations=[c for r in results for c in r.co_locations],
        failures=[f for r in results for f in r.failures],
        candidate_count=sum(r.candidate_count for r in results),
        # Per segment: an approach at a segment boundary (a manoeuvre) is listed here.
        edge_approaches=sorted(
            (c for r in results for c in r.edge_approaches),
            key=lambda c: (c.tca, c.secondary_norad_id),
        ),
    )


def _primary_id(segment: OemSegment, catalog: Sequence[ElementSet]) -> int:
    object_id = segment.metadata.object_id.strip()
    if object_id.isdigit():
        return int(object_id)
    wanted = object_id.replace("-", "").upper()
    for element_set in catalog:
        if element_set.object_id and element_set.object_id.replace("-", "").upper() == wanted:
            return element_set.norad_id
    return 0


def _utc_ns(moment: datetime) -> int:
    if moment.utcoffset() is None:
        raise ValueError(f"{moment.isoformat()} is naive; pass a timezone-aware UTC datetime")
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1_000


def _screen_segment(
    segment: OemSegment,
    catalog: Sequence[ElementSet],
    threshold_km: float,
    volume: ScreeningVolume | None,
    start: datetime | None,
    end: datetime | None,
    step_s: float,
    primary_id: int,
    hard_body_radius_m: float | None,
    margin_km: float,
    threads: int | None,
) -> ScreeningResult | None:
    teme = ephemeris_to_teme(segment)
    primary = EphemerisInterpolator(teme)
    lo_ns = int(primary.start.astype(np.int64))
    hi_ns = int(primary.stop.astype(np.int64))
    if start is not None:
        lo_ns = max(lo_ns, _utc_ns(start))
    if end is not None:
        hi_ns = min(hi_ns, _utc_ns(end))
    if hi_ns <= lo_ns:
        return None
    span_start = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=lo_ns // 1000)
    lo_ns = _utc_ns(span_start)  # whole microseconds, so that times are exact datetimes
    duration_s = (hi_ns - lo_ns) / 1e9
    n_windows = max(1, math.ceil(duration_s / step_s - 1e-9))
    step = duration_s / n_windows
    offset_s = float(primary.seconds_since_reference(np.array([lo_ns], dtype="datetime64[ns]"))[0])
    grid_s = np.arange(n_windows + 1) * step
    grid_s[-1] = duration_s
    p_pos, p_vel = primary.at_seconds(offset_s + grid_s)
    reach = volume.largest_semi_axis_km if volume is not None else threshold_km

    radius = np.linalg.norm(p_pos, axis=1)
    keep = [
        i
        for i, es in enumerate(catalog)
        if _radius_overlaps(es, float(radius.min()), float(radius.max()), reach + margin_km)
    ]
    secondaries = [catalog[i] for i in keep]
    times = (np.int64(lo_ns) + np.round(grid_s * 1e9).astype(np.int64)).astype("datetime64[ns]")

    found: list[tuple[int, float, float, float]] = []  # (secondary row, guess, lo, hi) seconds
    always_close = np.ones(len(secondaries), dtype=bool)
    max_close_km = np.zeros(len(secondaries))
    first_failure: dict[int, int] = {}
    candidates = 0
    propagator = Sgp4Propagator(secondaries, threads=threads) if secondaries else None
    for first in range(0, n_windows, _CHUNK_STEPS):
        if propagator is None:
            break
        last = min(first + _CHUNK_STEPS, n_windows)
        states = propagator.propagate(times[first : last + 1])
        valid = states.valid
        for row in np.flatnonzero(~valid.all(axis=1)):
            first_failure.setdefault(int(row), first + int(np.argmin(valid[row])))
        rho = states.position_km - p_pos[None, first : last + 1]
        rho_dot = states.velocity_km_s - p_vel[None, first : last + 1]
        distance = np.linalg.norm(rho, axis=2)
        close = np.where(valid, distance < threshold_km, False)
        always_close &= close.all(axis=1)
        max_close_km = np.maximum(max_close_km, np.where(valid, distance, 0.0).max(axis=1))
        g = np.einsum("ntk,ntk->nt", rho, rho_dot)
        g0, g1 = g[:, :-1], g[:, 1:]
        w_global = first + np.arange(last - first)[None, :]
        ok = valid[:, :-1] & valid[:, 1:]
        owned = (g0 < 0) & (g1 >= 0)
        at_start = (w_global == 0) & (g0 >= 0)
        at_end = (w_global == n_windows - 1) & (g1 < 0)
        rows, w = np.nonzero(ok & (owned | at_start | at_end))
        candidates += rows.size
        if not rows.size:
            continue
        tau, near_km = cubic_minimum(
            rho[rows, w], rho_dot[rows, w], rho[rows, w + 1], rho_dot[rows, w + 1], step
        )
        for k in np.flatnonzero(near_km <= reach + _CUBIC_SLACK_KM):
            global_w = first + int(w[k])
            lo, hi = grid_s[global_w], grid_s[global_w + 1]
            if at_start[rows[k], w[k]]:
                found.append((int(rows[k]), lo, lo, lo))
            elif at_end[rows[k], w[k]]:
                found.append((int(rows[k]), hi, hi, hi))
            else:
                found.append((int(rows[k]), lo + float(tau[k]) * (hi - lo), lo, hi))

    co_located = {row for row in np.flatnonzero(always_close) if row not in first_failure}
    found = [f for f in found if f[0] not in co_located]
    # Minima at the span's edges (lo == hi) are edge approaches, not conjunctions, as in
    # screen_catalog: the closest approach lies outside the span.
    conjunctions, edge_approaches = (
        _refine(
            [f for f in found if (f[2] == f[3]) == at_edge],
            secondaries,
            primary,
            offset_s,
            span_start,
            primary_id,
            threshold_km,
            volume,
            propagator,
        )
        for at_edge in (False, True)
    )
    if hard_body_radius_m is not None and segment.covariances and conjunctions:
        conjunctions = _with_pc(conjunctions, segment, hard_body_radius_m)
    return ScreeningResult(
        start=span_start,
        end=span_start + timedelta(seconds=duration_s),
        threshold_km=threshold_km,
        volume=volume,
        step_s=step,
        conjunctions=conjunctions,
        co_locations=[
            CoLocation(primary_id, secondaries[row].norad_id, False, float(max_close_km[row]))
            for row in sorted(co_located)
        ],
        failures=[
            PropagationFailure(
                secondaries[row].norad_id, span_start + timedelta(seconds=float(grid_s[node]))
            )
            for row, node in sorted(first_failure.items())
        ],
        candidate_count=candidates,
        edge_approaches=edge_approaches,
    )


def _radius_overlaps(es: ElementSet, r_min: float, r_max: float, slack_km: float) -> bool:
    n_rad_s = es.mean_motion_rev_per_day * 2.0 * math.pi / 86_400.0
    if n_rad_s <= 0:
        return True  # let SGP4 report it
    a = (_WGS72_MU_KM3_S2 / n_rad_s**2) ** (1.0 / 3.0)
    perigee, apogee = a * (1.0 - es.eccentricity), a * (1.0 + es.eccentricity)
    return perigee - slack_km <= r_max and apogee + slack_km >= r_min


def _refine(
    found: list[tuple[int, float, float, float]],
    secondaries: Sequence[ElementSet],
    primary: EphemerisInterpolator,
    offset_s: float,
    span_start: datetime,
    primary_id: int,
    threshold_km: float,
    volume: ScreeningVolume | None,
    propagator: Sgp4Propagator | None,
) -> list[Conjunction]:
    if not found or propagator is None:
        return []
    rows = np.array([f[0] for f in found], dtype=np.int64)
    t = np.array([f[1] for f in found])
    lo = np.array([f[2] for f in found])
    hi = np.array([f[3] for f in found])
    exact = Sgp4Propagator([secondaries[int(r)] for r in rows], threads=propagator.threads)
    base_min = np.array(
        [(span_start - secondaries[int(r)].epoch).total_seconds() / 60.0 for r in rows]
    )

    def states(at: FloatArray) -> tuple[FloatArray, FloatArray, NDArray[np.bool_]]:
        samples = exact.propagate_minutes_since_epoch(base_min + at / 60.0)
        pos, vel = primary.at_seconds(offset_s + at)
        secondary = np.concatenate([samples.position_km[:, 0], samples.velocity_km_s[:, 0]], axis=1)
        return np.concatenate([pos, vel], axis=1), secondary, samples.error_code[:, 0] == 0

    for _ in range(40):
        p, s, ok = states(t)
        rho, rho_dot = s[:, :3] - p[:, :3], s[:, 3:] - p[:, 3:]
        rho_ddot = -MU_KM3_S2 * (
            s[:, :3] / np.linalg.norm(s[:, :3], axis=1, keepdims=True) ** 3
            - p[:, :3] / np.linalg.norm(p[:, :3], axis=1, keepdims=True) ** 3
        )
        g = np.einsum("ij,ij->i", rho, rho_dot)
        gp = np.einsum("ij,ij->i", rho_dot, rho_dot) + np.einsum("ij,ij->i", rho, rho_ddot)
        # Keep the bracket [lo, hi] around the sign change; bisect when Newton leaves it.
        lo = np.where(g < 0, t, lo)
        hi = np.where(g >= 0, t, hi)
        newton = t - g / np.where(gp > 0, gp, 1.0)
        inside = (gp > 0) & (newton > lo) & (newton < hi)
        t_new = np.where(inside, newton, 0.5 * (lo + hi))
        moved = np.abs(t_new - t)
        t = np.where(lo == hi, lo, t_new)
        if not np.any(moved > _TCA_TOLERANCE_S):
            break
    p, s, ok = states(t)
    result = []
    for k in np.flatnonzero(ok):
        vector = s[k, :3] - p[k, :3]
        miss_km = float(np.linalg.norm(vector))
        rtn = to_rtn(vector, p[k, :3], p[k, 3:])
        inside = bool(volume.contains(rtn)) if volume is not None else miss_km < threshold_km
        if not inside:
            continue
        result.append(
            Conjunction(
                primary_norad_id=primary_id,
                secondary_norad_id=secondaries[int(rows[k])].norad_id,
                tca=span_start + timedelta(seconds=float(t[k])),
                tca_offset_s=float(t[k]),
                miss_km=miss_km,
                relative_speed_km_s=float(np.linalg.norm(s[k, 3:] - p[k, 3:])),
                miss_rtn_km=(float(rtn[0]), float(rtn[1]), float(rtn[2])),
                primary_position_km=(float(p[k, 0]), float(p[k, 1]), float(p[k, 2])),
                primary_velocity_km_s=(float(p[k, 3]), float(p[k, 4]), float(p[k, 5])),
                secondary_position_km=(float(s[k, 0]), float(s[k, 1]), float(s[k, 2])),
                secondary_velocity_km_s=(float(s[k, 3]), float(s[k, 4]), float(s[k, 5])),
            )
        )
    result.sort(key=lambda c: (c.tca_offset_s, c.secondary_norad_id))
    return result


def nearest_covariance(segment: OemSegment, tca: datetime) -> OemCovariance:
    """The segment's covariance block whose epoch (UTC) is nearest to `tca`."""
    epochs = ephemeris_epochs_utc(
        np.array([c.epoch for c in segment.covariances], dtype="datetime64[ns]"),
        segment.metadata.time_system,
    ).astype(np.int64)
    return segment.covariances[int(np.argmin(np.abs(epochs - _utc_ns(tca))))]


def _with_pc(
    conjunctions: list[Conjunction], segment: OemSegment, hbr_m: float
) -> list[Conjunction]:
    """Foster Pc with the nearest OEM covariance (rotated to TEME) and the default secondary."""
    out = []
    for conjunction in conjunctions:
        block = nearest_covariance(segment, conjunction.tca)
        frame = (block.ref_frame or segment.metadata.ref_frame).upper()
        r1 = np.array(conjunction.primary_position_km)
        v1 = np.array(conjunction.primary_velocity_km_s)
        r2 = np.array(conjunction.secondary_position_km)
        v2 = np.array(conjunction.secondary_velocity_km_s)
        position_m2 = block.matrix[:3, :3] * 1e6
        if frame in _RTN_FRAMES:
            cov1 = rtn_covariance_to_inertial(position_m2[None], r1[None], v1[None])[0]
        elif frame in INERTIAL_FRAMES and frame != "TEME":
            when = np.array([np.datetime64(conjunction.tca.replace(tzinfo=None), "ns")])
            # The rotation is linear: rotate the covariance's columns, then its rows.
            columns, _ = to_gcrs(frame, when, position_m2, np.zeros((3, 3)))
            rows_gcrs, _ = to_gcrs(frame, when, columns.T, np.zeros((3, 3)))
            rotation = gcrs_to_teme_rotation(when)[0]
            cov1 = rotation @ rows_gcrs @ rotation.T
        elif frame == "TEME":
            cov1 = position_m2
        else:
            out.append(conjunction)  # an Earth-fixed or unknown covariance frame: no Pc
            continue
        cov2 = rtn_covariance_to_inertial(
            AssumedRtnSigmas().covariance_m2()[None], r2[None], v2[None]
        )[0]
        pc = foster_pc(r1, v1, cov1, r2, v2, cov2, hbr_m, method=OEM_COVARIANCE_PC_METHOD)
        out.append(dataclasses.replace(conjunction, collision_probability=float(pc.pc[0])))
    return out
