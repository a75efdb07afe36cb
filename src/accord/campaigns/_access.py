"""Access windows: when each satellite's sensor can image an area, and when it can downlink.

Geometry (docs/campaigns.md, "Access geometry"): the off-nadir angle of a ground point is
the angle at the satellite between the geocentric nadir (-r) and the line of sight to the
point. A point is accessible when that angle is within the sensor's maximum off-nadir angle
(its field of regard) and the satellite is above the point's horizon. Positions are SGP4 in
ITRS (`accord.orbits.EarthFixedSampler`); the Sun comes from JPL DE421 (skyfield-data, offline).

Search: a coarse pass every `step_s` keeps the samples whose sub-satellite point is within
reach of the area (reach + area radius + the ground travelled in one step), then those runs
are resampled every `fine_step_s` against all sample points of the area.
"""

from __future__ import annotations

import bisect
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import cache
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from accord.campaigns._area import EARTH_MEAN_RADIUS_KM, AreaOfInterest
from accord.formats import ElementSet
from accord.orbits import EarthFixedSampler, Pass
from accord.orbits._earth_fixed import as_utc_datetime64

__all__ = ["AccessWindow", "EoSensor", "access_windows", "attach_downlinks", "sun_elevation_deg"]

FloatArray = NDArray[np.float64]
SensorKind = Literal["optical", "sar"]
#: Angular speed of a LEO sub-satellite point, rad/s, an upper bound for the coarse margin.
_MAX_GROUND_RATE_RAD_S = 0.0013


@dataclass(frozen=True, slots=True)
class EoSensor:
    """An Earth-observation sensor: kind, field of regard, swath, resolution, light needs.

    `max_off_nadir_deg` bounds where the boresight may point (the field of regard);
    `swath_km` is the width imaged at nadir in one strip; `resolution_m` the ground sample
    distance at nadir; `min_sun_elevation_deg` applies to optical sensors only (SAR images
    day and night).
    """

    kind: SensorKind
    max_off_nadir_deg: float
    swath_km: float
    resolution_m: float
    min_sun_elevation_deg: float = 10.0

    def __post_init__(self) -> None:
        if self.kind not in ("optical", "sar"):
            raise ValueError(f"sensor kind must be 'optical' or 'sar', not {self.kind!r}")
        if not 0.0 < self.max_off_nadir_deg < 90.0:
            raise ValueError(
                f"max_off_nadir_deg={self.max_off_nadir_deg} must be in (0, 90) degrees"
            )
        if self.swath_km <= 0.0:
            raise ValueError(f"swath_km={self.swath_km} must be positive")


@dataclass(frozen=True, slots=True)
class AccessWindow:
    """One interval in which a satellite's sensor can see part of an area.

    - `start`, `end`: UTC, to the fine sampling step: some sample point is accessible.
    - `closest_approach`: time of the smallest off-nadir angle to the area centroid,
      `min_off_nadir_deg` that angle (degrees).
    - `acquisition_start`/`acquisition_end`: the imaging interval, centred on the closest
      approach and as long as the area's diameter takes to fly over (at least one fine step).
    - `roll_deg`: signed boresight off-nadir angle of the best single strip (positive to the
      right of the ground track), used for slew times; `coverable_fraction` the share of the
      area's sample points that strip images; `accessible_fraction` the share within the
      field of regard at some time in the window.
    - `sun_elevation_deg`: the Sun's elevation at the area centroid at the closest approach.
    - `downlink`: the first pass over a ground station after the window (None: none found).
    """

    norad_id: int
    area_name: str
    sensor: EoSensor
    start: datetime
    end: datetime
    closest_approach: datetime
    acquisition_start: datetime
    acquisition_end: datetime
    min_off_nadir_deg: float
    roll_deg: float
    accessible_fraction: float
    coverable_fraction: float
    sun_elevation_deg: float
    downlink: Pass | None = None


@cache
def _ephemeris() -> Any:
    # de421 shipped by skyfield-data: loaded from disk, never downloaded. Importing
    # skyfield_data warns that its finals2000A.all (IERS) is stale; that file is not used.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        import skyfield_data
        from skyfield.api import Loader

        directory = skyfield_data.get_skyfield_data_path()
    return Loader(directory, verbose=False)("de421.bsp")


def sun_elevation_deg(
    times: NDArray[np.datetime64], longitude_deg: float, latitude_deg: float
) -> FloatArray:
    """Elevation (degrees) of the Sun's apparent centre above a point's WGS84 horizon.

    DE421 through skyfield (astrometric Sun from the geocentre, light time included,
    rotated into ITRS); geocentric parallax (8.8 arcsec) and refraction are neglected.
    """
    from skyfield.framelib import itrs

    from accord.orbits import skyfield_times
    from accord.orbits._stations import geodetic_to_itrs_km

    ephemeris = _ephemeris()
    t = skyfield_times(np.asarray(times, dtype="datetime64[ns]"))
    sun_itrs = ephemeris["earth"].at(t).observe(ephemeris["sun"]).frame_xyz(itrs).km
    _, up = geodetic_to_itrs_km(np.array(latitude_deg), np.array(longitude_deg), np.array(0.0))
    direction = np.asarray(sun_itrs) / np.linalg.norm(sun_itrs, axis=0)
    return np.asarray(np.degrees(np.arcsin(np.clip(up @ direction, -1.0, 1.0))))


def _reach_rad(radius_km: FloatArray, max_off_nadir_rad: FloatArray) -> FloatArray:
    """Earth central angle from nadir to the edge of the field of regard (horizon-limited)."""
    ratio = np.clip(radius_km / EARTH_MEAN_RADIUS_KM * np.sin(max_off_nadir_rad), -1.0, 1.0)
    return np.asarray(np.arcsin(ratio) - max_off_nadir_rad)


def access_windows(
    satellites: Sequence[ElementSet],
    sensors: Mapping[int, EoSensor] | EoSensor,
    area: AreaOfInterest,
    start: datetime,
    end: datetime,
    *,
    step_s: float = 60.0,
    fine_step_s: float = 2.0,
    sampler: EarthFixedSampler | None = None,
    require_daylight: bool = True,
) -> list[AccessWindow]:
    """Access windows of every satellite's sensor over `area` between `start` and `end`.

    `sensors` maps NORAD id to the sensor (or one sensor for all). With `require_daylight`,
    optical windows whose Sun elevation is below the sensor's minimum are dropped. Sorted by
    start time. `sampler` reuses an `EarthFixedSampler` over these satellites whose interval
    covers [start, end].
    """
    if sampler is None:
        sampler = EarthFixedSampler(satellites, start, end)
    sensor_of = [
        sensors if isinstance(sensors, EoSensor) else sensors[int(norad)]
        for norad in sampler.norad_ids
    ]
    reference = sampler.reference
    offset_s = float((as_utc_datetime64(start) - reference) / np.timedelta64(1, "s"))
    span_s = (end - start).total_seconds()
    seconds = np.unique(np.append(np.arange(0.0, span_s, step_s), span_s)) + offset_s
    n_sat = len(sampler)
    positions = sampler.positions_km(np.broadcast_to(seconds, (n_sat, seconds.size)))
    points_km, points_up = area.sample_itrs()
    centroid_unit = points_km[0] / np.linalg.norm(points_km[0])
    radius = np.linalg.norm(positions, axis=-1)
    central = np.arccos(np.clip(np.einsum("ntk,k->nt", positions, centroid_unit) / radius, -1, 1))
    max_off_nadir = np.radians([s.max_off_nadir_deg for s in sensor_of])
    margin = area.radius_km / EARTH_MEAN_RADIUS_KM + _MAX_GROUND_RATE_RAD_S * step_s
    near = central <= _reach_rad(radius, max_off_nadir[:, np.newaxis]) + margin
    near = np.nan_to_num(near, nan=False).astype(bool)
    # Widen each near run by one coarse sample on both sides, then resample the runs finely.
    widened = near.copy()
    widened[:, 1:] |= near[:, :-1]
    widened[:, :-1] |= near[:, 1:]
    runs: list[tuple[int, FloatArray]] = []
    for row in range(n_sat):
        flags = widened[row]
        if not flags.any():
            continue
        edges = np.flatnonzero(np.diff(np.concatenate([[0], flags.astype(np.int8), [0]])))
        for first, stop in zip(edges[::2], edges[1::2], strict=True):
            fine = np.arange(seconds[first], seconds[stop - 1] + fine_step_s / 2, fine_step_s)
            runs.append((row, fine))
    windows: list[AccessWindow] = []
    if runs:
        # One propagation for every run of every satellite.
        run_rows = np.concatenate([np.full(fine.size, row) for row, fine in runs])
        run_seconds = np.concatenate([fine for _, fine in runs])
        fine_positions = sampler.positions_at_km(run_rows, run_seconds)
        # Trim each run to the samples whose sub-satellite point is within reach of the area
        # (no step margin now): most coarse candidates fall away before the per-point work.
        fine_radius = np.linalg.norm(fine_positions, axis=-1)
        fine_central = np.arccos(np.clip(fine_positions @ centroid_unit / fine_radius, -1.0, 1.0))
        reach = _reach_rad(fine_radius, max_off_nadir[run_rows])
        reach += area.radius_km / EARTH_MEAN_RADIUS_KM + _MAX_GROUND_RATE_RAD_S * fine_step_s
        plausible = fine_central <= reach
        bounds = np.cumsum([0] + [fine.size for _, fine in runs])
        for (row, fine), lo, hi in zip(runs, bounds[:-1], bounds[1:], strict=True):
            inside = np.flatnonzero(plausible[lo:hi])
            if inside.size == 0:
                continue
            keep = slice(max(int(inside[0]) - 1, 0), int(inside[-1]) + 2)
            windows.extend(
                _windows_in_run(
                    sampler,
                    row,
                    fine[keep],
                    fine_positions[lo:hi][keep],
                    sensor_of[row],
                    area,
                    points_km,
                    points_up,
                )
            )
    if windows:
        times = np.array(
            [np.datetime64(w.closest_approach.replace(tzinfo=None), "ns") for w in windows]
        )
        sun = sun_elevation_deg(times, *area.centroid_deg)
        windows = [
            replace(w, sun_elevation_deg=float(e)) for w, e in zip(windows, sun, strict=True)
        ]
        if require_daylight:
            windows = [
                w
                for w in windows
                if w.sensor.kind == "sar" or w.sun_elevation_deg >= w.sensor.min_sun_elevation_deg
            ]
    windows.sort(key=lambda w: (w.start, w.norad_id))
    return windows


def _windows_in_run(
    sampler: EarthFixedSampler,
    row: int,
    fine_s: FloatArray,
    satellite: FloatArray,
    sensor: EoSensor,
    area: AreaOfInterest,
    points_km: FloatArray,
    points_up: FloatArray,
) -> list[AccessWindow]:
    if fine_s.size < 2 or not np.isfinite(satellite).all():
        return []
    line_of_sight = points_km[np.newaxis, :, :] - satellite[:, np.newaxis, :]  # (t, p, 3)
    distance = np.linalg.norm(line_of_sight, axis=-1)
    radius = np.linalg.norm(satellite, axis=-1)
    cos_off_nadir = -np.einsum("tpk,tk->tp", line_of_sight, satellite) / (
        distance * radius[:, None]
    )
    off_nadir = np.degrees(np.arccos(np.clip(cos_off_nadir, -1.0, 1.0)))
    visible = np.einsum("tpk,pk->tp", line_of_sight, points_up) < 0.0
    accessible = visible & (off_nadir <= sensor.max_off_nadir_deg)
    any_point = accessible.any(axis=1)
    if not any_point.any():
        return []
    velocity = np.gradient(satellite, fine_s, axis=0)
    right = np.cross(velocity, satellite)  # points to the right of the ground track
    side = np.sign(np.einsum("tpk,tk->tp", line_of_sight, right))
    edges = np.flatnonzero(np.diff(np.concatenate([[0], any_point.astype(np.int8), [0]])))
    altitude_km = float(np.mean(radius)) - EARTH_MEAN_RADIUS_KM
    swath_half_deg = math.degrees(math.atan(sensor.swath_km / 2.0 / altitude_km))
    result = []
    for first, stop in zip(edges[::2], edges[1::2], strict=True):
        span = slice(first, stop)
        closest = first + int(np.argmin(off_nadir[span, 0]))
        seen = accessible[span].any(axis=0)
        # Each point's signed off-nadir angle where it passes closest to the boresight plane.
        best = first + np.argmin(np.where(accessible[span], off_nadir[span], np.inf), axis=0)
        rolls = np.sort(
            (off_nadir[best, np.arange(best.size)] * side[best, np.arange(best.size)])[seen]
        )
        boresight, covered = _best_strip(rolls, swath_half_deg, sensor.max_off_nadir_deg)
        ground_speed = (
            float(np.linalg.norm(velocity[closest])) * EARTH_MEAN_RADIUS_KM / radius[closest]
        )
        duration = max(2.0 * area.radius_km / ground_speed, float(fine_s[1] - fine_s[0]))
        to_time = sampler.datetimes
        acquisition_start = max(fine_s[first], fine_s[closest] - duration / 2)
        acquisition_end = min(fine_s[stop - 1], acquisition_start + duration)
        times = to_time(
            np.array(
                [
                    fine_s[first],
                    fine_s[stop - 1],
                    fine_s[closest],
                    acquisition_start,
                    acquisition_end,
                ]
            )
        )
        moments = [t.astype("datetime64[us]").astype(datetime).replace(tzinfo=UTC) for t in times]
        result.append(
            AccessWindow(
                norad_id=int(sampler.norad_ids[row]),
                area_name=area.name,
                sensor=sensor,
                start=moments[0],
                end=moments[1],
                closest_approach=moments[2],
                acquisition_start=moments[3],
                acquisition_end=moments[4],
                min_off_nadir_deg=float(off_nadir[closest, 0]),
                roll_deg=boresight,
                accessible_fraction=float(seen.mean()),
                coverable_fraction=covered / points_km.shape[0],
                sun_elevation_deg=float("nan"),
            )
        )
    return result


def _best_strip(
    sorted_rolls: FloatArray, half_width_deg: float, max_off_nadir_deg: float
) -> tuple[float, int]:
    """Boresight roll (deg) whose strip [roll - w, roll + w] holds most points, and the count."""
    if sorted_rolls.size == 0:
        return 0.0, 0
    ends = np.searchsorted(sorted_rolls, sorted_rolls + 2.0 * half_width_deg, side="right")
    counts = ends - np.arange(sorted_rolls.size)
    best = int(np.argmax(counts))
    centre = float(sorted_rolls[best] + half_width_deg)
    return float(np.clip(centre, -max_off_nadir_deg, max_off_nadir_deg)), int(counts[best])


def attach_downlinks(windows: Sequence[AccessWindow], passes: Sequence[Pass]) -> list[AccessWindow]:
    """Each window with `downlink` set to its satellite's first pass rising after the window."""
    by_satellite: dict[int, list[Pass]] = {}
    for station_pass in sorted(passes, key=lambda p: p.rise):
        by_satellite.setdefault(station_pass.norad_id, []).append(station_pass)
    rises = {norad: [p.rise for p in plist] for norad, plist in by_satellite.items()}
    linked = []
    for window in windows:
        plist = by_satellite.get(window.norad_id, [])
        index = bisect.bisect_left(rises.get(window.norad_id, []), window.acquisition_end)
        linked.append(replace(window, downlink=plist[index] if index < len(plist) else None))
    return linked
