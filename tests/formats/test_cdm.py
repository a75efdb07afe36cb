"""CCSDS 508.0-B-1 CDM reading and writing: real files, malformed files, round trips."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.formats import (
    CdmHeader,
    CdmObject,
    CdmObjectMetadata,
    CdmRelativeData,
    CdmRtnCovariance,
    CdmStateVector,
    ConjunctionDataMessage,
    FormatError,
    _cdm_build,
    _cdm_model,
    format_cdm_json,
    format_cdm_kvn,
    format_cdm_xml,
    read_cdm,
)
from tests._shared_data import shared_data_dir

Shared = Callable[[str], Path]
WRITERS = {"kvn": format_cdm_kvn, "xml": format_cdm_xml, "json": format_cdm_json}


def _cdm_files(invalid: bool) -> list[str]:
    root = shared_data_dir()
    if root is None:
        return ["cdm/ccsds508_example_section4.kvn"]  # the shared fixture skips or fails
    found = [
        str(p.relative_to(root))
        for p in sorted((root / "cdm").rglob("*"))
        if p.suffix in {".txt", ".xml", ".kvn", ".cdm"} and ("invalid" in p.parts) == invalid
    ]
    return found


# Orekit keeps this file among its malformed inputs, but it is a valid CDM (byte-identical
# to CDMExample1.txt) and Orekit's current test reads it, defaulting ORBIT_CENTER to Earth.
VALID_DESPITE_FOLDER = "cdm/orekit/invalid/CDM-no-orbit-center-defined-obj1.txt"

#: Each malformed file: the line and keyword the error must name.
MALFORMED = {
    "cdm/orekit/invalid/CDM-covariance-wrong-entry-format.txt": (65, "CRDOT_T"),
    "cdm/orekit/invalid/CDM-missing-TCA.txt": (5, "TCA"),
    "cdm/orekit/invalid/CDM-missing-object1-covariance-block.xml": (38, "CR_R"),
    "cdm/orekit/invalid/CDM-missing-object2-state-vector.txt": (43, "X"),
    "cdm/orekit/invalid/CDM-wrong-key-word.txt": (6, "WRONG_KEYWORD"),
    "cdm/orekit/invalid/CDMExample1InvalidTca.txt": (5, "TCA"),
    "cdm/orekit/invalid/CDMExample_issue1319_mandatory_empty_value.xml": (88, "X"),
}


@pytest.mark.parametrize("relative", [*_cdm_files(invalid=False), VALID_DESPITE_FOLDER])
def test_every_real_cdm_reads_and_round_trips_in_every_syntax(
    shared: Shared, relative: str
) -> None:
    path = shared(relative)
    cdm = read_cdm(path.read_bytes(), source=path.name)
    assert cdm.object1.metadata.object == "OBJECT1"
    assert cdm.object2.metadata.object == "OBJECT2"
    assert cdm.relative.tca.tzinfo is UTC
    for name, writer in WRITERS.items():
        again = read_cdm(writer(cdm), source=f"{path.name} as {name}")
        if name == "kvn":
            # KVN has no block markers: a comment of a block with no values (CARA's all-NaN
            # OD parameters) is read back with the next block. Values and comments survive.
            assert _without_comments(again) == _without_comments(cdm)
            assert sorted(_all_comments(again)) == sorted(_all_comments(cdm))
        else:
            assert again == cdm, name


def _sections(cdm: ConjunctionDataMessage) -> list[object]:
    blocks: list[object] = [cdm.header, cdm.relative]
    for obj in cdm.objects:
        blocks += [obj.metadata, obj.od_parameters, obj.additional_parameters]
        blocks += [obj.state_vector, obj.covariance]
    return blocks


def _all_comments(cdm: ConjunctionDataMessage) -> list[str]:
    return [c for block in _sections(cdm) for c in block.comments]  # type: ignore[attr-defined]


def _without_comments(cdm: ConjunctionDataMessage) -> list[object]:
    return [dataclasses.replace(b, comments=()) for b in _sections(cdm)]  # type: ignore[type-var]


def test_every_malformed_file_is_listed() -> None:
    listed = set(MALFORMED) | {VALID_DESPITE_FOLDER}
    assert set(_cdm_files(invalid=True)) <= listed


@pytest.mark.parametrize("relative", sorted(MALFORMED))
def test_malformed_cdm_is_rejected_naming_line_and_field(shared: Shared, relative: str) -> None:
    path = shared(relative)
    line, field = MALFORMED[relative]
    with pytest.raises(FormatError) as caught:
        read_cdm(path.read_bytes(), source=path.name)
    first = caught.value.errors[0]
    assert (first.source, first.line, first.field) == (path.name, line, field)
    assert f"line {line}" in str(caught.value) and f"field {field}" in str(caught.value)


def test_blue_book_example_values_and_units(shared: Shared) -> None:
    path = shared("cdm/ccsds508_example_section4.xml")
    cdm = read_cdm(path.read_bytes(), source=path.name)
    assert cdm.header.creation_date == datetime(2010, 3, 12, 22, 31, 12, tzinfo=UTC)
    assert cdm.relative.tca == datetime(2010, 3, 13, 22, 37, 52, 618000, tzinfo=UTC)
    assert cdm.relative.miss_distance_m == 715.0
    assert cdm.relative.relative_velocity_t_m_s == -14692.0
    assert cdm.object2.metadata.object_name == "FENGYUN 1C DEB"
    assert cdm.object1.state_vector.x_km == 2570.097065
    assert cdm.object2.covariance.position_m2[1, 0] == -4.806e04
    assert cdm.object1.od_parameters.residuals_accepted_percent == 97.8


def test_nine_by_nine_covariance_and_cdm2_extensions_are_kept(shared: Shared) -> None:
    nine = read_cdm(shared("cdm/orekit/CDMExample4.txt").read_bytes())
    assert nine.object1.covariance.dimension == 9
    assert nine.object1.covariance.matrix().shape == (9, 9)
    v2 = read_cdm(shared("cdm/orekit/CDMExample_issue_940.txt").read_bytes())
    assert v2.header.version == "2.0"
    assert ("HBR", "2.5") in v2.object1.additional_parameters.extensions
    assert ("CX_X", "0.1") in v2.object1.covariance.extensions
    assert v2.object1.covariance.dimension == 6  # CDRG_DRG etc. there belong to the XYZ block


def test_kvn_detects_day_of_year_times_and_rejects_bad_ones() -> None:
    assert _cdm_build.parse_time("2010-072T22:37:52.618") == datetime(
        2010, 3, 13, 22, 37, 52, 618000, tzinfo=UTC
    )
    with pytest.raises(ValueError):
        _cdm_build.parse_time("2010-366T00:00:00")


def test_keyword_tables_agree_with_the_dataclasses() -> None:
    tables = [
        (CdmHeader, _cdm_model.HEADER_FIELDS),
        (CdmRelativeData, _cdm_model.RELATIVE_FIELDS),
        (CdmObjectMetadata, _cdm_model.METADATA_FIELDS),
        (_cdm_model.CdmOdParameters, _cdm_model.OD_FIELDS),
        (_cdm_model.CdmAdditionalParameters, _cdm_model.ADDITIONAL_FIELDS),
        (CdmStateVector, _cdm_model.STATE_FIELDS),
    ]
    for cls, specs in tables:
        names = {f.name for f in dataclasses.fields(cls)}
        assert [s.attribute for s in specs if s.attribute not in names] == []


# --- generated messages --------------------------------------------------------------------

_text = st.text(
    alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters="<>&[]="),
    min_size=1,
    max_size=12,
)
_finite = st.floats(
    allow_nan=False, allow_infinity=False, width=64, min_value=-1e12, max_value=1e12
)
_times = st.datetimes(
    min_value=datetime(1990, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)
)
_comments = st.lists(_text, max_size=2).map(tuple)


def _object(number: int) -> st.SearchStrategy[CdmObject]:
    metadata = st.builds(
        CdmObjectMetadata,
        object=st.just(f"OBJECT{number}"),
        object_designator=_text, catalog_name=_text, object_name=_text,
        international_designator=_text, ephemeris_name=_text, covariance_method=_text,
        maneuverable=st.sampled_from(["YES", "NO", "N/A"]), ref_frame=st.just("EME2000"),
        orbit_center=st.none() | st.just("EARTH"), comments=_comments,
    )  # fmt: skip
    state = st.builds(
        CdmStateVector, _finite, _finite, _finite, _finite, _finite, _finite, comments=_comments
    )
    covariance = st.builds(
        CdmRtnCovariance,
        st.sampled_from([21, 28, 36, 45]).flatmap(
            lambda n: st.lists(_finite, min_size=n, max_size=n).map(tuple)
        ),
        comments=_comments,
    )
    return st.builds(CdmObject, metadata=metadata, state_vector=state, covariance=covariance)


_messages = st.builds(
    ConjunctionDataMessage,
    header=st.builds(
        CdmHeader,
        creation_date=_times,
        originator=_text,
        message_id=_text,
        message_for=st.none() | _text,
        comments=_comments,
    ),  # fmt: skip
    relative=st.builds(
        CdmRelativeData,
        tca=_times,
        miss_distance_m=_finite,
        relative_speed_m_s=st.none() | _finite,
        collision_probability=st.none() | _finite,
        collision_probability_method=st.none() | _text,
        screen_entry_time=st.none() | _times,
        comments=_comments,
    ),  # fmt: skip
    object1=_object(1),
    object2=_object(2),
)


@settings(max_examples=40, deadline=None)
@given(cdm=_messages, syntax=st.sampled_from(sorted(WRITERS)))
def test_written_cdms_read_back_identically(cdm: ConjunctionDataMessage, syntax: str) -> None:
    assert read_cdm(WRITERS[syntax](cdm)) == cdm


def test_writer_always_emits_every_mandatory_keyword(shared: Shared) -> None:
    cdm = read_cdm(shared("cdm/orekit/CDMExample1.txt").read_bytes())
    text = format_cdm_kvn(cdm)
    mandatory = [
        s.keyword
        for specs in (
            _cdm_model.HEADER_FIELDS,
            _cdm_model.RELATIVE_FIELDS,
            _cdm_model.METADATA_FIELDS,
            _cdm_model.STATE_FIELDS,
        )  # fmt: skip
        for s in specs
        if s.mandatory
    ]
    keywords = [line.split("=")[0].strip() for line in text.splitlines()]
    for keyword in ["CCSDS_CDM_VERS", *mandatory, *_cdm_model.COVARIANCE_RTN_KEYWORDS[:21]]:
        assert keyword in keywords
    assert "MISS_DISTANCE                        = 715.0 [m]" in text.splitlines()
