"""GP data (OMM keywords as fields) as CelesTrak/Space-Track CSV, JSON and flat XML."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sgp4 import omm as sgp4_omm

from accord.formats import (
    MAX_NORAD_ID,
    MAX_TLE_NORAD_ID,
    CatalogFormat,
    ElementSet,
    FormatError,
    format_tle,
    parse_tle,
    read_catalog,
)
from tests.formats._cached import read_shared_catalog

HEADER = (
    "OBJECT_NAME,OBJECT_ID,EPOCH,MEAN_MOTION,ECCENTRICITY,INCLINATION,RA_OF_ASC_NODE,"
    "ARG_OF_PERICENTER,MEAN_ANOMALY,EPHEMERIS_TYPE,CLASSIFICATION_TYPE,NORAD_CAT_ID,"
    "ELEMENT_SET_NO,REV_AT_EPOCH,BSTAR,MEAN_MOTION_DOT,MEAN_MOTION_DDOT"
)
VANGUARD_ROW = (
    "VANGUARD 1,1958-002B,2020-10-13T04:52:48.472320,10.84869164,.1845686,34.2443,"
    "225.5254,162.2516,205.2356,0,U,5,999,21814,-.22483E-4,-1.6E-7,0"
)
VANGUARD = ElementSet(
    norad_id=5,
    epoch=datetime(2020, 10, 13, 4, 52, 48, 472320, tzinfo=UTC),
    mean_motion_rev_per_day=10.84869164,
    eccentricity=0.1845686,
    inclination_deg=34.2443,
    raan_deg=225.5254,
    arg_of_pericenter_deg=162.2516,
    mean_anomaly_deg=205.2356,
    bstar_per_earth_radius=-0.22483e-4,
    mean_motion_dot_rev_per_day2=-1.6e-7,
    mean_motion_ddot_rev_per_day3=0.0,
    object_name="VANGUARD 1",
    object_id="1958-002B",
    classification="U",
    ephemeris_type=0,
    element_set_no=999,
    rev_at_epoch=21814,
)


def _row(**changes: str) -> str:
    fields = dict(zip(HEADER.split(","), VANGUARD_ROW.split(","), strict=True))
    fields.update(changes)
    return ",".join(fields.values())


# --- Real catalogs ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("relative", "count", "beyond_tle"),
    [
        ("catalogs/celestrak_on_orbit_2024-11-01.csv", 26_834, 304),
        ("catalogs/celestrak_active_gp_2026-08-22.csv", 16_400, 331),
    ],
)
def test_celestrak_csv_catalogs(
    shared: Callable[[str], Path], relative: str, count: int, beyond_tle: int
) -> None:
    path = shared(relative)
    reading = read_shared_catalog(path)
    assert reading.format is CatalogFormat.GP_CSV
    assert reading.errors == []
    assert len(reading.element_sets) == count
    ids = [item.element_set.norad_id for item in reading.element_sets]
    assert len(set(ids)) == count
    assert sum(norad_id > 99_999 for norad_id in ids) == beyond_tle
    # Above 99999 but within Alpha-5: they travel as TLE too, with a letter in front.
    for item in reading.element_sets:
        if item.element_set.norad_id > 99_999:
            line1, line2 = format_tle(item.element_set)
            assert line1[2].isalpha() and parse_tle(line1, line2).norad_id <= MAX_TLE_NORAD_ID
    first = reading.element_sets[0]
    assert (first.record, first.line) == (1, 2)
    assert all(item.element_set.epoch.tzinfo is UTC for item in reading.element_sets[:100])


def test_empty_object_ids_read_as_none(shared: Callable[[str], Path]) -> None:
    path = shared("catalogs/celestrak_on_orbit_2024-11-01.csv")
    reading = read_shared_catalog(path)
    assert sum(item.element_set.object_id is None for item in reading.element_sets) == 494


# --- python-sgp4's samples: three encodings of VANGUARD 1 -------------------------------


def test_python_sgp4_sample_csv_and_xml_read_identically(shared: Callable[[str], Path]) -> None:
    csv_path = shared("omm/python-sgp4_sample_omm.csv")
    xml_path = shared("omm/python-sgp4_sample_omm.xml")
    from_csv = read_catalog(csv_path.read_bytes(), source=csv_path.name)
    from_xml = read_catalog(xml_path.read_bytes(), source=xml_path.name)
    assert (from_csv.format, from_xml.format) == (CatalogFormat.GP_CSV, CatalogFormat.OMM_XML)
    assert [item.element_set for item in from_csv.element_sets] == [VANGUARD]
    assert [item.element_set for item in from_xml.element_sets] == [VANGUARD]
    # python-sgp4's own OMM parser sees the same field text in both.
    (csv_fields,) = list(sgp4_omm.parse_csv(io.StringIO(csv_path.read_text())))
    (xml_fields,) = list(sgp4_omm.parse_xml(str(xml_path)))
    for keyword in ("MEAN_MOTION", "ECCENTRICITY", "BSTAR", "MEAN_MOTION_DOT", "NORAD_CAT_ID"):
        assert float(csv_fields[keyword]) == float(xml_fields[keyword])
    assert VANGUARD.bstar_per_earth_radius == float(csv_fields["BSTAR"])


def test_python_sgp4_sample_json(shared: Callable[[str], Path]) -> None:
    path = shared("omm/python-sgp4_sample_omm.json")
    reading = read_catalog(path.read_bytes(), source=path.name)
    assert reading.format is CatalogFormat.GP_JSON
    (item,) = reading.element_sets
    (raw,) = json.loads(path.read_text())
    element_set = item.element_set
    assert element_set.norad_id == raw["NORAD_CAT_ID"] == 5
    assert element_set.epoch == datetime(2025, 2, 14, 14, 36, 48, 662784, tzinfo=UTC)
    assert element_set.mean_motion_rev_per_day == raw["MEAN_MOTION"]
    assert element_set.bstar_per_earth_radius == raw["BSTAR"]
    assert element_set.mean_motion_dot_rev_per_day2 == raw["MEAN_MOTION_DOT"]
    assert element_set.rev_at_epoch == raw["REV_AT_EPOCH"]


def test_json_strings_read_like_json_numbers() -> None:
    # Space-Track's JSON gives every value as a string; CelesTrak's gives numbers.
    fields = dict(zip(HEADER.split(","), VANGUARD_ROW.split(","), strict=True))
    as_strings = read_catalog(json.dumps([fields]), source="st.json")
    numbers: dict[str, object] = dict(fields)
    for keyword in ("MEAN_MOTION", "ECCENTRICITY", "BSTAR", "MEAN_MOTION_DOT"):
        numbers[keyword] = float(fields[keyword])
    for keyword in ("NORAD_CAT_ID", "ELEMENT_SET_NO", "REV_AT_EPOCH", "EPHEMERIS_TYPE"):
        numbers[keyword] = int(fields[keyword])
    as_numbers = read_catalog(json.dumps([numbers]), source="ct.json")
    assert [item.element_set for item in as_strings.element_sets] == [VANGUARD]
    assert [item.element_set for item in as_numbers.element_sets] == [VANGUARD]


def test_space_track_flat_xml() -> None:
    fields = dict(zip(HEADER.split(","), VANGUARD_ROW.split(","), strict=True))
    fields["DECAY_DATE"] = ""  # Space-Track metadata, not an element set field
    items = "".join(f"<{key}>{value}</{key}>" for key, value in fields.items())
    text = f'<?xml version="1.0"?>\n<xml><item>{items}</item><item>{items}</item></xml>'
    reading = read_catalog(text, source="gp.xml")
    assert reading.format is CatalogFormat.GP_XML
    assert [item.element_set for item in reading.element_sets] == [VANGUARD, VANGUARD]
    assert [item.record for item in reading.element_sets] == [1, 2]


def test_space_track_csv_quoted_with_extra_columns_bom_and_crlf() -> None:
    header = '"' + '","'.join(HEADER.split(",") + ["TLE_LINE1", "DECAY_DATE"]) + '"'
    row = '"' + '","'.join(VANGUARD_ROW.split(",") + ["1 00005U ...", ""]) + '"'
    data = ("\ufeff" + header + "\r\n" + row + "\r\n").encode("utf-8")
    reading = read_catalog(data, source="st.csv")
    assert reading.format is CatalogFormat.GP_CSV
    assert [item.element_set for item in reading.element_sets] == [VANGUARD]


def test_nine_digit_catalog_numbers() -> None:
    text = f"{HEADER}\n{_row(NORAD_CAT_ID=str(MAX_NORAD_ID))}\n{_row(NORAD_CAT_ID='1000000000')}\n"
    reading = read_catalog(text, source="big.csv")
    assert [item.element_set.norad_id for item in reading.element_sets] == [MAX_NORAD_ID]
    (error,) = reading.errors
    assert (error.record, error.line, error.field) == (2, 3, "NORAD_CAT_ID")
    assert error.expected == "a whole number from 1 to 999,999,999"


# --- Record errors ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "expected_part"),
    [
        ({"ECCENTRICITY": "1.2"}, "ECCENTRICITY", "0 <= e < 1"),
        ({"ECCENTRICITY": "-0.1"}, "ECCENTRICITY", "0 <= e < 1"),
        ({"INCLINATION": "180.5"}, "INCLINATION", "[0, 180]"),
        ({"MEAN_ANOMALY": "360"}, "MEAN_ANOMALY", "[0, 360)"),
        ({"MEAN_MOTION": "0"}, "MEAN_MOTION", "> 0"),
        ({"MEAN_MOTION": "nan"}, "MEAN_MOTION", "finite"),
        ({"BSTAR": "1_000"}, "BSTAR", "decimal"),
        ({"EPOCH": "2020-13-01T00:00:00"}, "EPOCH", "UTC time"),
        ({"EPOCH": ""}, "EPOCH", "UTC time"),
        ({"NORAD_CAT_ID": ""}, "NORAD_CAT_ID", "whole number"),
        ({"NORAD_CAT_ID": "-5"}, "NORAD_CAT_ID", "whole number"),
        ({"CLASSIFICATION_TYPE": "X"}, "CLASSIFICATION_TYPE", "U, C or S"),
        ({"EPHEMERIS_TYPE": "4"}, "EPHEMERIS_TYPE", "0"),
    ],
)
def test_bad_field_is_reported_with_row_line_and_keyword(
    changes: dict[str, str], field: str, expected_part: str
) -> None:
    text = f"{HEADER}\n{VANGUARD_ROW}\n{_row(**changes)}\n{VANGUARD_ROW}\n"
    reading = read_catalog(text, source="bad.csv")
    assert [item.record for item in reading.element_sets] == [1, 3]
    (error,) = reading.errors
    assert (error.source, error.record, error.line, error.field) == ("bad.csv", 2, 3, field)
    assert error.expected is not None and expected_part in error.expected


def test_missing_catalog_number_says_why_it_matters() -> None:
    reading = read_catalog(f"{HEADER}\n{_row(NORAD_CAT_ID='')}\n", source="x.csv")
    assert "cannot enter" in reading.errors[0].problem


def test_wrong_column_count_is_a_record_error() -> None:
    reading = read_catalog(f"{HEADER}\n{VANGUARD_ROW},extra\n\n{VANGUARD_ROW}\n", source="x.csv")
    (error,) = reading.errors
    assert (error.record, error.line) == (1, 2)
    assert error.expected == "17 columns, as in the header"
    assert [(item.record, item.line) for item in reading.element_sets] == [(2, 4)]


def test_json_record_that_is_not_an_object() -> None:
    fields = dict(zip(HEADER.split(","), VANGUARD_ROW.split(","), strict=True))
    reading = read_catalog(json.dumps([fields, 42]), source="x.json")
    assert len(reading.element_sets) == 1
    assert [(error.record, error.problem) for error in reading.errors] == [(2, "is a JSON int")]


# --- File errors ------------------------------------------------------------------------


def test_csv_without_usable_header_raises() -> None:
    with pytest.raises(FormatError) as caught:
        read_catalog("NORAD_CAT_ID,EPOCH\n5,2020-01-01T00:00:00\n", source="thin.csv")
    (error,) = caught.value.errors
    assert (error.source, error.line, error.field) == ("thin.csv", 1, "header")
    assert "MEAN_MOTION" in error.problem


def test_malformed_json_raises_with_line() -> None:
    with pytest.raises(FormatError) as caught:
        read_catalog('[\n{"NORAD_CAT_ID": 5,\n', source="cut.json")
    (error,) = caught.value.errors
    assert error.source == "cut.json" and error.line is not None
    assert "is not valid JSON" in error.problem


def test_json_scalar_raises() -> None:
    with pytest.raises(FormatError, match="holds a JSON str"):
        read_catalog('"hello"', source="s.json", format=CatalogFormat.GP_JSON)


def test_padded_and_typed_values_read_like_plain_ones(shared: Callable[[str], Path]) -> None:
    # Plain rows take a lean path; padded strings and JSON numbers take the field-by-field
    # one. Both must give the same element sets for the whole catalog.
    path = shared("catalogs/celestrak_on_orbit_2024-11-01.csv")
    plain = [item.element_set for item in read_shared_catalog(path).element_sets]
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    for row in rows:
        row["NORAD_CAT_ID"] = f" {row['NORAD_CAT_ID']} "
        row["REV_AT_EPOCH"] = int(row["REV_AT_EPOCH"])
        row["MEAN_MOTION"] = float(row["MEAN_MOTION"])
    reading = read_catalog(json.dumps(rows), source="padded.json")
    assert reading.errors == []
    assert [item.element_set for item in reading.element_sets] == plain
