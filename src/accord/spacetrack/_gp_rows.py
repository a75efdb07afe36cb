"""gp rows from element sets (with Space-Track's derived columns), and back.

Derived columns as Space-Track publishes them: SEMIMAJOR_AXIS (km) from the mean motion
by Kepler's third law, PERIOD (minutes), APOAPSIS and PERIAPSIS altitudes (km) above a
spherical Earth, all with SGP4's WGS-72 constants (mu 398600.8 km^3/s^2, radius
6378.135 km; Vallado et al. 2006, "Revisiting Spacetrack Report #3", AIAA 2006-6753).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, datetime

from sgp4.earth_gravity import wgs72

from accord.formats import MAX_TLE_NORAD_ID, ElementSet, format_tle
from accord.spacetrack._fields import REQUEST_CLASSES
from accord.spacetrack._values import comparable_value

__all__ = ["element_set_from_gp_row", "gp_row"]

_WGS72_MU_KM3_PER_S2 = wgs72.mu
_WGS72_EARTH_RADIUS_KM = wgs72.radiusearthkm
_SECONDS_PER_DAY = 86_400.0
_GP = REQUEST_CLASSES["gp"]


def gp_row(
    element_set: ElementSet,
    *,
    gp_id: int,
    creation_date: datetime,
    originator: str = "ACCORD",
    comment: str = "GENERATED VIA ACCORD",
    object_type: str | None = None,
    rcs_size: str | None = None,
    country_code: str | None = None,
    launch_date: date | None = None,
    site: str | None = None,
    decay_date: date | None = None,
    file: int | None = None,
) -> dict[str, object]:
    """The gp (or gp_history) row of an element set, every column filled, typed values.

    Catalog metadata (object type, RCS size, country, launch, decay) comes from the
    caller, who knows the object. TLE_LINE1/2 are the element set's own lines when it was
    read from a TLE, else written by accord.formats.format_tle; None when the catalog
    number does not fit a TLE (above 339999) or a value does not fit its columns.
    """
    mean_motion = element_set.mean_motion_rev_per_day
    mean_motion_rad_per_s = mean_motion * 2.0 * math.pi / _SECONDS_PER_DAY
    semimajor_axis_km = (_WGS72_MU_KM3_PER_S2 / mean_motion_rad_per_s**2) ** (1.0 / 3.0)
    eccentricity = element_set.eccentricity
    line1, line2 = _tle_lines(element_set)
    name = element_set.object_name
    return {
        "CCSDS_OMM_VERS": "3.0",
        "COMMENT": comment,
        "CREATION_DATE": creation_date,
        "ORIGINATOR": originator,
        "OBJECT_NAME": name,
        "OBJECT_ID": element_set.object_id,
        "CENTER_NAME": "EARTH",
        "REF_FRAME": "TEME",
        "TIME_SYSTEM": "UTC",
        "MEAN_ELEMENT_THEORY": "SGP4",
        "EPOCH": element_set.epoch,
        "MEAN_MOTION": mean_motion,
        "ECCENTRICITY": eccentricity,
        "INCLINATION": element_set.inclination_deg,
        "RA_OF_ASC_NODE": element_set.raan_deg,
        "ARG_OF_PERICENTER": element_set.arg_of_pericenter_deg,
        "MEAN_ANOMALY": element_set.mean_anomaly_deg,
        "EPHEMERIS_TYPE": element_set.ephemeris_type,
        "CLASSIFICATION_TYPE": element_set.classification,
        "NORAD_CAT_ID": element_set.norad_id,
        "ELEMENT_SET_NO": element_set.element_set_no,
        "REV_AT_EPOCH": element_set.rev_at_epoch,
        "BSTAR": element_set.bstar_per_earth_radius,
        "MEAN_MOTION_DOT": element_set.mean_motion_dot_rev_per_day2,
        "MEAN_MOTION_DDOT": element_set.mean_motion_ddot_rev_per_day3,
        "SEMIMAJOR_AXIS": round(semimajor_axis_km, 3),
        "PERIOD": round(1440.0 / mean_motion, 3),
        "APOAPSIS": round(semimajor_axis_km * (1.0 + eccentricity) - _WGS72_EARTH_RADIUS_KM, 3),
        "PERIAPSIS": round(semimajor_axis_km * (1.0 - eccentricity) - _WGS72_EARTH_RADIUS_KM, 3),
        "OBJECT_TYPE": object_type,
        "RCS_SIZE": rcs_size,
        "COUNTRY_CODE": country_code,
        "LAUNCH_DATE": launch_date,
        "SITE": site,
        "DECAY_DATE": decay_date,
        "FILE": file,
        "GP_ID": gp_id,
        "TLE_LINE0": f"0 {name}" if name else None,
        "TLE_LINE1": line1,
        "TLE_LINE2": line2,
    }


def _tle_lines(element_set: ElementSet) -> tuple[str | None, str | None]:
    if element_set.tle_line1 and element_set.tle_line2:
        return element_set.tle_line1, element_set.tle_line2
    if element_set.norad_id > MAX_TLE_NORAD_ID:
        return None, None
    try:
        return format_tle(element_set)
    except ValueError:
        return None, None  # a value outside the TLE's columns: OMM formats still carry it


_REQUIRED = (
    "NORAD_CAT_ID",
    "EPOCH",
    "MEAN_MOTION",
    "ECCENTRICITY",
    "INCLINATION",
    "RA_OF_ASC_NODE",
    "ARG_OF_PERICENTER",
    "MEAN_ANOMALY",
)


def element_set_from_gp_row(row: Mapping[str, object]) -> ElementSet:
    """The element set a gp row describes (typed or string values, as run_query accepts).

    The row's TLE_LINE1/2, when present, are kept verbatim on the element set. Raise
    ValueError naming the column when a required one is missing or does not parse.
    """
    values = {}
    for field in _GP.fields:
        values[field.name] = comparable_value(field, row.get(field.name))
    missing = [name for name in _REQUIRED if values[name] is None]
    if missing:
        raise ValueError(
            f"gp row of NORAD_CAT_ID {row.get('NORAD_CAT_ID')!r} lacks {', '.join(missing)}, "
            "which an element set needs"
        )

    def number(name: str, default: float = 0.0) -> float:
        value = values[name]
        if value is None:
            return default
        if not isinstance(value, int | float):
            raise ValueError(f"gp row column {name} is {value!r}, not a number")
        return float(value)

    def whole(name: str, default: int) -> int:
        value = values[name]
        if value is None:
            return default
        if not isinstance(value, int | float) or value != int(value):
            raise ValueError(f"gp row column {name} is {value!r}, not a whole number")
        return int(value)

    epoch = values["EPOCH"]
    assert isinstance(epoch, datetime)
    line1, line2 = row.get("TLE_LINE1"), row.get("TLE_LINE2")
    return ElementSet(
        norad_id=whole("NORAD_CAT_ID", 0),
        epoch=epoch,
        mean_motion_rev_per_day=number("MEAN_MOTION"),
        eccentricity=number("ECCENTRICITY"),
        inclination_deg=number("INCLINATION"),
        raan_deg=number("RA_OF_ASC_NODE"),
        arg_of_pericenter_deg=number("ARG_OF_PERICENTER"),
        mean_anomaly_deg=number("MEAN_ANOMALY"),
        bstar_per_earth_radius=number("BSTAR"),
        mean_motion_dot_rev_per_day2=number("MEAN_MOTION_DOT"),
        mean_motion_ddot_rev_per_day3=number("MEAN_MOTION_DDOT"),
        object_name=_text(row.get("OBJECT_NAME")),
        object_id=_text(row.get("OBJECT_ID")),
        classification=_text(row.get("CLASSIFICATION_TYPE")) or "U",
        ephemeris_type=whole("EPHEMERIS_TYPE", 0),
        element_set_no=whole("ELEMENT_SET_NO", 999),
        rev_at_epoch=whole("REV_AT_EPOCH", 0),
        tle_line1=line1 if isinstance(line1, str) and line1 else None,
        tle_line2=line2 if isinstance(line2, str) and line2 else None,
    )


def _text(value: object) -> str | None:
    # Text fields come back from comparable_value casefolded, so they are read raw here.
    if value is None:
        return None
    text = str(value).strip()
    return text or None
