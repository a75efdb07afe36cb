"""TLE/3LE reading and writing: columns, checksums, Alpha-5, quirks of real catalogs."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sgp4.api import Satrec

from accord.formats import (
    MAX_TLE_NORAD_ID,
    CatalogFormat,
    ElementSet,
    FormatError,
    alpha5_to_norad_id,
    format_3le,
    format_tle,
    norad_id_to_alpha5,
    parse_tle,
    read_catalog,
    tle_checksum,
)
from tests.formats._cached import read_shared_catalog

# CelesTrak's ISS element set of 2026-07-21 (shared data omm/other/tle_celestrak_iss_25544.txt).
ISS_LINE1 = "1 25544U 98067A   26202.18553447  .00005896  00000+0  11479-3 0  9991"
ISS_LINE2 = "2 25544  51.6316 131.8443 0006849 320.6461  39.4029 15.49071756577020"


def with_checksum(line: str) -> str:
    """Replace column 69 by the right checksum, so a test line has only its intended fault."""
    return line[:68] + str(tle_checksum(line))


def read_text(text: str) -> tuple[list[ElementSet], list[tuple[int | None, int | None, str]]]:
    reading = read_catalog(text, source="bad.tle", format=CatalogFormat.TLE)
    assert all(error.source == "bad.tle" for error in reading.errors)
    return (
        [item.element_set for item in reading.element_sets],
        [(error.record, error.line, error.field or "") for error in reading.errors],
    )


# --- Alpha-5 ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "norad_id"),
    [
        ("00005", 5),
        ("    5", 5),
        ("25544", 25544),
        ("99999", 99999),
        ("A0000", 100000),
        ("H9999", 179999),
        ("J0000", 180000),  # I is skipped
        ("P0000", 230000),  # O is skipped
        ("T0000", 270000),  # Space-Track's "TBA" objects
        ("Z9999", MAX_TLE_NORAD_ID),
    ],
)
def test_alpha5_decodes_digits_and_letters(field: str, norad_id: int) -> None:
    assert alpha5_to_norad_id(field) == norad_id
    assert norad_id_to_alpha5(norad_id) == field.strip().zfill(5)


@pytest.mark.parametrize("field", ["I0000", "O1234", "a0000", "AA000", "1234A", "", "-1234"])
def test_alpha5_rejects_what_is_not_a_catalog_number(field: str) -> None:
    with pytest.raises(ValueError, match="Alpha-5"):
        alpha5_to_norad_id(field)


def test_ids_beyond_alpha5_are_refused_with_the_fix() -> None:
    with pytest.raises(ValueError, match="only OMM can carry this id"):
        norad_id_to_alpha5(MAX_TLE_NORAD_ID + 1)


@given(st.integers(min_value=0, max_value=MAX_TLE_NORAD_ID))
def test_alpha5_round_trips_every_tle_catalog_number(norad_id: int) -> None:
    encoded = norad_id_to_alpha5(norad_id)
    assert len(encoded) == 5 and "I" not in encoded and "O" not in encoded
    assert alpha5_to_norad_id(encoded) == norad_id


# --- One TLE ----------------------------------------------------------------------------


def test_checksum_of_published_lines() -> None:
    assert tle_checksum(ISS_LINE1) == 1
    assert tle_checksum(ISS_LINE2) == 0


def test_iss_fields_in_their_units() -> None:
    iss = parse_tle(ISS_LINE1, ISS_LINE2, object_name="ISS (ZARYA)")
    assert iss.norad_id == 25544
    assert iss.object_id == "1998-067A"
    assert iss.classification == "U"
    # Day 202.18553447 of 2026: 0.18553447 day = 16030.178208 s after midnight, exactly.
    assert iss.epoch == datetime(2026, 7, 21, 4, 27, 10, 178208, tzinfo=UTC)
    assert iss.mean_motion_dot_rev_per_day2 == 0.00005896
    assert iss.mean_motion_ddot_rev_per_day3 == 0.0
    assert iss.bstar_per_earth_radius == 0.11479e-3
    assert (iss.inclination_deg, iss.raan_deg) == (51.6316, 131.8443)
    assert iss.eccentricity == 0.0006849
    assert (iss.arg_of_pericenter_deg, iss.mean_anomaly_deg) == (320.6461, 39.4029)
    assert iss.mean_motion_rev_per_day == 15.49071756
    assert (iss.element_set_no, iss.rev_at_epoch) == (999, 57702)
    assert (iss.tle_line1, iss.tle_line2) == (ISS_LINE1, ISS_LINE2)


@pytest.mark.parametrize(
    ("two_digit_year", "year"), [("57", 1957), ("99", 1999), ("00", 2000), ("56", 2056)]
)
def test_two_digit_epoch_years_pivot_at_1957(two_digit_year: str, year: int) -> None:
    line1 = with_checksum(ISS_LINE1[:18] + two_digit_year + "001.50000000" + ISS_LINE1[32:])
    element_set = parse_tle(line1, ISS_LINE2)
    assert element_set.epoch == datetime(year, 1, 1, 12, tzinfo=UTC)


def test_space_track_quirks_plus_signs_and_zero_padding() -> None:
    # As in Space-Track files of early 2022: '+' in sign columns, zero-padded angles.
    line1 = with_checksum("1 44914U 20001A   20137.58334491 +.00008131 +00000-0 +57678-3 0  9990")
    line2 = with_checksum("2 44914 052.9981 157.6133 0001225 093.3500 295.8599 15.05566242017610")
    element_set = parse_tle(line1, line2)
    assert element_set.mean_motion_dot_rev_per_day2 == 0.00008131
    assert element_set.bstar_per_earth_radius == 0.57678e-3
    assert element_set.inclination_deg == 52.9981
    assert element_set.arg_of_pericenter_deg == 93.35


def test_negative_exponent_fields() -> None:
    line1 = with_checksum(ISS_LINE1[:33] + "-.00000113 -12345-5 -47102-5" + ISS_LINE1[61:])
    element_set = parse_tle(line1, ISS_LINE2)
    assert element_set.mean_motion_dot_rev_per_day2 == -0.00000113
    assert element_set.mean_motion_ddot_rev_per_day3 == -0.12345e-5
    assert element_set.bstar_per_earth_radius == -0.47102e-5


# --- Precise errors ---------------------------------------------------------------------

GOOD_RECORD = f"0 ISS (ZARYA)\n{ISS_LINE1}\n{ISS_LINE2}\n"


def test_bad_checksum_names_line_and_field() -> None:
    bad_line2 = ISS_LINE2[:68] + "5"
    element_sets, errors = read_text(f"0 ISS (ZARYA)\n{ISS_LINE1}\n{bad_line2}\n")
    assert element_sets == []
    assert errors == [(1, 3, "line 2 checksum")]
    reading = read_catalog(f"{ISS_LINE1}\n{bad_line2}\n", source="x.tle")
    assert "column 69 says 5 but columns 1-68 sum to 0" in str(reading.errors[0])
    assert reading.errors[0].expected is not None and reading.errors[0].expected.startswith("0")


def test_mismatched_catalog_numbers() -> None:
    line2 = with_checksum(ISS_LINE2.replace("25544", "25545"))
    _, errors = read_text(f"{ISS_LINE1}\n{line2}\n")
    assert errors == [(1, 2, "line 2 catalog number")]


def test_eccentricity_out_of_range() -> None:
    line2 = with_checksum(ISS_LINE2[:26] + "-006849" + ISS_LINE2[33:])
    reading = read_catalog(f"{ISS_LINE1}\n{line2}\n", source="bad.tle")
    (error,) = reading.errors
    assert (error.record, error.line, error.field) == (1, 2, "line 2 eccentricity")
    assert error.expected is not None and "0 <= e < 1" in error.expected


@pytest.mark.parametrize(
    ("column_slice", "replacement", "field"),
    [
        (slice(8, 16), "190.0000", "line 2 inclination"),
        (slice(17, 25), "360.0000", "line 2 right ascension of ascending node"),
        (slice(52, 63), " 0.00000000", "line 2 mean motion"),
        (slice(52, 63), "15.49O71756", "line 2 mean motion"),
    ],
)
def test_line2_field_ranges(column_slice: slice, replacement: str, field: str) -> None:
    line2 = list(ISS_LINE2)
    line2[column_slice] = replacement
    _, errors = read_text(f"{ISS_LINE1}\n{with_checksum(''.join(line2))}\n")
    assert errors == [(1, 2, field)]


@pytest.mark.parametrize(
    ("column_slice", "replacement", "field"),
    [
        (slice(7, 8), "X", "line 1 classification"),
        (slice(20, 23), "367", "line 1 epoch day"),
        (slice(18, 20), "2A", "line 1 epoch"),
        (slice(53, 61), " 11479?3", "line 1 BSTAR"),
        (slice(62, 63), "4", "line 1 ephemeris type"),
        (slice(2, 7), "I5544", "line 1 catalog number"),
    ],
)
def test_line1_field_checks(column_slice: slice, replacement: str, field: str) -> None:
    line1 = list(ISS_LINE1)
    line1[column_slice] = replacement
    _, errors = read_text(f"{with_checksum(''.join(line1))}\n{ISS_LINE2}\n")
    assert field in [error[2] for error in errors]
    assert all(error[:2] == (1, 1) for error in errors)


def test_truncated_line() -> None:
    reading = read_catalog(f"{ISS_LINE1[:50]}\n{ISS_LINE2}\n", source="cut.tle")
    (error,) = reading.errors
    assert (error.record, error.line, error.field) == (1, 1, "line 1")
    assert "truncated: 50 columns" in error.problem and error.expected is not None
    assert "69 columns" in error.expected


def test_line2_missing_at_end_of_input() -> None:
    element_sets, errors = read_text(GOOD_RECORD + f"0 ISS AGAIN\n{ISS_LINE1}\n\n")
    assert len(element_sets) == 1
    assert errors == [(2, 5, "line 2")]
    reading = read_catalog(f"{ISS_LINE1}\n", source="short.tle", format=CatalogFormat.TLE)
    assert "missing at the end of the input" in reading.errors[0].problem


def test_garbage_between_records_is_its_own_record() -> None:
    text = GOOD_RECORD + "this line is garbage\n" + GOOD_RECORD
    element_sets, errors = read_text(text)
    assert [item.norad_id for item in element_sets] == [25544, 25544]
    assert errors == [(2, 4, "line 0")]
    reading = read_catalog(text, source="bad.tle")
    assert [item.record for item in reading.element_sets] == [1, 3]
    assert reading.record_count == 3


def test_name_line_without_tle_and_orphan_line2() -> None:
    _, errors = read_text(f"0 LONELY NAME\n{GOOD_RECORD}{ISS_LINE2}\n")
    assert errors == [(1, 1, "line 1"), (3, 5, "line 1")]


def test_every_problem_of_a_record_is_reported() -> None:
    line1 = ISS_LINE1[:7] + "9" + ISS_LINE1[8:]  # bad classification, and so bad checksum
    _, errors = read_text(f"{line1}\n{ISS_LINE2}\n")
    assert sorted(error[2] for error in errors) == ["line 1 checksum", "line 1 classification"]


def test_parse_tle_raises_with_every_problem() -> None:
    with pytest.raises(FormatError) as caught:
        parse_tle(ISS_LINE1[:68] + "0", ISS_LINE2[:68] + "9")
    assert [error.field for error in caught.value.errors] == ["line 1 checksum", "line 2 checksum"]


# --- Real catalogs ----------------------------------------------------------------------

# SOURCES.md also lists spacetrack_full_catalog_3le_2022-01-22.txt, but the shared folder does
# not ship it; its quirks (leading '+', zero-padded fields) are covered by hand-made records.
REAL_TLE_FILES = [
    ("catalogs/spacetrack_full_catalog_3le_2022-07-15.txt", 24_132),
    ("catalogs/spacetrack_payloads_3le_2026-06-10.txt", 16_032),
    ("catalogs/celestrak-groups-2026-05-30/resource.tle", 167),
    ("catalogs/celestrak-groups-2026-05-30/stations.tle", 25),
    ("catalogs/celestrak-groups-2026-05-30/weather.tle", 74),
    ("catalogs/celestrak-groups-2026-05-30/science.tle", 49),
    ("catalogs/celestrak-groups-2026-05-30/geo.tle", 574),
    ("omm/other/tle_celestrak_iss_25544.txt", 1),
]


@pytest.mark.parametrize(("relative", "count"), REAL_TLE_FILES)
def test_real_catalogs_read_without_errors(
    shared: Callable[[str], Path], relative: str, count: int
) -> None:
    path = shared(relative)
    reading = read_shared_catalog(path)
    assert reading.format is CatalogFormat.TLE
    assert reading.errors == []
    assert len(reading.element_sets) == count
    assert all(item.element_set.object_name for item in reading.element_sets)


def test_t_numbers_of_space_track_2022_07_15(shared: Callable[[str], Path]) -> None:
    path = shared("catalogs/spacetrack_full_catalog_3le_2022-07-15.txt")
    reading = read_shared_catalog(path)
    t_numbers = [
        item.element_set
        for item in reading.element_sets
        if 270_000 <= item.element_set.norad_id <= 279_999
    ]
    assert len(t_numbers) == 273  # SOURCES.md: "T0000".."T0288"
    assert max(element_set.norad_id for element_set in t_numbers) == 270_288
    assert all(element_set.object_id is None for element_set in t_numbers)


def test_celestrak_names_without_prefix_and_crlf(shared: Callable[[str], Path]) -> None:
    path = shared("catalogs/celestrak-groups-2026-05-30/stations.tle")
    assert b"\r\n" in path.read_bytes()
    reading = read_catalog(path.read_bytes(), source=path.name)
    first = reading.element_sets[0]
    assert (first.record, first.line) == (1, 1)
    assert first.element_set.object_name == "ISS (ZARYA)"
    assert first.element_set.tle_line1 is not None and first.element_set.tle_line1.endswith("8")
    assert not first.element_set.tle_line1.endswith("\r")


# python-sgp4 (the reference implementation) stores angles in radians and mean motion in
# rad/min; the conversions below undo that. Its epoch is a split Julian date.
_XPDOTP = 1440.0 / (2.0 * math.pi)  # rev/day per rad/min
_JD_J2000 = 2451545.0
_J2000 = datetime(2000, 1, 1, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    "relative",
    [
        "catalogs/celestrak-groups-2026-05-30/resource.tle",
        "catalogs/spacetrack_full_catalog_3le_2022-07-15.txt",
    ],
)
def test_fields_agree_with_python_sgp4(shared: Callable[[str], Path], relative: str) -> None:
    path = shared(relative)
    reading = read_shared_catalog(path)
    for item in reading.element_sets[::7]:
        element_set = item.element_set
        assert element_set.tle_line1 is not None and element_set.tle_line2 is not None
        satrec = Satrec.twoline2rv(element_set.tle_line1, element_set.tle_line2)
        assert satrec.satnum == element_set.norad_id
        assert math.radians(element_set.inclination_deg) == pytest.approx(satrec.inclo, abs=1e-15)
        assert math.radians(element_set.raan_deg) == pytest.approx(satrec.nodeo, abs=1e-15)
        assert math.radians(element_set.arg_of_pericenter_deg) == pytest.approx(
            satrec.argpo, abs=1e-15
        )
        assert math.radians(element_set.mean_anomaly_deg) == pytest.approx(satrec.mo, abs=1e-15)
        assert element_set.eccentricity == satrec.ecco
        assert element_set.mean_motion_rev_per_day / _XPDOTP == pytest.approx(
            satrec.no_kozai, rel=1e-15
        )
        assert element_set.bstar_per_earth_radius == pytest.approx(satrec.bstar, rel=1e-15)
        assert element_set.mean_motion_dot_rev_per_day2 == pytest.approx(
            satrec.ndot * _XPDOTP * 1440.0, rel=1e-12, abs=1e-20
        )
        # Seconds since J2000 (JD 2451545.0); differencing the whole-day part first keeps
        # the float's precision. The datetime holds the epoch to 1 us (rounded).
        sgp4_seconds = (satrec.jdsatepoch - _JD_J2000 + satrec.jdsatepochF) * 86400.0
        seconds = (element_set.epoch - _J2000).total_seconds()
        assert seconds == pytest.approx(sgp4_seconds, abs=1e-6)
        assert element_set.rev_at_epoch == satrec.revnum
        assert element_set.element_set_no == satrec.elnum


# --- Writing ----------------------------------------------------------------------------


def test_celestrak_lines_are_reproduced_exactly(shared: Callable[[str], Path]) -> None:
    path = shared("catalogs/celestrak-groups-2026-05-30/geo.tle")
    for item in read_shared_catalog(path).element_sets:
        element_set = item.element_set
        assert format_tle(element_set) == (element_set.tle_line1, element_set.tle_line2)


def test_space_track_values_round_trip(shared: Callable[[str], Path]) -> None:
    # Space-Track pads with spaces and writes zero as 00000-0: the text differs, values do not.
    path = shared("catalogs/spacetrack_full_catalog_3le_2022-07-15.txt")
    for item in read_shared_catalog(path).element_sets[::5]:
        element_set = item.element_set
        again = parse_tle(*format_tle(element_set), object_name=element_set.object_name)
        assert _without_lines(again) == _without_lines(element_set)


def test_alpha5_is_written_for_ids_from_100000() -> None:
    element_set = dataclasses.replace(parse_tle(ISS_LINE1, ISS_LINE2), norad_id=270_288)
    line1, line2 = format_tle(element_set)
    assert line1[2:7] == line2[2:7] == "T0288"
    assert parse_tle(line1, line2).norad_id == 270_288


def test_nine_digit_ids_are_refused_by_the_tle_writer() -> None:
    element_set = dataclasses.replace(parse_tle(ISS_LINE1, ISS_LINE2), norad_id=999_999_999)
    with pytest.raises(ValueError, match="only OMM can carry this id"):
        format_tle(element_set)


def test_format_3le_reads_back() -> None:
    iss = parse_tle(ISS_LINE1, ISS_LINE2, object_name="ISS (ZARYA)")
    text = format_3le([iss, iss])
    assert text.startswith("0 ISS (ZARYA)\n1 25544U")
    reading = read_catalog(text, source="written.tle")
    assert [item.element_set for item in reading.element_sets] == [iss, iss]


def _without_lines(element_set: ElementSet) -> ElementSet:
    return dataclasses.replace(element_set, tle_line1=None, tle_line2=None)


def _tle_precision(scale: float, high: int) -> st.SearchStrategy[float]:
    return st.integers(min_value=0, max_value=high).map(lambda units: units / scale)


_exponent_values = st.builds(
    lambda sign, mantissa, exponent: sign * float(f"0.{mantissa:05d}e{exponent}"),
    st.sampled_from([1, -1]),
    st.integers(min_value=10_000, max_value=99_999),
    st.integers(min_value=-9, max_value=9),
)


@given(
    norad_id=st.integers(min_value=1, max_value=MAX_TLE_NORAD_ID),
    year=st.integers(min_value=1957, max_value=2056),
    day=st.integers(min_value=0, max_value=364),
    day_units=st.integers(min_value=0, max_value=99_999_999),
    inclination=_tle_precision(1e4, 1_800_000),
    raan=_tle_precision(1e4, 3_599_999),
    eccentricity=_tle_precision(1e7, 9_999_999),
    arg_of_pericenter=_tle_precision(1e4, 3_599_999),
    mean_anomaly=_tle_precision(1e4, 3_599_999),
    mean_motion=st.integers(min_value=1, max_value=9_999_999_999).map(lambda units: units / 1e8),
    ndot=st.integers(min_value=-99_999_999, max_value=99_999_999).map(lambda units: units / 1e8),
    nddot=_exponent_values,
    bstar=_exponent_values,
    rev=st.integers(min_value=0, max_value=99_999),
    set_no=st.integers(min_value=0, max_value=9999),
    classification=st.sampled_from("UCS"),
)
def test_written_tles_read_back_to_the_same_values(
    norad_id: int,
    year: int,
    day: int,
    day_units: int,
    inclination: float,
    raan: float,
    eccentricity: float,
    arg_of_pericenter: float,
    mean_anomaly: float,
    mean_motion: float,
    ndot: float,
    nddot: float,
    bstar: float,
    rev: int,
    set_no: int,
    classification: str,
) -> None:
    # Epochs on the TLE's grid of 1e-8 day (864 us exactly) from 1 January, 1957-2056.
    epoch = datetime(year, 1, 1, tzinfo=UTC) + timedelta(days=day, microseconds=day_units * 864)
    element_set = ElementSet(
        norad_id=norad_id,
        epoch=epoch,
        mean_motion_rev_per_day=mean_motion,
        eccentricity=eccentricity,
        inclination_deg=inclination,
        raan_deg=raan,
        arg_of_pericenter_deg=arg_of_pericenter,
        mean_anomaly_deg=mean_anomaly,
        bstar_per_earth_radius=bstar,
        mean_motion_dot_rev_per_day2=ndot,
        mean_motion_ddot_rev_per_day3=nddot,
        object_id="2000-123ABC",
        classification=classification,
        element_set_no=set_no,
        rev_at_epoch=rev,
    )
    line1, line2 = format_tle(element_set)
    assert len(line1) == len(line2) == 69
    assert _without_lines(parse_tle(line1, line2)) == element_set
