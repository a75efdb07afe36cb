"""Pass prediction against skyfield's own `EarthSatellite.find_events` (the reference)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from skyfield.api import EarthSatellite, load, wgs84

from accord.formats import ElementSet, read_catalog
from accord.orbits import (
    EarthFixedSampler,
    GroundStation,
    GroundStationError,
    Sgp4Propagator,
    predict_passes,
    read_ground_stations,
    teme_to_itrs,
)

RESOURCE_TLE = "catalogs/celestrak-groups-2026-05-30/resource.tle"
STATION_FILES = (
    "atlas", "aws", "dsn", "ksat", "leaf", "nen", "ssc", "viasat", "vallado_ssn_sensors",
)  # fmt: skip
#: Agreement required by issue 7 for rise, culmination and set against skyfield.
EVENT_TOLERANCE_S = 1.0
START = datetime(2026, 5, 30, tzinfo=UTC)


def earth_observation_satellites(shared: Callable[[str], Path]) -> list[ElementSet]:
    reading = read_catalog(shared(RESOURCE_TLE).read_bytes(), source=RESOURCE_TLE)
    return [
        r.element_set
        for r in reading.element_sets
        if (r.element_set.object_name or "").startswith(("SENTINEL", "LANDSAT"))
    ]


def test_sampler_matches_teme_to_itrs(shared: Callable[[str], Path]) -> None:
    satellites = earth_observation_satellites(shared)
    sampler = EarthFixedSampler(satellites, START, START + timedelta(days=1))
    seconds = np.arange(0.0, 86_400.0, 97.0)

    ours = sampler.positions_km(np.broadcast_to(seconds, (len(satellites), seconds.size)))
    reference = teme_to_itrs(Sgp4Propagator(satellites).propagate(sampler.datetimes(seconds)))

    assert np.nanmax(np.abs(ours - reference.position_km)) < 1e-6  # km


def test_passes_agree_with_skyfield_find_events(shared: Callable[[str], Path]) -> None:
    satellites = earth_observation_satellites(shared)
    assert len(satellites) == 11
    stations: list[GroundStation] = []
    for name in STATION_FILES:
        path = shared(f"ground-stations/{name}.geojson")
        stations += read_ground_stations(path.read_bytes(), source=path.name)[:2]
    end = START + timedelta(days=2)

    passes = predict_passes(satellites, stations, START, end)

    ts = load.timescale(builtin=True)
    compared, worst_s = 0, 0.0
    for element_set in satellites:
        satellite = EarthSatellite(element_set.tle_line1, element_set.tle_line2, ts=ts)
        for station in stations:
            observer = wgs84.latlon(
                station.latitude_deg, station.longitude_deg, elevation_m=station.altitude_m
            )
            times, events = satellite.find_events(
                observer, ts.from_datetime(START), ts.from_datetime(end),
                altitude_degrees=station.min_elevation_deg,
            )  # fmt: skip
            instants = times.utc_datetime()
            reference = [
                instants[i : i + 3]
                for i in range(len(events) - 2)
                if list(events[i : i + 3]) == [0, 1, 2]
            ]
            ours = [
                p
                for p in passes
                if p.norad_id == element_set.norad_id
                and p.station is station
                and p.rise_in_window
                and p.set_in_window
            ]
            assert len(ours) == len(reference), (element_set.object_name, station.name)
            for mine, (rise, culmination, set_) in zip(ours, reference, strict=True):
                for a, b in ((mine.rise, rise), (mine.culmination, culmination), (mine.set, set_)):
                    worst_s = max(worst_s, abs((a - b).total_seconds()))
                compared += 1
    assert compared > 1000
    assert worst_s < EVENT_TOLERANCE_S


def test_pass_in_progress_at_start_is_clipped_and_flagged(shared: Callable[[str], Path]) -> None:
    satellites = earth_observation_satellites(shared)[:1]
    station = GroundStation("pole", 89.9, 0.0, 0.0, min_elevation_deg=0.0)
    first = predict_passes(satellites, [station], START, START + timedelta(hours=6))[0]
    middle = first.culmination

    clipped = predict_passes(satellites, [station], middle, middle + timedelta(hours=1))[0]

    assert not clipped.rise_in_window and clipped.rise == middle
    assert abs((clipped.set - first.set).total_seconds()) < 1e-2


def test_vallado_sensor_masks_come_from_el_min_deg(shared: Callable[[str], Path]) -> None:
    path = shared("ground-stations/vallado_ssn_sensors.geojson")
    stations = {s.name: s for s in read_ground_stations(path.read_bytes(), source=path.name)}

    assert stations["Socorro"].min_elevation_deg == 20.0
    assert stations["Socorro"].altitude_m == pytest.approx(1510.2)
    assert stations["MSSS"].min_elevation_deg == 5.0  # no el_min_deg: the default


def test_reader_names_the_feature_and_the_fix() -> None:
    text = '{"type": "FeatureCollection", "features": [{"type": "Feature", '
    text += '"geometry": {"type": "Polygon", "coordinates": []}, "properties": {"name": "x"}}]}'

    with pytest.raises(GroundStationError, match=r"mine.json: feature 0.*must be a Point"):
        read_ground_stations(text, source="mine.json")
