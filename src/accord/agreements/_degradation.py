"""Applying release conditions to plain records on the way out.

Positions are snapped, per component, to the nearest multiple of the precision (error at
most precision/2 per axis, precision*sqrt(3)/2 in 3-D). A precise velocity would let a
recipient recover precise positions from two coarse ones, so velocities are coarsened to
precision / VELOCITY_HORIZON_S: carried over that horizon they add no more than the
position precision. Representations that cannot be coarsened (mean elements, TLE lines)
are refused rather than released at full precision: the caller converts them to states.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from accord.agreements._access import ReleaseConditions
from accord.agreements._errors import AgreementError

__all__ = [
    "DEFAULT_POSITION_KEYS",
    "DEFAULT_VELOCITY_KEYS",
    "VELOCITY_HORIZON_S",
    "DegradationError",
    "apply_release",
    "coarsen_position_km",
    "coarsen_velocity_km_s",
    "is_covariance_field",
    "withhold_covariance",
]

#: Horizon over which a coarsened velocity stays within the position precision (s).
VELOCITY_HORIZON_S = 600.0

#: Position triplets (km) recognised in records: Accord's own names and CCSDS OEM/CDM names.
DEFAULT_POSITION_KEYS: tuple[tuple[str, str, str], ...] = (
    ("x_km", "y_km", "z_km"),
    ("X", "Y", "Z"),
)
#: Velocity triplets (km/s) recognised in records.
DEFAULT_VELOCITY_KEYS: tuple[tuple[str, str, str], ...] = (
    ("vx_km_s", "vy_km_s", "vz_km_s"),
    ("X_DOT", "Y_DOT", "Z_DOT"),
)

# CDM covariance terms (CR_R ... CNDOT_NDOT, CCSDS 508.0-B-1 section 3.5), OEM covariance
# blocks, and any field named for a covariance.
_COVARIANCE = re.compile(
    r"^(c(r|t|n|rdot|tdot|ndot|drg|srp|thr)_(r|t|n|rdot|tdot|ndot|drg|srp|thr)"
    r"|covariance.*|.*_covariance.*|cov_.*)$",
    re.IGNORECASE,
)
# Fields holding orbit information that cannot be coarsened to a km precision.
_UNCOARSENABLE = re.compile(
    r"^(tle_line[0-2]|mean_motion.*|eccentricity|inclination.*|ra_of_asc_node.*"
    r"|arg_of_pericenter.*|mean_anomaly.*|semimajor_axis.*|bstar|element_set.*)$",
    re.IGNORECASE,
)


class DegradationError(AgreementError):
    """A record cannot be degraded as its release conditions require; it must not go out."""


def coarsen_position_km(position_km: Sequence[float], precision_km: float) -> tuple[float, ...]:
    """Snap each component to the nearest multiple of `precision_km` (km in, km out)."""
    if not precision_km > 0:
        raise DegradationError(f"precision_km={precision_km}; expected a positive precision")
    return tuple(round(component / precision_km) * precision_km for component in position_km)


def coarsen_velocity_km_s(
    velocity_km_s: Sequence[float], precision_km: float, horizon_s: float = VELOCITY_HORIZON_S
) -> tuple[float, ...]:
    """Snap each component to a multiple of precision_km / horizon_s (km/s in, km/s out)."""
    return coarsen_position_km(velocity_km_s, precision_km / horizon_s)


def is_covariance_field(name: str) -> bool:
    """Whether a record field carries covariance (CDM CR_R..., OEM covariance, *_covariance)."""
    return bool(_COVARIANCE.match(name))


def withhold_covariance(record: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of `record` without its covariance fields."""
    return {k: v for k, v in record.items() if not is_covariance_field(k)}


def apply_release(
    record: Mapping[str, Any],
    conditions: ReleaseConditions,
    *,
    position_keys: Sequence[tuple[str, str, str]] = DEFAULT_POSITION_KEYS,
    velocity_keys: Sequence[tuple[str, str, str]] = DEFAULT_VELOCITY_KEYS,
) -> dict[str, Any]:
    """A copy of a flat record degraded as `conditions` require (fails closed).

    Raises DegradationError when a position precision applies but the record holds mean
    elements or no recognised position triplet: it cannot be released at that precision.
    """
    released = dict(record)
    degradation = conditions.degradation
    if degradation.covariance_withheld:
        released = withhold_covariance(released)
    precision = degradation.position_precision_km
    if precision is None:
        return released
    blocked = sorted(k for k in released if _UNCOARSENABLE.match(k))
    if blocked:
        raise DegradationError(
            f"record fields {', '.join(blocked)} cannot be coarsened to {precision} km; "
            "release the object as coarsened state vectors instead"
        )
    found = False
    for keys in position_keys:
        if all(k in released for k in keys):
            coarse = coarsen_position_km([float(released[k]) for k in keys], precision)
            released.update(zip(keys, coarse, strict=True))
            found = True
    if not found:
        raise DegradationError(
            f"record has no position triplet among {list(position_keys)}; "
            f"it cannot be released at {precision} km precision"
        )
    for keys in velocity_keys:
        if all(k in released for k in keys):
            coarse = coarsen_velocity_km_s([float(released[k]) for k in keys], precision)
            released.update(zip(keys, coarse, strict=True))
    return released
