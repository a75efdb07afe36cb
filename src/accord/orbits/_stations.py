"""Ground stations: WGS84 positions, horizon masks, and the GeoJSON files that list them.

Positions are geodetic on the WGS84 ellipsoid (the ellipsoid skyfield's `wgs84` uses), so
elevations computed here match skyfield's `altaz()` for a `wgs84.latlon` observer (no
refraction, no polar motion).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["GroundStation", "GroundStationError", "read_ground_stations", "station_frames"]

FloatArray = NDArray[np.float64]

#: WGS84 semi-major axis (km) and flattening.
WGS84_A_KM = 6378.137
WGS84_F = 1.0 / 298.257223563


class GroundStationError(ValueError):
    """A ground-station file or record cannot be read into a `GroundStation`."""


@dataclass(frozen=True, slots=True)
class GroundStation:
    """A ground station (or sensor site): WGS84 geodetic position and minimum elevation.

    `latitude_deg` north positive, `longitude_deg` east positive, `altitude_m` above the
    WGS84 ellipsoid; `min_elevation_deg` is the elevation mask under which passes do not
    count. `provider` names the network (KSAT, NASA NEN, ...) when the source says.
    """

    name: str
    latitude_deg: float
    longitude_deg: float
    altitude_m: float = 0.0
    min_elevation_deg: float = 5.0
    provider: str | None = None

    def __post_init__(self) -> None:
        if not -90.0 <= self.latitude_deg <= 90.0:
            raise GroundStationError(
                f"ground station {self.name!r}: latitude_deg={self.latitude_deg} is outside "
                "[-90, 90]; check that coordinates are not given as (longitude, latitude)"
            )
        if not -90.0 <= self.min_elevation_deg < 90.0:
            raise GroundStationError(
                f"ground station {self.name!r}: min_elevation_deg={self.min_elevation_deg} is "
                "outside [-90, 90)"
            )


def read_ground_stations(
    data: bytes | str, *, source: str, default_min_elevation_deg: float = 5.0
) -> list[GroundStation]:
    """Read a GeoJSON FeatureCollection of Point features into ground stations.

    Coordinates are GeoJSON's (longitude, latitude[, altitude m]). Properties used: `name`
    (required), `provider` or else `system`, and `el_min_deg` (Vallado's SSN sensor tables)
    as the elevation mask, else `default_min_elevation_deg`. Azimuth and range limits of
    the SSN sensors are not applied: passes are elevation-only. `source` names the input in
    errors.
    """
    try:
        document = json.loads(data)
    except json.JSONDecodeError as exc:
        raise GroundStationError(
            f"{source}: not valid JSON ({exc.msg} at line {exc.lineno}); give a GeoJSON "
            "FeatureCollection of Point features"
        ) from exc
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise GroundStationError(
            f"{source}: the top level must be a GeoJSON object with type FeatureCollection"
        )
    stations = []
    for index, feature in enumerate(document.get("features", [])):
        where = f"{source}: feature {index}"
        geometry = feature.get("geometry") or {}
        properties = feature.get("properties") or {}
        if geometry.get("type") != "Point":
            raise GroundStationError(
                f"{where}: geometry type is {geometry.get('type')!r}; a station must be a Point"
            )
        coordinates = geometry.get("coordinates") or []
        name = properties.get("name")
        if not isinstance(name, str) or not name:
            raise GroundStationError(f"{where}: properties.name is missing; name the station")
        if len(coordinates) not in (2, 3):
            raise GroundStationError(
                f"{where} ({name}): coordinates must be [longitude, latitude] or "
                f"[longitude, latitude, altitude_m], got {coordinates!r}"
            )
        min_elevation = properties.get("el_min_deg", default_min_elevation_deg)
        stations.append(
            GroundStation(
                name=name,
                latitude_deg=float(coordinates[1]),
                longitude_deg=float(coordinates[0]),
                altitude_m=float(coordinates[2]) if len(coordinates) == 3 else 0.0,
                min_elevation_deg=float(min_elevation),
                provider=properties.get("provider") or properties.get("system"),
            )
        )
    return stations


def geodetic_to_itrs_km(
    latitude_deg: FloatArray, longitude_deg: FloatArray, height_km: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """ITRS positions (km, (..., 3)) and local-vertical unit vectors of WGS84 geodetic points."""
    lat = np.radians(np.asarray(latitude_deg, dtype=np.float64))
    lon = np.radians(np.asarray(longitude_deg, dtype=np.float64))
    height = np.asarray(height_km, dtype=np.float64)
    e2 = WGS84_F * (2.0 - WGS84_F)
    sin_lat, cos_lat = np.sin(lat), np.cos(lat)
    prime_vertical_km = WGS84_A_KM / np.sqrt(1.0 - e2 * sin_lat**2)
    up = np.stack([cos_lat * np.cos(lon), cos_lat * np.sin(lon), sin_lat], axis=-1)
    position = np.stack(
        [
            (prime_vertical_km + height) * cos_lat * np.cos(lon),
            (prime_vertical_km + height) * cos_lat * np.sin(lon),
            (prime_vertical_km * (1.0 - e2) + height) * sin_lat,
        ],
        axis=-1,
    )
    return position, up


def station_frames(
    stations: list[GroundStation],
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Stations' ITRS positions (km), up vectors, and sines of their elevation masks."""
    position, up = geodetic_to_itrs_km(
        np.array([s.latitude_deg for s in stations]),
        np.array([s.longitude_deg for s in stations]),
        np.array([s.altitude_m for s in stations]) / 1000.0,
    )
    sin_mask = np.array([math.sin(math.radians(s.min_elevation_deg)) for s in stations])
    return position, up, sin_mask
