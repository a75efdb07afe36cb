"""Pass predictions against skyfield's `EarthSatellite.find_events`: every station, 2 days.

All stations of the shared ground-station files (138) and the 11 Sentinel and Landsat
satellites of CelesTrak's resource group (2026-05-30), 2026-05-30 00:00 to 06-01 00:00 UTC,
each station's own mask. Reports the largest rise, culmination and set differences and both
run times (skyfield's per-satellite, per-station loop is the baseline).
"""

from __future__ import annotations

import time
from typing import Any

from benchmarks._common import shared_data, write_result

STATION_FILES = (
    "atlas", "aws", "dsn", "ksat", "leaf", "nen", "ssc", "viasat", "vallado_ssn_sensors",
)  # fmt: skip


def run() -> dict[str, Any]:
    from datetime import UTC, datetime, timedelta

    from skyfield.api import EarthSatellite, load, wgs84

    from accord.formats import read_catalog
    from accord.orbits import GroundStation, predict_passes, read_ground_stations

    path = shared_data("catalogs/celestrak-groups-2026-05-30/resource.tle")
    satellites = [
        r.element_set
        for r in read_catalog(path.read_bytes(), source=path.name).element_sets
        if (r.element_set.object_name or "").startswith(("SENTINEL", "LANDSAT"))
    ]
    stations: list[GroundStation] = []
    for name in STATION_FILES:
        station_path = shared_data(f"ground-stations/{name}.geojson")
        stations += read_ground_stations(station_path.read_bytes(), source=station_path.name)
    start = datetime(2026, 5, 30, tzinfo=UTC)
    end = start + timedelta(days=2)
    started = time.perf_counter()
    passes = predict_passes(satellites, stations, start, end)
    accord_s = time.perf_counter() - started
    ours: dict[tuple[int, int], list[Any]] = {}
    for p in passes:
        if p.rise_in_window and p.set_in_window:
            ours.setdefault((p.norad_id, id(p.station)), []).append(p)
    ts = load.timescale(builtin=True)
    worst = {"rise": 0.0, "culmination": 0.0, "set": 0.0}
    compared = count_mismatch = 0
    started = time.perf_counter()
    for element_set in satellites:
        satellite = EarthSatellite(element_set.tle_line1, element_set.tle_line2, ts=ts)
        for station in stations:
            observer = wgs84.latlon(
                station.latitude_deg, station.longitude_deg, elevation_m=station.altitude_m
            )
            t, events = satellite.find_events(
                observer, ts.from_datetime(start), ts.from_datetime(end),
                altitude_degrees=station.min_elevation_deg,
            )  # fmt: skip
            instants = t.utc_datetime()
            triples = [
                instants[i : i + 3]
                for i in range(len(events) - 2)
                if list(events[i : i + 3]) == [0, 1, 2]
            ]
            mine = ours.get((element_set.norad_id, id(station)), [])
            if len(mine) != len(triples):
                count_mismatch += 1
                continue
            for p, (rise, culmination, set_) in zip(mine, triples, strict=True):
                for key, a, b in (
                    ("rise", p.rise, rise),
                    ("culmination", p.culmination, culmination),
                    ("set", p.set, set_),
                ):
                    worst[key] = max(worst[key], abs((a - b).total_seconds()))
                compared += 1
    skyfield_s = time.perf_counter() - started
    payload = {
        "satellites": len(satellites),
        "stations": len(stations),
        "days": 2,
        "passes_compared": compared,
        "satellite_station_pairs_with_different_pass_counts": count_mismatch,
        "max_difference_s": {k: round(v, 4) for k, v in worst.items()},
        "tolerance_s": 1.0,
        "accord_seconds": round(accord_s, 2),
        "baseline_skyfield_find_events_seconds": round(skyfield_s, 2),
    }
    write_result("validate_passes", payload)
    return payload


if __name__ == "__main__":
    print(run())
