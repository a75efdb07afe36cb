"""Write element sets as CCSDS OMM KVN messages (CCSDS 502.0-B-3, SGP4 mean elements).

Numbers are written with Python's shortest round-trip representation, so reading the
message back gives the same floats bit for bit. Any catalog number up to 999,999,999 is
written (OMM, unlike TLE, has room for 9-digit ids).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from accord.formats._elements import MAX_NORAD_ID, ElementSet

__all__ = ["format_omm_kvn"]

_KEYWORD_WIDTH = 19


def format_omm_kvn(
    element_sets: ElementSet | Iterable[ElementSet],
    *,
    originator: str = "ACCORD",
    creation_date: datetime | None = None,
) -> str:
    """One OMM KVN message per element set, concatenated.

    `creation_date` (UTC, default now) fills CREATION_DATE. OBJECT_NAME and OBJECT_ID are
    mandatory in an OMM; when an element set lacks them, 'UNKNOWN' is written.
    Raise ValueError for a catalog number outside 1..999,999,999 or a naive epoch.
    """
    if isinstance(element_sets, ElementSet):
        element_sets = [element_sets]
    created = (creation_date or datetime.now(UTC)).astimezone(UTC)
    messages = [_message(element_set, originator, created) for element_set in element_sets]
    return "\n".join(messages)


def _message(element_set: ElementSet, originator: str, created: datetime) -> str:
    if not 1 <= element_set.norad_id <= MAX_NORAD_ID:
        raise ValueError(
            f"catalog number {element_set.norad_id} is outside 1..{MAX_NORAD_ID:,} for OMM"
        )
    if element_set.epoch.tzinfo is None:
        raise ValueError("epoch must be timezone-aware UTC")
    epoch = element_set.epoch.astimezone(UTC)
    entries = [
        ("CCSDS_OMM_VERS", "3.0"),
        ("CREATION_DATE", _time(created)),
        ("ORIGINATOR", originator),
        None,
        ("OBJECT_NAME", element_set.object_name or "UNKNOWN"),
        ("OBJECT_ID", element_set.object_id or "UNKNOWN"),
        ("CENTER_NAME", "EARTH"),
        ("REF_FRAME", "TEME"),
        ("TIME_SYSTEM", "UTC"),
        ("MEAN_ELEMENT_THEORY", "SGP4"),
        None,
        ("EPOCH", _time(epoch)),
        ("MEAN_MOTION", f"{element_set.mean_motion_rev_per_day!r} [rev/day]"),
        ("ECCENTRICITY", repr(element_set.eccentricity)),
        ("INCLINATION", f"{element_set.inclination_deg!r} [deg]"),
        ("RA_OF_ASC_NODE", f"{element_set.raan_deg!r} [deg]"),
        ("ARG_OF_PERICENTER", f"{element_set.arg_of_pericenter_deg!r} [deg]"),
        ("MEAN_ANOMALY", f"{element_set.mean_anomaly_deg!r} [deg]"),
        None,
        ("EPHEMERIS_TYPE", str(element_set.ephemeris_type)),
        ("CLASSIFICATION_TYPE", element_set.classification),
        ("NORAD_CAT_ID", str(element_set.norad_id)),
        ("ELEMENT_SET_NO", str(element_set.element_set_no)),
        ("REV_AT_EPOCH", str(element_set.rev_at_epoch)),
        ("BSTAR", f"{element_set.bstar_per_earth_radius!r} [1/ER]"),
        ("MEAN_MOTION_DOT", f"{element_set.mean_motion_dot_rev_per_day2!r} [rev/day**2]"),
        ("MEAN_MOTION_DDOT", f"{element_set.mean_motion_ddot_rev_per_day3!r} [rev/day**3]"),
    ]
    lines = [
        "" if entry is None else f"{entry[0]:<{_KEYWORD_WIDTH}} = {entry[1]}" for entry in entries
    ]
    return "\n".join(lines) + "\n"


def _time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")
