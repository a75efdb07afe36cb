"""CCSDS 508.0-B-1 Conjunction Data Messages from screening conjunctions (GP/TLE data).

Frames: screening states are TEME (SGP4's frame), which 508.0-B-1 does not list as a
REF_FRAME (its options are EME2000, GCRF, ITRF). Both states are rotated into the GCRS with
`accord.orbits.teme_to_gcrs` (skyfield, IAU 2000A) and stated as REF_FRAME = GCRF: the
GCRS is the geocentric frame whose axes are the GCRF's. The relative position and velocity
are in the primary's RTN frame built from the GCRF states (508.0-B-1 section 3.4).

Covariance: GP element sets carry none, but the 21 RTN terms are mandatory. Each object gets
the documented default covariance (`AssumedRtnSigmas`, SOCRATES' 100/300/100 m 1-sigma
position errors, zero velocity terms), with COVARIANCE_METHOD = DEFAULT and a COMMENT
saying it is an assumption, not a measurement.

Pc: both no-covariance numbers are computed and labelled (docs/collision-probability.md):
ALFANO-2005-MAX (the worst case, as SOCRATES reports it) and DEFAULT-COVARIANCE (Foster
with the stated default covariance, so that the Pc computed from the message itself,
`cdm_pc`, gives it back). `pc_method` picks which goes in COLLISION_PROBABILITY; the other
is in a relative-data COMMENT. The combined hard-body radius is stated as NASA CARA's
`COMMENT HBR = <m> [m]`, which `cdm_hard_body_radius_m` reads.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray

from accord.conjunctions._no_covariance import (
    ALFANO_2005_MAX,
    DEFAULT_COVARIANCE,
    AssumedRtnSigmas,
    default_covariance_pc,
    maximum_pc,
)
from accord.conjunctions._rtn import rtn_axes
from accord.conjunctions._screening import Conjunction, ScreeningVolume
from accord.formats import (
    CdmHeader,
    CdmObject,
    CdmObjectMetadata,
    CdmRelativeData,
    CdmRtnCovariance,
    CdmStateVector,
    ConjunctionDataMessage,
    ElementSet,
)
from accord.orbits import CartesianStates, teme_to_gcrs

__all__ = [
    "CDM_REF_FRAME",
    "DEFAULT_HARD_BODY_RADIUS_M",
    "CdmScreeningContext",
    "conjunction_to_cdm",
    "conjunctions_to_cdms",
]

#: REF_FRAME of the states Accord writes (508.0-B-1 allows EME2000, GCRF, ITRF).
CDM_REF_FRAME = "GCRF"
#: Combined hard-body radius (m) assumed when the objects' sizes are unknown: a stated
#: assumption, written into every CDM as `COMMENT HBR = ...`; pass real sizes when known.
DEFAULT_HARD_BODY_RADIUS_M = 20.0
_PC_METHODS = (ALFANO_2005_MAX, DEFAULT_COVARIANCE)
_CATALOG_NAME = "SATCAT"


@dataclass(frozen=True, slots=True)
class CdmScreeningContext:
    """The screening a CDM came from: period (UTC) and threshold or RTN volume (km)."""

    start: datetime
    stop: datetime
    threshold_km: float
    volume: ScreeningVolume | None = None


def _default_covariance(sigmas: AssumedRtnSigmas) -> CdmRtnCovariance:
    # Lower triangle of the 6x6 RTN covariance, row by row: the position variances sit at
    # indices 0 (CR_R), 2 (CT_T) and 5 (CN_N); velocity terms are zero (not assumed).
    values = [0.0] * 21
    values[0] = sigmas.radial_m**2
    values[2] = sigmas.in_track_m**2
    values[5] = sigmas.cross_track_m**2
    return CdmRtnCovariance(
        tuple(values),
        comments=(
            f"Covariance: ASSUMED, not measured (GP data has none): diagonal RTN sigmas "
            f"{sigmas.radial_m:g}/{sigmas.in_track_m:g}/{sigmas.cross_track_m:g} m "
            "(SOCRATES defaults), velocity terms zero",
        ),
    )


def _metadata(label: str, element_set: ElementSet) -> CdmObjectMetadata:
    return CdmObjectMetadata(
        object=label,
        object_designator=f"{element_set.norad_id:05d}",
        catalog_name=_CATALOG_NAME,
        object_name=(element_set.object_name or "UNKNOWN").strip() or "UNKNOWN",
        international_designator=(element_set.object_id or "UNKNOWN").strip() or "UNKNOWN",
        ephemeris_name="NONE",
        covariance_method="DEFAULT",
        maneuverable="N/A",
        ref_frame=CDM_REF_FRAME,
        orbit_center="EARTH",
        comments=(
            f"State from SGP4 on the GP element set of epoch "
            f"{element_set.epoch.isoformat(timespec='microseconds')}, "
            "rotated from TEME to GCRF",
        ),
    )


def _state(position_km: NDArray[np.float64], velocity_km_s: NDArray[np.float64]) -> CdmStateVector:
    x, y, z = (float(v) for v in position_km)
    vx, vy, vz = (float(v) for v in velocity_km_s)
    return CdmStateVector(x, y, z, vx, vy, vz)


def _gcrf_states(
    conjunctions: Sequence[Conjunction],
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """(2, N, 3) positions (km) and velocities (km/s) in GCRF: primary row 0, secondary row 1."""
    n = len(conjunctions)
    position = np.empty((2, n, 3))
    velocity = np.empty((2, n, 3))
    for k, c in enumerate(conjunctions):
        position[0, k], position[1, k] = c.primary_position_km, c.secondary_position_km
        velocity[0, k], velocity[1, k] = c.primary_velocity_km_s, c.secondary_velocity_km_s
    # One rotation per TCA, broadcast over the two objects (skyfield's layout).
    times = np.array([c.tca.replace(tzinfo=None) for c in conjunctions], dtype="datetime64[ns]")
    teme = CartesianStates(
        norad_ids=np.array([0, 1]),
        times=times,
        position_km=position,
        velocity_km_s=velocity,
        error_code=np.zeros((2, n), dtype=np.int8),
        frame="TEME",
    )
    gcrs = teme_to_gcrs(teme)
    return np.array(gcrs.position_km), np.array(gcrs.velocity_km_s)


def conjunctions_to_cdms(
    conjunctions: Sequence[Conjunction],
    element_sets: Mapping[int, ElementSet],
    *,
    originator: str,
    message_ids: Sequence[str],
    creation_date: datetime,
    hard_body_radius_m: float = DEFAULT_HARD_BODY_RADIUS_M,
    pc_method: str = ALFANO_2005_MAX,
    sigmas: AssumedRtnSigmas | None = None,
    screening: CdmScreeningContext | None = None,
) -> list[ConjunctionDataMessage]:
    """One 508.0-B-1 CDM per conjunction, batched (one frame rotation and Pc call for all).

    `element_sets` maps NORAD id to the element set each conjunction's object came from
    (names, designators, epoch). `pc_method` is ALFANO-2005-MAX or DEFAULT-COVARIANCE;
    both Pcs are computed, the chosen one is COLLISION_PROBABILITY. The conjunctions'
    `collision_probability` is ignored. See the module notes for frames and covariance.
    """
    if pc_method not in _PC_METHODS:
        raise ValueError(
            f"pc_method {pc_method!r} is not one for GP data without covariance; use "
            f"{ALFANO_2005_MAX!r} or {DEFAULT_COVARIANCE!r}"
        )
    if len(message_ids) != len(conjunctions):
        raise ValueError(
            f"{len(message_ids)} message ids for {len(conjunctions)} conjunctions; give one each"
        )
    if creation_date.utcoffset() is None:
        raise ValueError(f"creation_date {creation_date!r} is naive; pass an aware UTC datetime")
    if not hard_body_radius_m > 0:
        raise ValueError(f"hard_body_radius_m must be positive, got {hard_body_radius_m}")
    for c in conjunctions:
        for norad_id in (c.primary_norad_id, c.secondary_norad_id):
            if norad_id not in element_sets:
                raise KeyError(
                    f"no element set for NORAD id {norad_id} (conjunction at "
                    f"{c.tca.isoformat()}); pass the element sets the screening used"
                )
    if not conjunctions:
        return []
    sigmas = sigmas or AssumedRtnSigmas()
    position, velocity = _gcrf_states(conjunctions)
    relative_position_km = position[1] - position[0]
    relative_velocity_km_s = velocity[1] - velocity[0]
    axes = rtn_axes(position[0], velocity[0])  # (N, 3, 3), rows R, T, N
    rtn_position_m = np.einsum("nij,nj->ni", axes, relative_position_km) * 1e3
    rtn_velocity_m_s = np.einsum("nij,nj->ni", axes, relative_velocity_km_s) * 1e3
    miss_m = np.linalg.norm(relative_position_km, axis=1) * 1e3
    maximum = maximum_pc(miss_m, hard_body_radius_m).pc
    default = default_covariance_pc(
        position[0],
        velocity[0],
        position[1],
        velocity[1],
        hard_body_radius_m,
        primary_sigmas=sigmas,
        secondary_sigmas=sigmas,
    ).pc
    covariance = _default_covariance(sigmas)
    messages = []
    for k, c in enumerate(conjunctions):
        chosen, other = (
            (maximum[k], default[k]) if pc_method == ALFANO_2005_MAX else (default[k], maximum[k])
        )
        other_method = DEFAULT_COVARIANCE if pc_method == ALFANO_2005_MAX else ALFANO_2005_MAX
        comments = (
            f"HBR = {hard_body_radius_m:g} [m]",
            f"{other_method} Pc = {float(other):.6e} (no covariance in GP data; both labelled)",
        )
        relative = CdmRelativeData(
            tca=c.tca,
            miss_distance_m=float(miss_m[k]),
            relative_speed_m_s=float(np.linalg.norm(relative_velocity_km_s[k]) * 1e3),
            relative_position_r_m=float(rtn_position_m[k, 0]),
            relative_position_t_m=float(rtn_position_m[k, 1]),
            relative_position_n_m=float(rtn_position_m[k, 2]),
            relative_velocity_r_m_s=float(rtn_velocity_m_s[k, 0]),
            relative_velocity_t_m_s=float(rtn_velocity_m_s[k, 1]),
            relative_velocity_n_m_s=float(rtn_velocity_m_s[k, 2]),
            collision_probability=float(chosen),
            collision_probability_method=pc_method,
            comments=comments,
            **_screening_fields(screening),
        )
        primary = element_sets[c.primary_norad_id]
        secondary = element_sets[c.secondary_norad_id]
        messages.append(
            ConjunctionDataMessage(
                header=CdmHeader(
                    creation_date=creation_date,
                    originator=originator,
                    message_id=message_ids[k],
                ),
                relative=relative,
                object1=CdmObject(
                    metadata=_metadata("OBJECT1", primary),
                    state_vector=_state(position[0, k], velocity[0, k]),
                    covariance=covariance,
                ),
                object2=CdmObject(
                    metadata=_metadata("OBJECT2", secondary),
                    state_vector=_state(position[1, k], velocity[1, k]),
                    covariance=covariance,
                ),
            )
        )
    return messages


def _screening_fields(screening: CdmScreeningContext | None) -> dict[str, Any]:
    if screening is None:
        return {}
    if screening.volume is not None:
        axes_km = (
            screening.volume.radial_km,
            screening.volume.in_track_km,
            screening.volume.cross_track_km,
        )
    else:
        axes_km = (screening.threshold_km,) * 3
    return {
        "start_screen_period": screening.start,
        "stop_screen_period": screening.stop,
        "screen_volume_frame": "RTN",
        "screen_volume_shape": "ELLIPSOID",
        "screen_volume_x_m": axes_km[0] * 1e3,
        "screen_volume_y_m": axes_km[1] * 1e3,
        "screen_volume_z_m": axes_km[2] * 1e3,
    }


def conjunction_to_cdm(
    conjunction: Conjunction,
    primary: ElementSet,
    secondary: ElementSet,
    *,
    originator: str,
    message_id: str,
    creation_date: datetime,
    hard_body_radius_m: float = DEFAULT_HARD_BODY_RADIUS_M,
    pc_method: str = ALFANO_2005_MAX,
    sigmas: AssumedRtnSigmas | None = None,
    screening: CdmScreeningContext | None = None,
) -> ConjunctionDataMessage:
    """The 508.0-B-1 CDM of one conjunction; see `conjunctions_to_cdms` and the module notes."""
    for element_set, norad_id, role in (
        (primary, conjunction.primary_norad_id, "primary"),
        (secondary, conjunction.secondary_norad_id, "secondary"),
    ):
        if element_set.norad_id != norad_id:
            raise ValueError(
                f"{role} element set is NORAD id {element_set.norad_id}, but the "
                f"conjunction's {role} is {norad_id}; pass the matching element set"
            )
    return conjunctions_to_cdms(
        [conjunction],
        {primary.norad_id: primary, secondary.norad_id: secondary},
        originator=originator,
        message_ids=[message_id],
        creation_date=creation_date,
        hard_body_radius_m=hard_body_radius_m,
        pc_method=pc_method,
        sigmas=sigmas,
        screening=screening,
    )[0]
