"""Turn an `ElementSet` into python-sgp4's satellite record, the input of both SGP4 engines.

Units follow python-sgp4's `sgp4init` (Vallado's C++ SGP4): angles in radians, mean motion in
radians per minute, the first and second mean-motion derivatives in radians per minute squared
and cubed (each still carrying the TLE's division by 2 and 6), the epoch in days since
1949-12-31 00:00 UTC, gravity model WGS-72 and the "improved" operation mode, exactly as
python-sgp4's own TLE and OMM readers do.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

from sgp4.api import WGS72, Satrec

from accord.formats import ElementSet
from accord.orbits._errors import ElementSetError

__all__ = ["DEEP_SPACE_PERIOD_MIN", "satrec_from_element_set"]

#: Orbits with an (un-Kozai'd) period at or above this many minutes need SDP4's deep-space
#: terms (Hoots and Roehrich 1980, Spacetrack Report #3); python-sgp4 marks them method 'd'.
DEEP_SPACE_PERIOD_MIN = 225.0

#: Epoch origin of `sgp4init`: 1949-12-31 00:00 UTC (Julian date 2433281.5).
_SGP4_EPOCH_ORIGIN = datetime(1949, 12, 31, tzinfo=UTC)
_MINUTES_PER_DAY = 1440.0
_RAD_PER_REV = 2.0 * math.pi
#: rev/day -> rad/min.
_MEAN_MOTION_SCALE = _RAD_PER_REV / _MINUTES_PER_DAY
#: rev/day^2 -> rad/min^2 and rev/day^3 -> rad/min^3.
_NDOT_SCALE = _RAD_PER_REV / _MINUTES_PER_DAY**2
_NDDOT_SCALE = _RAD_PER_REV / _MINUTES_PER_DAY**3
#: Largest catalog number `sgp4init` accepts (Alpha-5 "Z9999"); the number only labels the
#: record and never enters the propagation, so larger (OMM-only) numbers are replaced by 0.
_SATREC_MAX_SATNUM = 339_999
_OPSMODE_IMPROVED = "i"


def _epoch_days_since_1949(epoch: datetime) -> float:
    if epoch.utcoffset() is None:
        raise ElementSetError(
            f"epoch {epoch!r} is naive; ElementSet.epoch must be a timezone-aware UTC datetime"
        )
    elapsed = epoch - _SGP4_EPOCH_ORIGIN
    # Sum whole days and the day fraction separately to keep every microsecond.
    return elapsed.days + (elapsed.seconds + elapsed.microseconds * 1e-6) / 86_400.0


def _from_tle_lines(element_set: ElementSet, line1: str, line2: str) -> Satrec:
    try:
        satrec = Satrec.twoline2rv(line1, line2, WGS72)
    except ValueError as error:
        raise ElementSetError(
            f"NORAD {element_set.norad_id}: its TLE lines could not be read by python-sgp4 "
            f"({error}); fix tle_line1/tle_line2 or drop them to use the mean elements"
        ) from error
    return satrec


def satrec_from_element_set(element_set: ElementSet) -> Satrec:
    """Build python-sgp4's `Satrec` (WGS-72, improved mode) for one element set.

    When the element set carries its TLE lines they are parsed with `Satrec.twoline2rv`, which
    reproduces the producer's published values digit for digit. Otherwise the OMM mean
    elements go through `Satrec.sgp4init`. Any initialisation error SGP4 finds (for instance
    an eccentricity out of range) is kept in `satrec.error` and shows up as an error code
    when the record is propagated, as in python-sgp4.
    """
    if element_set.tle_line1 is not None and element_set.tle_line2 is not None:
        return _from_tle_lines(element_set, element_set.tle_line1, element_set.tle_line2)

    satnum = element_set.norad_id if 0 <= element_set.norad_id <= _SATREC_MAX_SATNUM else 0
    satrec = Satrec()
    try:
        satrec.sgp4init(
            WGS72,
            _OPSMODE_IMPROVED,
            satnum,
            _epoch_days_since_1949(element_set.epoch),
            element_set.bstar_per_earth_radius,
            element_set.mean_motion_dot_rev_per_day2 * _NDOT_SCALE,
            element_set.mean_motion_ddot_rev_per_day3 * _NDDOT_SCALE,
            element_set.eccentricity,
            math.radians(element_set.arg_of_pericenter_deg),
            math.radians(element_set.inclination_deg),
            math.radians(element_set.mean_anomaly_deg),
            element_set.mean_motion_rev_per_day * _MEAN_MOTION_SCALE,
            math.radians(element_set.raan_deg),
        )
    except (ValueError, TypeError) as error:
        raise ElementSetError(
            f"NORAD {element_set.norad_id}: SGP4 initialisation rejected the mean elements "
            f"({error}); check the element set's fields and units (degrees, rev/day)"
        ) from error
    satrec.classification = element_set.classification
    satrec.ephtype = element_set.ephemeris_type
    satrec.elnum = element_set.element_set_no
    satrec.revnum = element_set.rev_at_epoch
    if element_set.object_id:
        # "1998-067A" -> "98067A", the TLE's international designator field.
        satrec.intldesg = element_set.object_id[2:].replace("-", "")[:11]
    return satrec
