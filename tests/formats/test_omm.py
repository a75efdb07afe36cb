"""CCSDS OMM (502.0-B-3) in KVN and XML: the shared examples, the invalid ones, writing."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.formats import (
    MAX_NORAD_ID,
    WGS72_GM_KM3_PER_S2,
    CatalogFormat,
    ElementSet,
    FormatError,
    format_omm_kvn,
    read_catalog,
)

# GOES 9 as in CCSDS 502.0-B-3 Annex G figures G-7 to G-10 (epoch day 064 of 2020), and in
# Orekit's examples (the same elements in 2007).
GOES9_2020 = ElementSet(
    norad_id=23581,
    epoch=datetime(2020, 3, 4, 10, 34, 41, 426400, tzinfo=UTC),
    mean_motion_rev_per_day=1.00273272,
    eccentricity=0.0005013,
    inclination_deg=3.0539,
    raan_deg=81.7939,
    arg_of_pericenter_deg=249.2363,
    mean_anomaly_deg=150.1602,
    bstar_per_earth_radius=0.0001,
    mean_motion_dot_rev_per_day2=-0.00000113,
    mean_motion_ddot_rev_per_day3=0.0,
    object_name="GOES 9",
    object_id="1995-025A",
    element_set_no=925,
    rev_at_epoch=4316,
)
GOES9_2007 = dataclasses.replace(
    GOES9_2020, epoch=datetime(2007, 3, 5, 10, 34, 41, 426400, tzinfo=UTC)
)


def _read(shared: Callable[[str], Path], relative: str) -> tuple[Path, list[ElementSet], list]:
    path = shared(relative)
    reading = read_catalog(path.read_bytes(), source=path.name)
    return path, [item.element_set for item in reading.element_sets], reading.errors


@pytest.mark.parametrize(
    ("relative", "expected", "file_format"),
    [
        ("odm-bluebook-examples/omm_g7.kvn", GOES9_2020, CatalogFormat.OMM_KVN),
        ("odm-bluebook-examples/omm_g8.kvn", GOES9_2020, CatalogFormat.OMM_KVN),
        ("odm-bluebook-examples/omm_g9.kvn", GOES9_2020, CatalogFormat.OMM_KVN),  # with units
        (
            "odm-bluebook-examples/omm_g10.xml",
            dataclasses.replace(GOES9_2020, object_name="GOES-9"),
            CatalogFormat.OMM_XML,
        ),
        ("omm/orekit/OMMExample1.txt", GOES9_2007, CatalogFormat.OMM_KVN),
        ("omm/orekit/OMMExample2.txt", GOES9_2007, CatalogFormat.OMM_KVN),
        (
            "omm/orekit/OMMExample2.xml",
            dataclasses.replace(GOES9_2007, object_name="GOES-9"),
            CatalogFormat.OMM_XML,
        ),
        (
            "omm/orekit/OMM-with-units.xml",
            dataclasses.replace(GOES9_2007, object_name="GOES-9"),
            CatalogFormat.OMM_XML,
        ),
    ],
)
def test_goes9_examples(
    shared: Callable[[str], Path],
    relative: str,
    expected: ElementSet,
    file_format: CatalogFormat,
) -> None:
    path = shared(relative)
    reading = read_catalog(path.read_bytes(), source=path.name)
    assert reading.format is file_format
    assert reading.errors == []
    assert [item.element_set for item in reading.element_sets] == [expected]


@pytest.mark.parametrize("relative", ["omm/orekit/OMMExample4.txt", "omm/orekit/OMMExample4.xml"])
def test_starlette_kvn_and_xml_agree(shared: Callable[[str], Path], relative: str) -> None:
    _, element_sets, errors = _read(shared, relative)
    assert errors == []
    (starlette,) = element_sets
    assert starlette.norad_id == 7646
    assert starlette.epoch == datetime(2021, 3, 22, 13, 21, 9, 224928, tzinfo=UTC)
    assert starlette.bstar_per_earth_radius == -0.47102e-5
    assert starlette.mean_motion_dot_rev_per_day2 == -0.147e-5


def test_ndm_of_three_space_track_omms(shared: Callable[[str], Path]) -> None:
    _, element_sets, errors = _read(shared, "odm-bluebook-examples/ndm_g21.xml")
    assert errors == []
    assert [element_set.norad_id for element_set in element_sets] == [44914, 44915, 44916]
    assert element_sets[0].object_name == "STARLINK-1073"


def test_ndm_reports_messages_that_are_not_omm(shared: Callable[[str], Path]) -> None:
    path = shared("odm-bluebook-examples/ndm_g22.xml")
    reading = read_catalog(path.read_bytes(), source=path.name)
    assert [(item.record, item.element_set.norad_id) for item in reading.element_sets] == [
        (2, 25544)
    ]
    assert [(error.record, error.field) for error in reading.errors] == [
        (1, "opm"),
        (3, "oem"),
        (4, "ocm"),
    ]
    assert reading.record_count == 4


@pytest.mark.parametrize(
    ("relative", "fields"),
    [
        # TOD frame, MRT time system, a non-SGP4 theory, and no NORAD_CAT_ID.
        (
            "omm/orekit/OMMExample3.txt",
            {"REF_FRAME", "TIME_SYSTEM", "MEAN_ELEMENT_THEORY", "NORAD_CAT_ID"},
        ),
        ("omm/orekit/OMMExample3_utc.txt", {"REF_FRAME", "MEAN_ELEMENT_THEORY", "NORAD_CAT_ID"}),
        # SGP4-XP: BTERM/AGOM instead of BSTAR/MEAN_MOTION_DDOT, ephemeris type 4.
        ("omm/orekit/OMMExample5.txt", {"MEAN_ELEMENT_THEORY", "EPHEMERIS_TYPE"}),
    ],
)
def test_examples_accord_cannot_propagate_are_rejected(
    shared: Callable[[str], Path], relative: str, fields: set[str]
) -> None:
    path, element_sets, errors = _read(shared, relative)
    assert element_sets == []
    assert fields <= {error.field for error in errors}
    theory = next(error for error in errors if error.field == "MEAN_ELEMENT_THEORY")
    assert "Accord propagates SGP4 mean elements only" in theory.problem
    assert str(theory).startswith(f"{path.name}, record 1, line ")


@pytest.mark.parametrize(
    ("name", "field", "line"),
    [
        ("OMM-empty-object-id.txt", "OBJECT_ID", 6),
        ("OMM-empty-object-id.xml", "OBJECT_ID", None),
        ("OMM-number-format-error.txt", "ARG_OF_PERICENTER", 15),
        ("OMM-wrong-keyword.txt", "WRONG_KEYWORD", 9),
        ("spurious-metadata.xml", "metadata", None),
    ],
)
def test_orekit_invalid_files_are_rejected_naming_source_and_field(
    shared: Callable[[str], Path], name: str, field: str, line: int | None
) -> None:
    path = shared(f"omm/orekit/invalid/{name}")
    reading = read_catalog(path.read_bytes(), source=path.name)
    assert reading.element_sets == []
    error = reading.errors[0]
    assert (error.source, error.record, error.line, error.field) == (name, 1, line, field)
    assert str(error).startswith(name) and f"field {field}" in str(error)


def test_every_orekit_invalid_file_is_covered(shared: Callable[[str], Path]) -> None:
    folder = shared("omm/orekit/invalid")
    for path in sorted(folder.iterdir()):
        reading = read_catalog(path.read_bytes(), source=path.name)
        assert reading.element_sets == [] and reading.errors, path.name
        assert all(error.source == path.name and error.field for error in reading.errors)


def test_iss_kvn_and_tle_give_the_same_elements(shared: Callable[[str], Path]) -> None:
    _, (from_kvn,), _ = _read(shared, "omm/other/omm_celestrak_iss_25544.kvn")
    _, (from_tle,), _ = _read(shared, "omm/other/tle_celestrak_iss_25544.txt")
    # The OMM carries more digits than TLE columns hold: eccentricity 8 decimals where the
    # TLE has 7 (.00068493 -> 0006849), BSTAR 8 significant digits where the TLE has 5.
    assert from_kvn.eccentricity == pytest.approx(from_tle.eccentricity, abs=0.5e-7)
    assert from_kvn.bstar_per_earth_radius == pytest.approx(
        from_tle.bstar_per_earth_radius, abs=0.5e-8
    )
    assert dataclasses.replace(from_tle, tle_line1=None, tle_line2=None) == dataclasses.replace(
        from_kvn,
        eccentricity=from_tle.eccentricity,
        bstar_per_earth_radius=from_tle.bstar_per_earth_radius,
    )


# --- Handmade KVN -----------------------------------------------------------------------

ISS_KVN = """CCSDS_OMM_VERS = 3.0
CREATION_DATE  = 2026-07-21T06:00:00
ORIGINATOR     = TEST
OBJECT_NAME    = ISS (ZARYA)
OBJECT_ID      = 1998-067A
CENTER_NAME    = EARTH
REF_FRAME      = TEME
TIME_SYSTEM    = UTC
MEAN_ELEMENT_THEORY = SGP4
EPOCH          = 2026-07-21T04:27:10.178208
MEAN_MOTION    = 15.49071756 [rev/day]
ECCENTRICITY   = .00068493
INCLINATION    = 51.6316 [deg]
RA_OF_ASC_NODE = 131.8443
ARG_OF_PERICENTER = 320.6461
MEAN_ANOMALY   = 39.4029
NORAD_CAT_ID   = 25544
BSTAR          = .11479289E-3
MEAN_MOTION_DOT = .5896E-4
MEAN_MOTION_DDOT = 0
"""


def _kvn_errors(text: str) -> list[tuple[int | None, str | None]]:
    reading = read_catalog(text, source="hand.kvn")
    return [(error.line, error.field) for error in reading.errors]


def test_wrong_units_are_refused() -> None:
    text = ISS_KVN.replace("51.6316 [deg]", "0.9011 [rad]")
    reading = read_catalog(text, source="hand.kvn")
    (error,) = reading.errors
    assert (error.line, error.field, error.expected) == (
        13,
        "INCLINATION",
        "[deg] as CCSDS 502.0-B-3 defines",
    )


def test_semi_major_axis_is_converted_with_keplers_third_law() -> None:
    mean_motion = 15.49071756
    radians_per_second = mean_motion * 2.0 * math.pi / 86_400.0
    semi_major_axis_km = (WGS72_GM_KM3_PER_S2 / radians_per_second**2) ** (1.0 / 3.0)
    text = ISS_KVN.replace(
        "MEAN_MOTION    = 15.49071756 [rev/day]", f"SEMI_MAJOR_AXIS = {semi_major_axis_km!r} [km]"
    )
    (item,) = read_catalog(text, source="sma.kvn").element_sets
    assert item.element_set.mean_motion_rev_per_day == pytest.approx(mean_motion, rel=1e-14)


def test_semi_major_axis_with_mean_motion_is_ambiguous() -> None:
    text = ISS_KVN.replace("ECCENTRICITY", "SEMI_MAJOR_AXIS = 6790\nECCENTRICITY")
    assert _kvn_errors(text) == [(12, "SEMI_MAJOR_AXIS")]


def test_missing_catalog_number_keeps_the_omm_out() -> None:
    text = ISS_KVN.replace("NORAD_CAT_ID   = 25544\n", "")
    reading = read_catalog(text, source="anon.kvn")
    (error,) = reading.errors
    assert error.field == "NORAD_CAT_ID" and "cannot enter" in error.problem


def test_nine_digit_catalog_number_and_several_messages() -> None:
    text = ISS_KVN + "\n" + ISS_KVN.replace("= 25544", "= 999999999")
    reading = read_catalog(text, source="two.kvn")
    assert [(item.record, item.line) for item in reading.element_sets] == [(1, 1), (2, 22)]
    assert reading.element_sets[1].element_set.norad_id == MAX_NORAD_ID


def test_duplicate_keyword_and_bad_line() -> None:
    text = ISS_KVN.replace(
        "CENTER_NAME", "this is not a keyword line\nOBJECT_ID = 1998-067A\nCENTER_NAME"
    )
    assert _kvn_errors(text) == [(6, "line"), (7, "OBJECT_ID")]


def test_kvn_without_header_raises() -> None:
    with pytest.raises(FormatError) as caught:
        read_catalog(ISS_KVN.split("\n", 1)[1], source="headless.kvn", format=CatalogFormat.OMM_KVN)
    (error,) = caught.value.errors
    assert (error.source, error.line, error.field) == ("headless.kvn", 1, "CCSDS_OMM_VERS")


# --- Writing ----------------------------------------------------------------------------


def test_written_kvn_reads_back_identically() -> None:
    text = format_omm_kvn([GOES9_2020, GOES9_2007], creation_date=datetime(2026, 1, 1, tzinfo=UTC))
    assert text.startswith("CCSDS_OMM_VERS      = 3.0\nCREATION_DATE       = 2026-01-01T00:00:00")
    reading = read_catalog(text, source="written.kvn")
    assert reading.errors == []
    assert [item.element_set for item in reading.element_sets] == [GOES9_2020, GOES9_2007]


def test_kvn_writer_carries_nine_digit_ids() -> None:
    element_set = dataclasses.replace(GOES9_2020, norad_id=MAX_NORAD_ID)
    (item,) = read_catalog(format_omm_kvn(element_set), source="big.kvn").element_sets
    assert item.element_set.norad_id == MAX_NORAD_ID
    with pytest.raises(ValueError, match="outside"):
        format_omm_kvn(dataclasses.replace(GOES9_2020, norad_id=MAX_NORAD_ID + 1))


_finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1.0, max_value=1.0)


@given(
    norad_id=st.integers(min_value=1, max_value=MAX_NORAD_ID),
    epoch=st.datetimes(
        min_value=datetime(1957, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
    ),
    mean_motion=st.floats(min_value=1e-3, max_value=20.0, exclude_min=True),
    eccentricity=st.floats(min_value=0.0, max_value=1.0, exclude_max=True),
    inclination=st.floats(min_value=0.0, max_value=180.0),
    angles=st.tuples(*[st.floats(min_value=0.0, max_value=360.0, exclude_max=True)] * 3),
    derivatives=st.tuples(_finite, _finite, _finite),
    name=st.text(alphabet="ABCXYZ0123456789 -()/", min_size=1, max_size=24)
    .map(str.strip)
    .filter(bool),
)
def test_kvn_round_trip_is_exact(
    norad_id: int,
    epoch: datetime,
    mean_motion: float,
    eccentricity: float,
    inclination: float,
    angles: tuple[float, float, float],
    derivatives: tuple[float, float, float],
    name: str,
) -> None:
    element_set = ElementSet(
        norad_id=norad_id,
        epoch=epoch,
        mean_motion_rev_per_day=mean_motion,
        eccentricity=eccentricity,
        inclination_deg=inclination,
        raan_deg=angles[0],
        arg_of_pericenter_deg=angles[1],
        mean_anomaly_deg=angles[2],
        bstar_per_earth_radius=derivatives[0],
        mean_motion_dot_rev_per_day2=derivatives[1],
        mean_motion_ddot_rev_per_day3=derivatives[2],
        object_name=name,
        object_id="2024-001A",
    )
    (item,) = read_catalog(format_omm_kvn(element_set), source="rt.kvn").element_sets
    assert item.element_set == element_set
