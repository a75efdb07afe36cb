"""Output formats: round trips through accord.formats.read_catalog, and Space-Track's shapes."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math

import defusedxml.ElementTree
import pytest

from accord.formats import ElementSet, parse_tle, read_catalog
from accord.spacetrack import (
    NO_RESULTS_MESSAGE,
    element_set_from_gp_row,
    format_result,
    gp_row,
    parse_query,
    run_query,
)
from tests.spacetrack._rows import CREATED, ELEMENT_SETS, GOES, HUBBLE, ISS, NOW, catalog_rows


def _body(path: str, rows: list[dict[str, object]] | None = None) -> str:
    result = run_query(parse_query(path), catalog_rows() if rows is None else rows, now=NOW)
    return format_result(result).body


def _without_lines(element_set: ElementSet) -> ElementSet:
    return dataclasses.replace(element_set, tle_line1=None, tle_line2=None)


@pytest.mark.parametrize("output_format", ["json", "csv", "xml", "tle", "3le", "kvn"])
def test_every_format_reads_back_to_the_same_element_sets(output_format: str) -> None:
    body = _body(f"class/gp/orderby/GP_ID/format/{output_format}")
    reading = read_catalog(body, source=f"format/{output_format}")
    assert reading.errors == []
    read = [_without_lines(r.element_set) for r in reading.element_sets]
    expected = [_without_lines(e) for e in ELEMENT_SETS]
    if output_format == "tle":
        # Two-line TLEs carry no name line.
        expected = [dataclasses.replace(e, object_name=None) for e in expected]
    # The test element sets were read from TLEs, so TLE precision loses nothing: exact.
    assert read == expected


def test_json_values_are_strings_or_null_as_space_track_writes_them() -> None:
    (record,) = json.loads(_body("class/gp/NORAD_CAT_ID/41866"))
    assert record["NORAD_CAT_ID"] == "41866"
    assert record["EPOCH"] == "2024-01-09T18:00:00.000000"
    assert record["CREATION_DATE"] == "2024-01-02T03:04:05"
    assert record["MEAN_MOTION_DOT"] == "-0.00000251"  # positional, never 2.51e-06
    assert record["LAUNCH_DATE"] == "2016-11-19"
    assert record["RCS_SIZE"] is None
    assert record["TLE_LINE0"] == "0 GOES 16"
    assert all(value is None or isinstance(value, str) for value in record.values())


def test_predicates_project_json_csv_and_xml_in_the_order_asked() -> None:
    path = "class/gp/orderby/NORAD_CAT_ID/predicates/OBJECT_NAME,norad_cat_id/limit/2"
    assert json.loads(_body(path + "/format/json")) == [
        {"OBJECT_NAME": "HST", "NORAD_CAT_ID": "20580"},
        {"OBJECT_NAME": "ISS (ZARYA)", "NORAD_CAT_ID": "25544"},
    ]
    assert list(csv.reader(io.StringIO(_body(path + "/format/csv")))) == [
        ["OBJECT_NAME", "NORAD_CAT_ID"],
        ["HST", "20580"],
        ["ISS (ZARYA)", "25544"],
    ]
    root = defusedxml.ElementTree.fromstring(_body(path + "/format/xml"))
    assert root.tag == "xml"
    assert [[(c.tag, c.text) for c in item] for item in root] == [
        [("OBJECT_NAME", "HST"), ("NORAD_CAT_ID", "20580")],
        [("OBJECT_NAME", "ISS (ZARYA)"), ("NORAD_CAT_ID", "25544")],
    ]


def test_xml_escapes_markup_in_values() -> None:
    rows = catalog_rows()
    rows[0]["OBJECT_NAME"] = "A<B & C>"
    root = defusedxml.ElementTree.fromstring(_body("class/gp/GP_ID/1/format/xml", rows))
    assert root.find("item/OBJECT_NAME").text == "A<B & C>"


def test_metadata_wraps_the_rows_with_counts() -> None:
    body = json.loads(_body("class/gp/orderby/NORAD_CAT_ID/limit/1,1/metadata/true"))
    assert body["request_metadata"] == {
        "Total": 4,
        "Limit": 1,
        "LimitOffset": 1,
        "ReturnedRows": 1,
    }
    assert [row["NORAD_CAT_ID"] for row in body["data"]] == ["25544"]


def test_empty_results() -> None:
    assert _body("class/gp/NORAD_CAT_ID/1") == "[]"
    assert _body("class/gp/NORAD_CAT_ID/1/format/tle") == ""
    assert _body("class/gp/NORAD_CAT_ID/1/format/csv").startswith('"CCSDS_OMM_VERS"')
    assert _body("class/gp/NORAD_CAT_ID/1/format/3le/emptyresult/show") == NO_RESULTS_MESSAGE
    assert _body("class/gp/NORAD_CAT_ID/1/emptyresult/show") == "[]"


def test_tle_and_3le_lines() -> None:
    body = _body("class/gp/NORAD_CAT_ID/25544/format/3le")
    assert body.splitlines() == ["0 ISS (ZARYA)", ISS.tle_line1, ISS.tle_line2]
    assert _body("class/gp/NORAD_CAT_ID/25544/format/tle").splitlines() == [
        ISS.tle_line1,
        ISS.tle_line2,
    ]


def test_nine_digit_catalog_numbers_have_no_tle_but_do_have_kvn() -> None:
    big = dataclasses.replace(GOES, norad_id=270_000_001, tle_line1=None, tle_line2=None)
    rows = [gp_row(big, gp_id=9, creation_date=CREATED)]
    assert rows[0]["TLE_LINE1"] is None
    result = run_query(parse_query("class/gp/format/3le"), rows, now=NOW)
    response = format_result(result)
    assert (response.body, response.omitted_rows) == ("", 1)
    kvn = _body("class/gp/format/kvn", rows)
    (read,) = read_catalog(kvn, source="kvn").element_sets
    assert read.element_set == big


def test_gp_row_derived_columns_use_wgs72() -> None:
    row = gp_row(GOES, gp_id=1, creation_date=CREATED)
    # A geosynchronous orbit (1.0027 rev/day) has a semimajor axis of about 42164 km
    # (Vallado, "Fundamentals of Astrodynamics", 4th ed., table of orbit types).
    assert row["SEMIMAJOR_AXIS"] == pytest.approx(42164.0, abs=2.0)
    assert row["PERIOD"] == pytest.approx(1440.0 / GOES.mean_motion_rev_per_day, abs=5e-4)
    a = 42164.0
    assert row["APOAPSIS"] == pytest.approx(a * (1 + GOES.eccentricity) - 6378.135, abs=2.0)
    assert row["PERIAPSIS"] == pytest.approx(a * (1 - GOES.eccentricity) - 6378.135, abs=2.0)
    iss = gp_row(ISS, gp_id=2, creation_date=CREATED)
    mean_altitude_km = (float(iss["APOAPSIS"]) + float(iss["PERIAPSIS"])) / 2  # type: ignore[arg-type]
    assert 400.0 < mean_altitude_km < 430.0  # the ISS flew at about 415 km in January 2024
    assert math.isclose(
        float(iss["APOAPSIS"]) - float(iss["PERIAPSIS"]),  # type: ignore[arg-type]
        2 * float(iss["SEMIMAJOR_AXIS"]) * ISS.eccentricity,  # type: ignore[arg-type]
        abs_tol=2e-3,
    )


def test_gp_row_writes_tle_lines_when_the_element_set_has_none() -> None:
    row = gp_row(_without_lines(ISS), gp_id=1, creation_date=CREATED)
    line1, line2 = row["TLE_LINE1"], row["TLE_LINE2"]
    assert isinstance(line1, str) and isinstance(line2, str)
    # format_tle writes a zero exponent as '+0' where the source TLE had '-0': same values.
    assert parse_tle(line1, line2, object_name=ISS.object_name) == dataclasses.replace(
        ISS, tle_line1=line1, tle_line2=line2
    )


def test_element_set_from_a_printed_row_is_the_element_set() -> None:
    printed = json.loads(_body("class/gp/NORAD_CAT_ID/20580"))[0]
    assert element_set_from_gp_row(printed) == HUBBLE
    del printed["EPOCH"]
    with pytest.raises(ValueError, match="lacks EPOCH"):
        element_set_from_gp_row(printed)


def test_satcat_json_prints_dates_and_decimals() -> None:
    rows = [{"NORAD_CAT_ID": 25544, "LAUNCH": "1998-11-20", "PERIOD": 92.9, "DECAY": None}]
    (record,) = json.loads(_body("class/satcat/predicates/NORAD_CAT_ID,LAUNCH,PERIOD,DECAY", rows))
    assert record == {
        "NORAD_CAT_ID": "25544",
        "LAUNCH": "1998-11-20",
        "PERIOD": "92.9",
        "DECAY": None,
    }
