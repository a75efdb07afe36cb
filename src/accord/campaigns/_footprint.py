"""Ground tracks and acquisition footprints on the WGS84 ellipsoid, for coverage maps.

A footprint is the strip a push-broom sensor sweeps over its imaging interval: at each
sample time the boresight is rolled `roll_deg` from the geocentric nadir (-r) towards the
right of the ground track (the convention of `AccessWindow.roll_deg`), and the strip's two
edges are the lines of sight at `roll_deg -+ half swath`, where the half swath is the angle
`atan(swath_km / 2 / altitude_km)` the access computation uses. Each line of sight is
intersected with the WGS84 ellipsoid, so the polygon is in geodetic degrees like the areas
of interest. Approximations (docs/campaigns.md, "Coverage map"): the sensor's attitude is
held fixed in the local (nadir, along-track) frame, the swath is the nadir swath seen at the
rolled angle (it widens off nadir in reality), and strips crossing the antimeridian are not
split (neither are areas of interest).
"""

from __future__ import annotations

import math
from datetime import datetime

import numpy as np
from numpy.typing import NDArray
from shapely.geometry import Polygon

from accord.campaigns._area import EARTH_MEAN_RADIUS_KM
from accord.formats import ElementSet
from accord.orbits import EarthFixedSampler

__all__ = ["GroundTrack", "acquisition_footprint"]

FloatArray = NDArray[np.float64]
#: WGS84 semi-major axis (km) and first eccentricity squared (NIMA TR8350.2, table 3.1).
_WGS84_A_KM = 6378.137
_WGS84_E2 = 6.69437999014e-3
_WGS84_B_KM = _WGS84_A_KM * math.sqrt(1.0 - _WGS84_E2)


class GroundTrack:
    """Sub-satellite points (geodetic degrees) and ITRS states of one satellite over time.

    `seconds` after `start`; `position_km` and `velocity_km_s` ITRS (n, 3); `longitude_deg`,
    `latitude_deg` (n,) of the nadir point (geocentric nadir, on the WGS84 ellipsoid).
    """

    def __init__(
        self, element_set: ElementSet, start: datetime, end: datetime, *, step_s: float = 10.0
    ) -> None:
        duration_s = (end - start).total_seconds()
        if duration_s < 0.0 or step_s <= 0.0:
            raise ValueError(
                f"ground track {start.isoformat()} .. {end.isoformat()} every {step_s} s: need "
                "start <= end and a positive step"
            )
        samples = max(3, math.ceil(duration_s / step_s) + 1)
        self.start = start
        self.seconds = np.linspace(0.0, duration_s, samples)
        sampler = EarthFixedSampler([element_set], start, end)
        self.position_km = sampler.positions_km(self.seconds[np.newaxis, :])[0]
        self.velocity_km_s = np.gradient(self.position_km, self.seconds, axis=0)
        self.longitude_deg, self.latitude_deg = _ground_points(self.position_km, 0.0)

    @property
    def altitude_km(self) -> float:
        """Mean height above the Earth's mean sphere (the access computation's altitude)."""
        return float(np.mean(np.linalg.norm(self.position_km, axis=1))) - EARTH_MEAN_RADIUS_KM


def _ellipsoid_hits(
    position_km: FloatArray, direction: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Longitude and geodetic latitude (deg) where rays from `position_km` meet WGS84.

    Scaling z by a/b turns the ellipsoid into a sphere of radius a; the nearer root of the
    ray-sphere quadratic is the visible intersection. Rays that miss (beyond the horizon)
    are clipped to the tangent point (zero discriminant).
    """
    scale = np.array([1.0, 1.0, _WGS84_A_KM / _WGS84_B_KM])
    r, d = position_km * scale, direction * scale
    a = np.einsum("ij,ij->i", d, d)
    b = 2.0 * np.einsum("ij,ij->i", r, d)
    c = np.einsum("ij,ij->i", r, r) - _WGS84_A_KM**2
    s = (-b - np.sqrt(np.clip(b * b - 4.0 * a * c, 0.0, None))) / (2.0 * a)
    point = position_km + s[:, np.newaxis] * direction
    longitude = np.degrees(np.arctan2(point[:, 1], point[:, 0]))
    # Geodetic latitude of a point on the ellipsoid's surface (closed form there).
    latitude = np.degrees(
        np.arctan2(point[:, 2], (1.0 - _WGS84_E2) * np.hypot(point[:, 0], point[:, 1]))
    )
    return longitude, latitude


def _ground_points(
    position_km: FloatArray, off_nadir_deg: float, velocity_km_s: FloatArray | None = None
) -> tuple[FloatArray, FloatArray]:
    nadir = -position_km / np.linalg.norm(position_km, axis=1, keepdims=True)
    if off_nadir_deg == 0.0 or velocity_km_s is None:
        return _ellipsoid_hits(position_km, nadir)
    right = np.cross(velocity_km_s, position_km)
    right /= np.linalg.norm(right, axis=1, keepdims=True)
    angle = math.radians(off_nadir_deg)
    return _ellipsoid_hits(position_km, math.cos(angle) * nadir + math.sin(angle) * right)


def acquisition_footprint(track: GroundTrack, roll_deg: float, swath_km: float) -> Polygon:
    """The strip imaged along `track` with the boresight at `roll_deg` (positive right).

    Returns a shapely Polygon in (longitude, latitude) degrees: the left edge forwards, the
    right edge backwards. `swath_km` is the sensor's nadir swath.
    """
    if swath_km <= 0.0:
        raise ValueError(f"swath_km={swath_km} must be positive")
    half_deg = math.degrees(math.atan(swath_km / 2.0 / track.altitude_km))
    left = _ground_points(track.position_km, roll_deg - half_deg, track.velocity_km_s)
    right = _ground_points(track.position_km, roll_deg + half_deg, track.velocity_km_s)
    ring = list(zip(left[0], left[1], strict=True))
    ring += list(zip(right[0][::-1], right[1][::-1], strict=True))
    return Polygon([(float(lon), float(lat)) for lon, lat in ring])
