"""UTC times <-> two-part Julian dates, the time form SGP4 takes.

Reference: python-sgp4's `jday` (UTC calendar -> Julian date), and the definition
JD 2440587.5 = 1970-01-01T00:00 UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sgp4.api import jday

from accord.orbits import JulianDates, TimeInputError, utc_julian_dates

#: Julian dates split in two parts keep ~1e-16 day of resolution in the fraction: 10 ns is far
#: below anything SGP4 can tell apart (7.5 km/s * 10 ns = 75 um).
JD_TOLERANCE_DAYS = 1e-13


def test_unix_epoch_is_jd_2440587_5() -> None:
    dates = utc_julian_dates(np.array(["1970-01-01T00:00"], dtype="datetime64[m]"))

    assert (dates.whole[0], dates.fraction[0]) == (2_440_587.5, 0.0)


def test_matches_python_sgp4_jday() -> None:
    moment = datetime(2024, 11, 1, 17, 45, 12, 345678, tzinfo=UTC)
    whole, fraction = jday(2024, 11, 1, 17, 45, 12.345678)

    dates = utc_julian_dates([moment])

    assert dates.whole[0] + dates.fraction[0] == pytest.approx(
        whole + fraction, abs=JD_TOLERANCE_DAYS
    )
    assert dates.fraction[0] == pytest.approx(fraction, abs=JD_TOLERANCE_DAYS)


def test_other_time_zones_are_converted_to_utc() -> None:
    in_utc = datetime(2024, 1, 1, 12, tzinfo=UTC)
    in_tokyo = in_utc.astimezone(timezone(timedelta(hours=9)))

    from_tokyo, from_utc = utc_julian_dates(in_tokyo), utc_julian_dates(in_utc)

    assert (from_tokyo.whole[0], from_tokyo.fraction[0]) == (2_460_310.5, 0.5)
    assert (from_utc.whole[0], from_utc.fraction[0]) == (2_460_310.5, 0.5)


@given(st.integers(min_value=-(2**62) // 2, max_value=2**62 // 2))
def test_datetime64_round_trips_to_the_nanosecond(ns_since_1970: int) -> None:
    times = np.array([ns_since_1970], dtype="datetime64[ns]")

    assert utc_julian_dates(times).to_datetime64().tolist() == times.tolist()


@pytest.mark.parametrize(
    ("times", "message"),
    [
        (np.array([1.0, 2.0]), "datetime64 dtype"),
        (np.array(["NaT"], dtype="datetime64[ns]"), "NaT"),
        (np.array([["2024-01-01"]], dtype="datetime64[D]"), "one-dimensional"),
        ([datetime(2024, 1, 1)], "naive datetime"),
        (["2024-01-01"], "timezone-aware datetimes"),
    ],
)
def test_ambiguous_times_are_refused(times: object, message: str) -> None:
    with pytest.raises(TimeInputError, match=message):
        utc_julian_dates(times)  # type: ignore[arg-type]


def test_julian_dates_need_matching_finite_arrays() -> None:
    with pytest.raises(TimeInputError, match="one length"):
        JulianDates(np.zeros(2), np.zeros(3))
    with pytest.raises(TimeInputError, match="finite"):
        JulianDates(np.array([np.nan]), np.zeros(1))
