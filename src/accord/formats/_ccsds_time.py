"""Parse the ASCII epochs of OMM and GP data into timezone-aware UTC datetimes.

CCSDS 502.0-B-3 section 7.5.10 allows calendar (`YYYY-MM-DDThh:mm:ss[.d...]`) and
day-of-year (`YYYY-DDDThh:mm:ss[.d...]`) forms, optionally ending in `Z`. Fractions finer
than a microsecond are rounded to the nearest microsecond (the resolution of `datetime`).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

__all__ = ["EPOCH_EXPECTED", "parse_ccsds_epoch"]

#: What a valid epoch looks like, for error messages.
EPOCH_EXPECTED = "a UTC time like 2024-10-29T12:18:43.492896 or 2007-064T10:34:41.4264"

_EPOCH = re.compile(
    r"(\d{4})-(?:(\d{2})-(\d{2})|(\d{3}))T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?Z?",
    re.ASCII,
)


def parse_ccsds_epoch(text: str) -> datetime:
    """Parse a CCSDS calendar or day-of-year UTC time; raise ValueError when it is neither."""
    # The calendar form with six fraction digits (or none) is what CelesTrak and Space-Track
    # write; the C-implemented fromisoformat reads it exactly and fast (appending the UTC
    # offset costs a fraction of a later .replace(tzinfo=...)).
    length = len(text)
    if (length == 26 and text[19] == "." or length == 19) and text[10] == "T":
        try:
            return datetime.fromisoformat(text + "+00:00")
        except ValueError:
            pass  # fall through to the general form, which explains what is wrong
    match = _EPOCH.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not a CCSDS time")
    year, month, day, day_of_year, hour, minute, second, fraction = match.groups()
    if day_of_year is not None:
        ordinal = int(day_of_year)
        days_in_year = 366 if _is_leap(int(year)) else 365
        if not 1 <= ordinal <= days_in_year:
            raise ValueError(f"day of year {ordinal} is outside 1..{days_in_year}")
        date = datetime(int(year), 1, 1, tzinfo=UTC) + timedelta(days=ordinal - 1)
    else:
        date = datetime(int(year), int(month), int(day), tzinfo=UTC)
    microsecond = 0
    if fraction:
        digits = len(fraction)
        # Integer arithmetic, rounding half up, so that no binary float error creeps in.
        microsecond = (int(fraction) * 2_000_000 + 10**digits) // (2 * 10**digits)
    hours, minutes, seconds = int(hour), int(minute), int(second)
    if hours > 23 or minutes > 59 or seconds > 59:
        raise ValueError(f"{text!r} has a time of day outside 00:00:00..23:59:59")
    return date + timedelta(hours=hours, minutes=minutes, seconds=seconds, microseconds=microsecond)


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
