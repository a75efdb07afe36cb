"""TEME -> GCRS / ITRS and ITRS -> WGS84 geodetic, through skyfield's reference frames.

Skyfield does the astronomy (IAU 2000A nutation, GMST 1982 for TEME, Earth rotation from
UT1): `Geocentric.from_time_and_frame_vectors(t, TEME, ...)` gives GCRS exactly as skyfield's
own `EarthSatellite.at()` does, `frame_xyz_and_velocity(itrs)` gives ITRS with the Earth
rotation term in the velocity, and `wgs84.geographic_position_of` the geodetic coordinates.
This module only reshapes Accord's (objects, times, 3) arrays into skyfield's (3, objects,
times) layout, so each rotation matrix is computed once per time and broadcast over objects.

Time scales come from skyfield's built-in tables (`load.timescale(builtin=True)`: leap
seconds, UT1 - UTC), offline. Polar motion is not applied (skyfield's default without an IERS
polar-motion table): it moves ITRS coordinates by ~10 m at most. skyfield-data also ships an
ephemeris (de421.bsp, see `skyfield_data.get_skyfield_data_path()`) for Sun/Moon work.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from accord.orbits._errors import FrameMismatchError
from accord.orbits._states import CartesianStates, _frozen_array

if TYPE_CHECKING:
    from skyfield.timelib import Time, Timescale

__all__ = ["GeodeticPoints", "skyfield_times", "teme_to_gcrs", "teme_to_itrs", "itrs_to_geodetic"]

FloatArray = NDArray[np.float64]
_NS_PER_SECOND = 1e9


@cache
def _timescale() -> Timescale:
    # Built on first use, not at import: skyfield's bundled tables, no download.
    from skyfield.api import load

    return load.timescale(builtin=True)


def skyfield_times(times: NDArray[np.datetime64]) -> Time:
    """A skyfield `Time` array for UTC `datetime64` instants (built-in, offline timescale)."""
    instants = np.asarray(times, dtype="datetime64[ns]")
    days = instants.astype("datetime64[D]")
    months = days.astype("datetime64[M]")
    years = months.astype("datetime64[Y]")
    second_of_day = (instants - days).astype(np.int64) / _NS_PER_SECOND
    return _timescale().utc(
        years.astype(np.int64) + 1970,
        (months - years).astype(np.int64) + 1,
        (days - months).astype(np.int64) + 1,
        0,
        0,
        second_of_day,
    )


def _require_frame(states: CartesianStates, frame: str, function: str) -> None:
    if states.frame != frame:
        raise FrameMismatchError(
            f"{function} takes {frame} states, but these are in {states.frame}; convert them "
            f"to {frame} first"
        )


def _to_skyfield_layout(vectors: FloatArray) -> FloatArray:
    # (objects, times, 3) -> (3, objects, times): skyfield's matrix products broadcast the
    # per-time rotation (3, 3, times) over the objects axis.
    return np.moveaxis(vectors, -1, 0)


def _from_skyfield_layout(vectors: Any) -> FloatArray:
    return np.ascontiguousarray(np.moveaxis(np.asarray(vectors, dtype=np.float64), 0, -1))


def _geocentric_from_teme(states: CartesianStates) -> Any:
    from skyfield.positionlib import Geocentric
    from skyfield.sgp4lib import TEME
    from skyfield.units import Distance, Velocity

    return Geocentric.from_time_and_frame_vectors(
        skyfield_times(states.times),
        TEME,
        Distance(km=_to_skyfield_layout(states.position_km)),
        Velocity(km_per_s=_to_skyfield_layout(states.velocity_km_s)),
    )


def teme_to_gcrs(states: CartesianStates) -> CartesianStates:
    """TEME states (SGP4 output) rotated into the GCRS, km and km/s.

    Same transformation as skyfield's `EarthSatellite.at()`: the TEME -> GCRS rotation of
    AIAA 2006-6753 Appendix C (GMST 1982 and the equation of the equinoxes, then IAU 2000A
    precession-nutation); the slow change of that rotation is not applied to velocities.
    Error codes are carried over; NaN samples stay NaN.
    """
    _require_frame(states, "TEME", "teme_to_gcrs")
    geocentric = _geocentric_from_teme(states)
    return CartesianStates(
        norad_ids=states.norad_ids,
        times=states.times,
        position_km=_from_skyfield_layout(geocentric.xyz.km),
        velocity_km_s=_from_skyfield_layout(geocentric.velocity.km_per_s),
        error_code=states.error_code,
        frame="GCRS",
    )


def teme_to_itrs(states: CartesianStates) -> CartesianStates:
    """TEME states (SGP4 output) in the Earth-fixed ITRS, km and km/s.

    Velocities are relative to the rotating Earth (skyfield's `frame_xyz_and_velocity(itrs)`
    adds the Earth-rotation term). Polar motion is not applied (see the module notes).
    """
    _require_frame(states, "TEME", "teme_to_itrs")
    from skyfield.framelib import itrs

    position, velocity = _geocentric_from_teme(states).frame_xyz_and_velocity(itrs)
    return CartesianStates(
        norad_ids=states.norad_ids,
        times=states.times,
        position_km=_from_skyfield_layout(position.km),
        velocity_km_s=_from_skyfield_layout(velocity.km_per_s),
        error_code=states.error_code,
        frame="ITRS",
    )


@dataclass(frozen=True)
class GeodeticPoints:
    """Geodetic coordinates on the WGS84 ellipsoid, arrays of shape (n_objects, n_times).

    `latitude_deg` in [-90, 90], `longitude_deg` in [-180, 180) east positive, `height_km`
    above the ellipsoid; NaN where the state was NaN.
    """

    norad_ids: NDArray[np.int64]
    times: NDArray[np.datetime64]
    latitude_deg: FloatArray
    longitude_deg: FloatArray
    height_km: FloatArray

    def __post_init__(self) -> None:
        grid = np.shape(self.latitude_deg)
        for name in ("latitude_deg", "longitude_deg", "height_km"):
            array = _frozen_array(getattr(self, name), np.float64, name, grid)
            object.__setattr__(self, name, array)


def itrs_to_geodetic(states: CartesianStates) -> GeodeticPoints:
    """WGS84 geodetic latitude, longitude (degrees) and height (km) of ITRS positions.

    Computed by skyfield's `wgs84.geographic_position_of` (iterative geodetic latitude).
    """
    _require_frame(states, "ITRS", "itrs_to_geodetic")
    from skyfield.framelib import itrs
    from skyfield.positionlib import Geocentric
    from skyfield.toposlib import wgs84
    from skyfield.units import Distance, Velocity

    # Skyfield derives geodetic coordinates from a geocentric (GCRS) position, rotating it into
    # ITRS itself; handing it the ITRS vectors through the same frame round-trips them exactly
    # to float64 rounding.
    position = Geocentric.from_time_and_frame_vectors(
        skyfield_times(states.times),
        itrs,
        Distance(km=_to_skyfield_layout(states.position_km)),
        Velocity(km_per_s=_to_skyfield_layout(states.velocity_km_s)),
    )
    geographic = wgs84.geographic_position_of(position)
    return GeodeticPoints(
        norad_ids=states.norad_ids,
        times=states.times,
        latitude_deg=np.asarray(geographic.latitude.degrees, dtype=np.float64),
        longitude_deg=np.asarray(geographic.longitude.degrees, dtype=np.float64),
        height_km=np.asarray(geographic.elevation.km, dtype=np.float64),
    )
