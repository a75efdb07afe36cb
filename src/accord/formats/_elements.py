"""The mean element set (GP data) that every catalog format reads into and writes from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = ["ElementSet", "MAX_NORAD_ID", "MAX_TLE_NORAD_ID"]

#: Largest catalog number a classic TLE can carry (Alpha-5 "Z9999").
MAX_TLE_NORAD_ID = 339_999
#: Largest catalog number OMM can carry (9 digits, Space-Track's extended range).
MAX_NORAD_ID = 999_999_999


@dataclass(frozen=True, slots=True)
class ElementSet:
    """One SGP4/SDP4 mean element set (a "general perturbations" element set).

    Field names and units follow CCSDS 502.0-B-3 OMM with the SGP4 mean element
    theory (Table 4-5): angles in degrees, mean motion in revolutions per day,
    `bstar` in inverse Earth radii, all in the TEME frame. `epoch` is UTC and
    timezone-aware.
    """

    norad_id: int
    epoch: datetime
    mean_motion_rev_per_day: float
    eccentricity: float
    inclination_deg: float
    raan_deg: float
    arg_of_pericenter_deg: float
    mean_anomaly_deg: float
    bstar_per_earth_radius: float
    #: First time derivative of mean motion divided by two (TLE line 1), rev/day^2.
    mean_motion_dot_rev_per_day2: float = 0.0
    #: Second time derivative of mean motion divided by six (TLE line 1), rev/day^3.
    mean_motion_ddot_rev_per_day3: float = 0.0
    object_name: str | None = None
    #: International designator (COSPAR id), "1998-067A".
    object_id: str | None = None
    classification: str = "U"
    ephemeris_type: int = 0
    element_set_no: int = 999
    rev_at_epoch: int = 0
    #: The two TLE lines when the element set was read from a TLE, kept verbatim so that
    #: propagation reproduces the exact values the producer published.
    tle_line1: str | None = None
    tle_line2: str | None = None
