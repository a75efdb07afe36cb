"""Access windows of 200 satellites over one area across 7 days (issue 7: under 5 s).

Accord: `access_windows` (coarse 60 s screen, 2 s refinement at 70 area points, Sun from
DE421). Baseline in the same run: a naive per-satellite skyfield loop (EarthSatellite.at at
every 10 s, off-nadir to the area centroid only) over 10 satellites, extrapolated to 200 and
labelled as such. Also: downlink passes over KSAT + NEN stations for the same fleet.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import numpy as np

from accord.campaigns import AreaOfInterest, access_windows, attach_downlinks
from accord.orbits import EarthFixedSampler, predict_passes
from benchmarks._campaign_fleet import fleet, ground_network, sensors_and_owners
from benchmarks._common import write_result

DAYS = 7
AREA = {"type": "Point", "coordinates": [12.5, 41.9]}  # Rome, 50 km radius
BASELINE_SATELLITES = 10


def _naive_skyfield(satellites: list[Any], start: Any, area: AreaOfInterest) -> int:
    from skyfield.api import EarthSatellite, load, wgs84

    ts = load.timescale(builtin=True)
    lon, lat = area.centroid_deg
    target = wgs84.latlon(lat, lon)
    minutes = np.arange(0, DAYS * 1440, 1 / 6)
    t = ts.utc(start.year, start.month, start.day, 0, minutes)
    found = 0
    for element_set in satellites:
        satellite = EarthSatellite(element_set.tle_line1, element_set.tle_line2, ts=ts)
        sat = satellite.at(t).position.km
        ground = target.at(t).position.km
        line = ground - sat
        cos_angle = -np.sum(line * sat, axis=0) / np.linalg.norm(line, axis=0)
        cos_angle /= np.linalg.norm(sat, axis=0)
        inside = np.degrees(np.arccos(np.clip(cos_angle, -1, 1))) <= 30.0
        found += int(np.count_nonzero(np.diff(inside.astype(int)) == 1))
    return found


def run() -> dict[str, Any]:
    satellites, epoch = fleet(200)
    start = epoch.replace(hour=0, minute=0, second=0, microsecond=0)
    end = start + timedelta(days=DAYS)
    sensors, _ = sensors_and_owners(satellites)
    area = AreaOfInterest.from_geojson(AREA, radius_km=50.0, name="rome")
    started = time.perf_counter()
    access_windows(satellites[:2], sensors, area, start, start + timedelta(days=1))
    warm_up_s = time.perf_counter() - started  # heyoka's JIT and DE421 loading, paid once
    started = time.perf_counter()
    windows = access_windows(satellites, sensors, area, start, end)
    access_s = time.perf_counter() - started

    started = time.perf_counter()
    stations = ground_network()
    sampler = EarthFixedSampler(satellites, start, end + timedelta(days=1))
    passes = predict_passes(satellites, stations, start, end + timedelta(days=1), sampler=sampler)
    linked = attach_downlinks(windows, passes)
    passes_s = time.perf_counter() - started

    real = [s for s in satellites if s.tle_line1][:BASELINE_SATELLITES]
    started = time.perf_counter()
    _naive_skyfield(real, start, area)
    baseline_s = time.perf_counter() - started
    payload = {
        "satellites": len(satellites),
        "days": DAYS,
        "area_sample_points": int(area.sample_points_deg.shape[0]),
        "access_windows": len(windows),
        "access_seconds": round(access_s, 3),
        "warm_up_seconds": round(warm_up_s, 3),
        "target_seconds": 5.0,
        "downlink_stations": len(stations),
        "passes": len(passes),
        "windows_with_downlink": sum(w.downlink is not None for w in linked),
        "passes_and_downlink_seconds": round(passes_s, 3),
        "baseline": {
            "method": "naive skyfield loop, EarthSatellite.at every 10 s, centroid only",
            "satellites_measured": len(real),
            "seconds_measured": round(baseline_s, 3),
            "seconds_extrapolated_to_200": round(baseline_s * len(satellites) / len(real), 1),
            "label": "extrapolated linearly from the measured subset",
        },
    }
    write_result("campaign_access", payload)
    return payload


if __name__ == "__main__":
    print(run())
