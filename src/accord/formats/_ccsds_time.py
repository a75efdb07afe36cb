"""Parse the ASCII epochs of OMM and GP data into timezone-aware UTC datetimes.

CCSDS 502.0-B-3 section 7.5.10 allows calendar (`YYYY-MM-DDThh:mm:ss[.d...]`) and
day-of-year (`YYYY-DDDThh:mm:ss[.d...]`) forms, optionally ending in `Z`. Fractions finer
than a microsecond are rounded to the nearest microsecond (the resolution of `datetime`).

Leap seconds: a UTC time may read 23:59:60.x during a leap second (CCSDS 301.0-B-4 section
3.5.1: seconds 00 to 60 in UTC). `datetime` cannot hold second 60, so such an epoch is
accepted only at the end of a day that had a leap second (IERS Bulletin C) and is read as
23:59:59.999999 of that day, the last instant `datetime` can name before midnight (the
convention of skyfield's `Time.utc_datetime_and_leap_second`): at most 1 s early. Second 60
on any other day is refused, since UTC had no such second.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

__all__ = ["EPOCH_EXPECTED", "LEAP_SECOND_DAYS", "parse_ccsds_epoch"]

#: What a valid epoch looks like, for error messages.
EPOCH_EXPECTED = "a UTC time like 2024-10-29T12:18:43.492896 or 2007-064T10:34:41.4264"

#: UTC days that ended with a leap second 23:59:60, from IERS Bulletin C (the 27 to date;
#: none since 2016-12-31). Add a day here when the IERS announces a new one.
LEAP_SECOND_DAYS = frozenset(
    date.fromisoformat(day)
    for day in (
        "1972-06-30 1972-12-31 1973-12-31 1974-12-31 1975-12-31 1976-12-31 1977-12-31 "
        "1978-12-31 1979-12-31 1981-06-30 1982-06-30 1983-06-30 1985-06-30 1987-12-31 "
        "1989-12-31 1990-12-31 1992-06-30 1993-06-30 1994-06-30 1995-12-31 1997-06-30 "
        "1998-12-31 2005-12-31 2008-12-31 2012-06-30 2015-06-30 2016-12-31"
    ).split()
)
_LAST_MICROSECOND = timedelta(hours=23, minutes=59, seconds=59, microseconds=999_999)

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
        midnight = datetime(int(year), 1, 1, tzinfo=UTC) + timedelta(days=ordinal - 1)
    else:
        midnight = datetime(int(year), int(month), int(day), tzinfo=UTC)
    microsecond = 0
    if fraction:
        digits = len(fraction)
        # Integer arithmetic, rounding half up, so that no binary float error creeps in.
        microsecond = (int(fraction) * 2_000_000 + 10**digits) // (2 * 10**digits)
    hours, minutes, seconds = int(hour), int(minute), int(second)
    if seconds == 60 and hours <= 23 and minutes <= 59:
        if (hours, minutes) == (23, 59) and midnight.date() in LEAP_SECOND_DAYS:
            return midnight + _LAST_MICROSECOND  # the leap second itself: see the module docs
        raise ValueError(
            f"{text!r} has second 60, which UTC has only at 23:59:60 at the end of a day with "
            f"a leap second (IERS Bulletin C; the latest ended {max(LEAP_SECOND_DAYS)}); "
            "there was none then: correct the time (probably 00 of the next minute)"
        )
    if hours > 23 or minutes > 59 or seconds > 59:
        raise ValueError(f"{text!r} has a time of day outside 00:00:00..23:59:59")
    return midnight + timedelta(
        hours=hours, minutes=minutes, seconds=seconds, microseconds=microsecond
    )


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
