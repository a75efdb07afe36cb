"""Write element sets as TLE lines (and 3LE text), with checksums and Alpha-5 numbers.

Column layout as read by `accord.formats._tle`. Values are rounded to the TLE's fixed
precision (angles 1e-4 deg, eccentricity 1e-7, mean motion 1e-8 rev/day, epoch 1e-8 day);
the element set's own `tle_line1`/`tle_line2` are not consulted, so what is written always
reflects the fields.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from accord.formats._elements import ElementSet
from accord.formats._tle import norad_id_to_alpha5, tle_checksum

__all__ = ["format_3le", "format_tle"]


def format_tle(element_set: ElementSet) -> tuple[str, str]:
    """Lines 1 and 2 of the element set's TLE, 69 columns each, checksums included.

    Raise ValueError naming the field when a value does not fit a TLE: catalog numbers
    above 339999 (only OMM can carry them), epochs outside 1957-2056, |MEAN_MOTION_DOT| >= 1.
    """
    catalog = norad_id_to_alpha5(element_set.norad_id)
    if element_set.classification not in ("U", "C", "S"):
        raise ValueError(f"classification {element_set.classification!r} is not U, C or S")
    if not 0 <= element_set.ephemeris_type <= 9:
        raise ValueError(f"ephemeris type {element_set.ephemeris_type} is not one TLE digit")
    if not 0 <= element_set.element_set_no <= 9999:
        raise ValueError(
            f"element set number {element_set.element_set_no} does not fit TLE columns 65-68"
        )
    ndot = _first_derivative(element_set.mean_motion_dot_rev_per_day2)
    line1 = (
        f"1 {catalog}{element_set.classification} {_designator(element_set.object_id)} "
        f"{_epoch(element_set.epoch)} {ndot} "
        f"{_exponent(element_set.mean_motion_ddot_rev_per_day3, 'MEAN_MOTION_DDOT')} "
        f"{_exponent(element_set.bstar_per_earth_radius, 'BSTAR')} "
        f"{element_set.ephemeris_type} {element_set.element_set_no:4d}"
    )
    eccentricity_digits = round(element_set.eccentricity * 1e7)
    if not 0 <= eccentricity_digits <= 9_999_999:
        raise ValueError(
            f"eccentricity {element_set.eccentricity} does not fit a TLE; expected 0 <= e < 1"
        )
    mean_motion = f"{element_set.mean_motion_rev_per_day:11.8f}"
    if len(mean_motion) != 11 or element_set.mean_motion_rev_per_day <= 0.0:
        raise ValueError(
            f"mean motion {element_set.mean_motion_rev_per_day} rev/day does not fit a TLE; "
            "expected 0 < n < 100 rev/day"
        )
    line2 = (
        f"2 {catalog} {_angle(element_set.inclination_deg, 'inclination')} "
        f"{_angle(element_set.raan_deg, 'RAAN')} {eccentricity_digits:07d} "
        f"{_angle(element_set.arg_of_pericenter_deg, 'argument of perigee')} "
        f"{_angle(element_set.mean_anomaly_deg, 'mean anomaly')} "
        f"{mean_motion}{element_set.rev_at_epoch % 100_000:5d}"
    )
    return line1 + str(tle_checksum(line1)), line2 + str(tle_checksum(line2))


def format_3le(element_sets: Iterable[ElementSet]) -> str:
    """Three-line text ('0 NAME' lines as Space-Track writes them), one record per set."""
    lines: list[str] = []
    for element_set in element_sets:
        line1, line2 = format_tle(element_set)
        lines += [f"0 {element_set.object_name or 'UNKNOWN'}", line1, line2]
    return "\n".join(lines) + "\n" if lines else ""


def _designator(object_id: str | None) -> str:
    """'1998-067A' -> '98067A  '; blank when absent or not a COSPAR id (as for T-numbers)."""
    if object_id and len(object_id) >= 8 and object_id[4] == "-":
        launch, piece = object_id[5:8], object_id[8:]
        if object_id[:4].isdigit() and launch.isdigit() and len(piece) <= 3:
            return f"{object_id[2:4]}{launch}{piece:<3}"
    return " " * 8


def _epoch(epoch: datetime) -> str:
    """YYDDD.DDDDDDDD, rounded to 1e-8 day from whole microseconds (no float drift)."""
    if epoch.tzinfo is None:
        raise ValueError("epoch must be timezone-aware UTC")
    epoch = epoch.astimezone(UTC)
    year = epoch.year
    since_new_year = epoch - datetime(year, 1, 1, tzinfo=UTC)
    microseconds = (
        since_new_year.days * 86_400 + since_new_year.seconds
    ) * 1_000_000 + since_new_year.microseconds
    # 1e-8 day is 864 microseconds; round half up.
    units = (microseconds + 432) // 864
    day, fraction = divmod(units, 100_000_000)
    days_in_year = (datetime(year + 1, 1, 1) - datetime(year, 1, 1)).days
    if day >= days_in_year:  # rounded up into the next year
        year, day = year + 1, day - days_in_year
    if not 1957 <= year <= 2056:
        raise ValueError(f"epoch year {year} does not fit a TLE's two digits (1957-2056)")
    return f"{year % 100:02d}{day + 1:03d}.{fraction:08d}"


def _first_derivative(value: float) -> str:
    """MEAN_MOTION_DOT as ' .00005896' / '-.00000113' (columns 34-43)."""
    text = f"{abs(value):.8f}"
    if not text.startswith("0."):
        raise ValueError(f"MEAN_MOTION_DOT {value} rev/day**2 does not fit a TLE; expected < 1")
    sign = "-" if value < 0 and text != "0.00000000" else " "
    return sign + text[1:]


def _exponent(value: float, name: str) -> str:
    """The TLE exponent notation: ' 11479-3' is 0.11479e-3 (sign, 5 digits, signed exponent)."""
    if value == 0.0:
        return " 00000+0"
    # "1.1479e-04" carries the five significant digits already rounded correctly.
    mantissa, _, exponent_text = f"{abs(value):.4e}".partition("e")
    exponent = int(exponent_text) + 1
    if exponent < -9:  # below 1e-10, under the notation's resolution: it reads as zero
        return " 00000+0"
    if exponent > 9:
        raise ValueError(f"{name} {value} does not fit a TLE's exponent notation (< 1e9)")
    sign = "-" if value < 0 else " "
    return f"{sign}{mantissa.replace('.', '')}{'-' if exponent < 0 else '+'}{abs(exponent)}"


def _angle(value: float, name: str) -> str:
    text = f"{value:8.4f}"
    if text == "360.0000":  # rounded up to a full turn
        text = "  0.0000"
    if len(text) != 8 or value < 0.0:
        raise ValueError(f"{name} {value} deg does not fit a TLE; expected degrees in [0, 360)")
    return text
