"""CCSDS epochs: leap seconds (23:59:60) accepted on leap-second days only, read as :59.999999."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from accord.formats import read_catalog
from accord.formats._ccsds_time import LEAP_SECOND_DAYS, parse_ccsds_epoch
from tests.formats.test_gp import HEADER, _row

#: The last instant `datetime` can name on 2016-12-31, the latest day with a leap second.
END_OF_2016 = datetime(2016, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    [
        "2016-12-31T23:59:60",
        "2016-12-31T23:59:60.000000",
        "2016-12-31T23:59:60.999999Z",
        "2016-366T23:59:60.5",  # day-of-year form of the same leap second
    ],
)
def test_a_real_leap_second_reads_as_the_last_microsecond_of_its_day(text: str) -> None:
    assert parse_ccsds_epoch(text) == END_OF_2016


def test_every_leap_second_day_ends_a_june_or_a_december() -> None:
    """IERS Bulletin C: 27 leap seconds, 1972-06-30 to 2016-12-31, all at month ends."""
    assert len(LEAP_SECOND_DAYS) == 27
    assert all((d.month, d.day) in {(6, 30), (12, 31)} for d in LEAP_SECOND_DAYS)
    assert parse_ccsds_epoch("1972-06-30T23:59:60Z") == datetime(
        1972, 6, 30, 23, 59, 59, 999_999, tzinfo=UTC
    )


@pytest.mark.parametrize(
    "text",
    ["2017-12-31T23:59:60", "2016-12-31T23:58:60", "2016-12-31T12:59:60.5", "2024-183T23:59:60"],
)
def test_second_60_where_utc_had_no_leap_second_is_refused_with_the_fix(text: str) -> None:
    with pytest.raises(ValueError, match="second 60") as caught:
        parse_ccsds_epoch(text)
    assert "leap second" in str(caught.value) and "correct the time" in str(caught.value)


def test_gp_record_with_a_leap_second_epoch_is_read_and_a_false_one_located() -> None:
    text = "\n".join(
        [
            HEADER,
            _row(EPOCH="2016-12-31T23:59:60.250000"),
            _row(EPOCH="2018-12-31T23:59:60.250000", NORAD_CAT_ID="6"),
        ]
    )
    reading = read_catalog(text.encode(), source="leap.csv")
    assert [r.element_set.epoch for r in reading.element_sets] == [END_OF_2016]
    (error,) = reading.errors
    assert (error.record, error.field) == (2, "EPOCH") and "second 60" in error.problem
