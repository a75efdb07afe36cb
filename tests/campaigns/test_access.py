"""Access windows over an area: geometry, Sun elevation, daylight filter, downlinks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from skyfield.api import load, wgs84

from accord.campaigns import (
    AreaError,
    AreaOfInterest,
    EoSensor,
    access_windows,
    attach_downlinks,
    sun_elevation_deg,
)
from accord.formats import ElementSet, read_catalog
from accord.orbits import EarthFixedSampler, GroundStation, predict_passes

RESOURCE_TLE = "catalogs/celestrak-groups-2026-05-30/resource.tle"
START = datetime(2026, 5, 30, tzinfo=UTC)
ROME = {"type": "Point", "coordinates": [12.5, 41.9], "properties": {}}
OPTICAL = EoSensor("optical", max_off_nadir_deg=30.0, swath_km=100.0, resolution_m=10.0)


def imagers(shared: Callable[[str], Path]) -> list[ElementSet]:
    reading = read_catalog(shared(RESOURCE_TLE).read_bytes(), source=RESOURCE_TLE)
    return [
        r.element_set
        for r in reading.element_sets
        if (r.element_set.object_name or "").startswith(("SENTINEL", "LANDSAT"))
    ]


def test_point_with_radius_becomes_a_circle_of_that_radius() -> None:
    area = AreaOfInterest.from_geojson(ROME, radius_km=50.0)

    assert area.radius_km == pytest.approx(50.0, rel=1e-3)
    assert area.area_km2 == pytest.approx(np.pi * 50.0**2, rel=0.02)
    assert 50 <= area.sample_points_deg.shape[0] <= 90


def test_unsupported_geometry_names_the_fix() -> None:
    with pytest.raises(AreaError, match="give a Polygon, or a Point with radius_km"):
        AreaOfInterest.from_geojson({"type": "LineString", "coordinates": [[0, 0], [1, 1]]})
    with pytest.raises(AreaError, match="positive radius_km"):
        AreaOfInterest.from_geojson(ROME)


def test_windows_respect_the_field_of_regard_and_daylight(shared: Callable[[str], Path]) -> None:
    satellites = imagers(shared)
    area = AreaOfInterest.from_geojson(ROME, radius_km=30.0, name="rome")
    end = START + timedelta(days=2)

    lit = access_windows(satellites, OPTICAL, area, START, end)
    every = access_windows(satellites, OPTICAL, area, START, end, require_daylight=False)

    assert 0 < len(lit) < len(every)
    assert all(w.sun_elevation_deg >= OPTICAL.min_sun_elevation_deg for w in lit)
    # Independent check of the geometry: the satellite's off-nadir angle to the nearest
    # sample point at closest approach (skyfield's own SGP4 positions) is within the limit.
    sampler = EarthFixedSampler(satellites, START, end)
    points, _ = area.sample_itrs()
    row_of = {int(n): i for i, n in enumerate(sampler.norad_ids)}
    for window in every:
        seconds = (window.closest_approach - START).total_seconds()
        satellite = sampler.positions_at_km(
            np.array([row_of[window.norad_id]]), np.array([seconds])
        )[0]
        line = points - satellite
        cos_angle = -(line @ satellite) / (np.linalg.norm(line, axis=1) * np.linalg.norm(satellite))
        assert np.degrees(np.arccos(cos_angle)).min() <= OPTICAL.max_off_nadir_deg + 1e-6
        assert window.start <= window.acquisition_start < window.acquisition_end <= window.end
        assert 0.0 < window.coverable_fraction <= window.accessible_fraction <= 1.0
        assert abs(window.roll_deg) <= OPTICAL.max_off_nadir_deg


@pytest.mark.filterwarnings("ignore:The file finals2000A.all has expired")
def test_sun_elevation_matches_skyfield_altaz() -> None:
    times = np.datetime64("2026-05-30T00:00") + np.arange(0, 24, 3) * np.timedelta64(1, "h")

    ours = sun_elevation_deg(times, 12.5, 41.9)

    import skyfield_data
    from skyfield.api import Loader

    ephemeris = Loader(skyfield_data.get_skyfield_data_path(), verbose=False)("de421.bsp")
    ts = load.timescale(builtin=True)
    observer = ephemeris["earth"] + wgs84.latlon(41.9, 12.5)
    t = ts.utc(2026, 5, 30, np.arange(0, 24, 3))
    reference = observer.at(t).observe(ephemeris["sun"]).apparent().altaz()[0].degrees
    # Aberration and parallax, neglected here, stay under 0.01 degrees.
    assert np.max(np.abs(ours - reference)) < 0.01


def test_downlink_is_the_first_pass_after_the_acquisition(shared: Callable[[str], Path]) -> None:
    satellites = imagers(shared)[:3]
    area = AreaOfInterest.from_geojson(ROME, radius_km=30.0)
    station = GroundStation("Svalbard-like", 78.23, 15.41, 500.0, min_elevation_deg=5.0)
    end = START + timedelta(days=1)
    windows = access_windows(satellites, OPTICAL, area, START, end)
    passes = predict_passes(satellites, [station], START, end + timedelta(days=1))

    linked = attach_downlinks(windows, passes)

    assert linked and all(w.downlink is not None for w in linked)
    for window in linked:
        assert window.downlink is not None
        assert window.downlink.norad_id == window.norad_id
        assert window.downlink.rise >= window.acquisition_end
        downlink_rise = window.downlink.rise
        earlier = [
            p
            for p in passes
            if p.norad_id == window.norad_id and window.acquisition_end <= p.rise < downlink_rise
        ]
        assert earlier == []
