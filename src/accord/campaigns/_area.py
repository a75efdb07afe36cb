"""Areas of interest: GeoJSON polygons, or points with a radius, sampled for access geometry."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import Polygon

from accord.orbits._stations import geodetic_to_itrs_km

__all__ = ["AreaError", "AreaOfInterest", "EARTH_MEAN_RADIUS_KM"]

FloatArray = NDArray[np.float64]
EARTH_MEAN_RADIUS_KM = 6371.0088
_CIRCLE_VERTICES = 72


class AreaError(ValueError):
    """A GeoJSON area of interest is not a Polygon, or a Point with a positive radius."""


@dataclass(frozen=True)
class AreaOfInterest:
    """An area on the ground (WGS84 longitude/latitude degrees) and its sample points.

    `polygon` is a shapely Polygon in (longitude, latitude) degrees. `sample_points_deg`
    (n, 2) holds (longitude, latitude) of a grid of about `target_samples` points inside it
    plus its centroid first; access geometry is computed at these points, so a fraction of
    points stands for a fraction of the area. Areas crossing the antimeridian are not
    handled.
    """

    polygon: Polygon
    name: str = "area"
    target_samples: int = 64
    sample_points_deg: FloatArray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if not self.polygon.is_valid or self.polygon.is_empty:
            raise AreaError(
                f"area {self.name!r}: polygon is empty or invalid "
                f"({shapely.is_valid_reason(self.polygon)}); fix its ring"
            )
        object.__setattr__(self, "sample_points_deg", self._sample())

    @classmethod
    def from_geojson(
        cls, geojson: str | dict[str, Any], *, radius_km: float | None = None, name: str = "area"
    ) -> AreaOfInterest:
        """An area from a GeoJSON Polygon, or Point plus `radius_km` (or properties.radius_km).

        Accepts a geometry, a Feature, or their JSON text. A circle becomes a 72-gon of
        great-circle radius `radius_km` on a sphere of the Earth's mean radius.
        """
        document = json.loads(geojson) if isinstance(geojson, str) else dict(geojson)
        properties = document.get("properties") or {}
        geometry = (
            document.get("geometry", document) if document.get("type") == "Feature" else document
        )
        kind = geometry.get("type")
        if kind == "Polygon":
            return cls(Polygon(*_rings(geometry["coordinates"])), name=name)
        if kind == "Point":
            radius = radius_km if radius_km is not None else properties.get("radius_km")
            if radius is None or float(radius) <= 0.0:
                raise AreaError(
                    f"area {name!r}: a Point needs a positive radius_km (argument or "
                    "properties.radius_km) to become an area"
                )
            longitude, latitude = (float(c) for c in geometry["coordinates"][:2])
            return cls(_circle(longitude, latitude, float(radius)), name=name)
        raise AreaError(
            f"area {name!r}: GeoJSON type {kind!r} is not supported; give a Polygon, or a "
            "Point with radius_km"
        )

    @property
    def centroid_deg(self) -> tuple[float, float]:
        """(longitude, latitude) of the polygon's planar centroid, degrees."""
        point = self.polygon.centroid
        return float(point.x), float(point.y)

    @property
    def area_km2(self) -> float:
        """Approximate area, km² (planar area scaled by the cosine of the centroid latitude)."""
        scale = (math.pi / 180.0 * EARTH_MEAN_RADIUS_KM) ** 2
        return float(self.polygon.area * scale * math.cos(math.radians(self.centroid_deg[1])))

    @property
    def radius_km(self) -> float:
        """Great-circle distance from the centroid to the farthest vertex, km."""
        lon0, lat0 = self.centroid_deg
        lon, lat = np.asarray(self.polygon.exterior.coords).T
        return float(np.max(_great_circle_km(lon0, lat0, lon, lat)))

    def sample_itrs(self) -> tuple[FloatArray, FloatArray]:
        """ITRS positions (km) and up vectors of the sample points (on the ellipsoid)."""
        lon, lat = self.sample_points_deg.T
        return geodetic_to_itrs_km(lat, lon, np.zeros_like(lat))

    def _sample(self) -> FloatArray:
        min_lon, min_lat, max_lon, max_lat = self.polygon.bounds
        cos_lat = max(math.cos(math.radians(self.centroid_deg[1])), 0.05)
        spacing = math.sqrt(self.polygon.area * cos_lat / self.target_samples)
        spacing = max(spacing, 1e-6)
        lon = np.arange(min_lon + spacing / (2 * cos_lat), max_lon, spacing / cos_lat)
        lat = np.arange(min_lat + spacing / 2, max_lat, spacing)
        grid_lon, grid_lat = (a.ravel() for a in np.meshgrid(lon, lat))
        inside = shapely.contains_xy(self.polygon, grid_lon, grid_lat)
        centroid = np.array([self.centroid_deg])
        return np.vstack([centroid, np.column_stack([grid_lon[inside], grid_lat[inside]])])


def _rings(coordinates: list[list[list[float]]]) -> tuple[list[tuple[float, float]], list[Any]]:
    exterior = [(float(p[0]), float(p[1])) for p in coordinates[0]]
    holes = [[(float(p[0]), float(p[1])) for p in ring] for ring in coordinates[1:]]
    return exterior, holes


def _great_circle_km(lon0: float, lat0: float, lon: FloatArray, lat: FloatArray) -> FloatArray:
    phi0, phi = math.radians(lat0), np.radians(lat)
    dlon = np.radians(lon - lon0)
    cos_angle = math.sin(phi0) * np.sin(phi) + math.cos(phi0) * np.cos(phi) * np.cos(dlon)
    return np.asarray(EARTH_MEAN_RADIUS_KM * np.arccos(np.clip(cos_angle, -1.0, 1.0)))


def _circle(longitude: float, latitude: float, radius_km: float) -> Polygon:
    angle = radius_km / EARTH_MEAN_RADIUS_KM
    bearing = np.linspace(0.0, 2.0 * math.pi, _CIRCLE_VERTICES, endpoint=False)
    phi0, lam0 = math.radians(latitude), math.radians(longitude)
    phi = np.arcsin(
        math.sin(phi0) * math.cos(angle) + math.cos(phi0) * math.sin(angle) * np.cos(bearing)
    )
    lam = lam0 + np.arctan2(
        np.sin(bearing) * math.sin(angle) * math.cos(phi0),
        math.cos(angle) - math.sin(phi0) * np.sin(phi),
    )
    return Polygon(np.column_stack([np.degrees(lam), np.degrees(phi)]))
