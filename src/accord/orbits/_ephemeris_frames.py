"""An OEM segment's states in TEME (SGP4's frame) and UTC, so that it meets the catalog.

Frames accepted (CENTER_NAME must be EARTH):
- EME2000 / J2000: rotated to the GCRS by skyfield's frame-bias matrix (`ICRS_to_J2000`,
  about 23 mas, i.e. up to ~0.8 m at 7,000 km), then to TEME;
- GCRF / ICRF: taken as the GCRS (same axes; the ICRF's barycentric origin does not apply
  to an Earth-centred OEM), then to TEME;
- TEME: as is;
- ITRF, ITRF-93, ITRF2000, ITRF2008, ITRF2014, ITRF2020, ITRF97/1997: treated as skyfield's
  ITRS (no polar motion: ~10 m at most; the realisations differ by centimetres), to the
  GCRS with the Earth-rotation term in the velocity, then to TEME.
Others (TOD, MOD, planet-centred frames...) are refused with an EphemerisError. The
GCRS -> TEME rotation is skyfield's TEME frame at each epoch, the inverse of
`teme_to_gcrs`; as there, the frame's slow rotation rate is not applied to velocities.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from accord.orbits._ephemeris import EphemerisError, ephemeris_epochs_utc
from accord.orbits._frames import skyfield_times

if TYPE_CHECKING:
    from accord.formats import OemSegment

__all__ = ["INERTIAL_FRAMES", "ITRF_FRAMES", "ephemeris_to_teme", "gcrs_to_teme_rotation"]

INERTIAL_FRAMES = frozenset({"EME2000", "J2000", "GCRF", "ICRF", "TEME"})
ITRF_FRAMES = frozenset(
    {
        "ITRF",
        "ITRF-93",
        "ITRF93",
        "ITRF-97",
        "ITRF97",
        "ITRF1997",
        "ITRF2000",
        "ITRF2005",
        "ITRF2008",
        "ITRF2014",
        "ITRF2020",
    }
)


def gcrs_to_teme_rotation(times: NDArray[np.datetime64]) -> NDArray[np.float64]:
    """(n, 3, 3) rotations taking GCRS vectors to TEME at UTC `times` (skyfield's TEME)."""
    from skyfield.sgp4lib import TEME

    matrices = TEME.rotation_at(skyfield_times(np.atleast_1d(times)))
    return np.ascontiguousarray(np.moveaxis(np.asarray(matrices, dtype=np.float64), -1, 0))


def _eme2000_to_gcrs() -> NDArray[np.float64]:
    from skyfield.framelib import ICRS_to_J2000

    return np.asarray(ICRS_to_J2000, dtype=np.float64).T


def to_gcrs(
    frame: str, times: NDArray[np.datetime64], position_km: Any, velocity_km_s: Any
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Positions and velocities (n, 3) given in `frame` at UTC `times`, in the GCRS."""
    position = np.asarray(position_km, dtype=np.float64)
    velocity = np.asarray(velocity_km_s, dtype=np.float64)
    if frame in ("EME2000", "J2000"):
        bias = _eme2000_to_gcrs()
        return position @ bias.T, velocity @ bias.T
    if frame in ("GCRF", "ICRF"):
        return position, velocity
    if frame == "TEME":
        rotation = gcrs_to_teme_rotation(times)
        return np.einsum("nji,nj->ni", rotation, position), np.einsum(
            "nji,nj->ni", rotation, velocity
        )
    if frame in ITRF_FRAMES:
        from skyfield.framelib import itrs
        from skyfield.positionlib import Geocentric
        from skyfield.units import Distance, Velocity

        geocentric = Geocentric.from_time_and_frame_vectors(
            skyfield_times(times), itrs, Distance(km=position.T), Velocity(km_per_s=velocity.T)
        )
        return (
            np.asarray(geocentric.xyz.km, dtype=np.float64).T.copy(),
            np.asarray(geocentric.velocity.km_per_s, dtype=np.float64).T.copy(),
        )
    raise EphemerisError(
        f"REF_FRAME {frame!r} is not one Accord converts; supply the ephemeris in EME2000, "
        "GCRF, ICRF, TEME or an ITRF realisation"
    )


def ephemeris_to_teme(segment: OemSegment) -> OemSegment:
    """The segment with UTC epochs and states in TEME (km, km/s); metadata says so.

    Raises EphemerisError for a centre other than the Earth, a frame not listed in the
    module notes, or a time system that cannot be converted to UTC. Covariances are kept
    as they are (their frames are converted where they are used).
    """
    meta = segment.metadata
    if meta.center_name.upper() != "EARTH":
        raise EphemerisError(
            f"{meta.object_name}: CENTER_NAME {meta.center_name!r}; Accord screens Earth-centred "
            "ephemerides only"
        )
    times = ephemeris_epochs_utc(segment.epochs, meta.time_system)
    position, velocity = to_gcrs(meta.ref_frame, times, segment.position_km, segment.velocity_km_s)
    rotation = gcrs_to_teme_rotation(times)
    position = np.einsum("nij,nj->ni", rotation, position)
    velocity = np.einsum("nij,nj->ni", rotation, velocity)
    bounds = [meta.start_time, meta.stop_time, meta.useable_start_time, meta.useable_stop_time]
    converted = [
        None if b is None else ephemeris_epochs_utc(np.array([b]), meta.time_system)[0]
        for b in bounds
    ]
    metadata = dataclasses.replace(
        meta,
        ref_frame="TEME",
        time_system="UTC",
        start_time=np.datetime64(converted[0], "ns"),
        stop_time=np.datetime64(converted[1], "ns"),
        useable_start_time=converted[2],
        useable_stop_time=converted[3],
    )
    return dataclasses.replace(
        segment,
        metadata=metadata,
        epochs=times,
        position_km=position,
        velocity_km_s=velocity,
        acceleration_km_s2=None,
    )
