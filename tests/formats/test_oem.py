"""OEM reader and writer: every real file reads, malformed ones are rejected precisely."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from accord.formats import FormatError, OrbitEphemerisMessage, format_oem_kvn, read_oem

VALID = [
    "oem/nasa-iss/ISS.OEM_J2K_EPH_2025-02-26.xml",
    "oem/orekit/ISS.resampled.truncated.txt",
    "oem/orekit/OEMExample1.txt",
    "oem/orekit/OEMExample2.txt",
    "oem/orekit/OEMExample3.txt",
    "oem/orekit/OEMExample3.xml",
    "oem/orekit/OEMExample4.txt",
    "oem/orekit/OEMExample5.txt",
    "oem/orekit/OEMExample5ITRF.txt",
    "oem/orekit/OEMExample6.txt",
    "oem/orekit/OEMExample8.txt",
    "oem/orekit/OEMExample9.txt",
    "oem/orekit/OEMExampleWithHeaderComment.txt",
    "oem/orekit/oemLowerCaseValue.oem",
    "oem/orekit/test.oem",
    "oem/orekit/test_cov.oem",
    # OEM-Issue839.txt sits under invalid/ in the shared data, but it is OEMExample1.txt
    # with TIME_SYSTEM = TAI and no CLASSIFICATION: a valid message (Orekit reads it too).
    "oem/orekit/invalid/OEM-Issue839.txt",
    "odm-bluebook-examples/oem_g11.kvn",
    "odm-bluebook-examples/oem_g12.kvn",
    "odm-bluebook-examples/oem_g13.kvn",
    "odm-bluebook-examples/oem_g14.xml",
]

#: Each malformed Orekit file: the (line, field) the first error must name.
INVALID = {
    "OEM-covariance-number-format-error.txt": (52, "covariance row 2"),
    "OEM-ephemeris-number-format-error.txt": (44, "Z"),
    "OEM-inconsistent-time-systems.txt": (33, "TIME_SYSTEM"),
    "OEM-keyword-within-covariance.txt": (91, "USER_DEFINED_TEST_KEY"),
    "OEM-keyword-within-ephemeris.txt": (24, "USER_DEFINED_TEST_KEY"),
    "OEM-too-few-covariance-columns.txt": (55, "covariance"),
    "OEM-too-large-covariance-dimension.txt": (91, "covariance"),
    "OEM-too-many-covariance-columns.txt": (51, "covariance"),
    "OEM-too-small-covariance-dimension.txt": (88, "covariance"),
    "OEM-wrong-keyword.txt": (19, "WRONG_KEYWORD"),
}


def _read(shared: Callable[[str], Path], name: str) -> OrbitEphemerisMessage:
    return read_oem(shared(name).read_bytes(), source=Path(name).name)


@pytest.mark.parametrize("name", VALID)
def test_real_files_read_and_round_trip_through_kvn(
    shared: Callable[[str], Path], name: str
) -> None:
    oem = _read(shared, name)
    assert oem.segments and all(len(segment) >= 1 for segment in oem.segments)
    again = read_oem(format_oem_kvn(oem), source="written")
    assert again.header == oem.header
    for first, second in zip(oem.segments, again.segments, strict=True):
        assert first.metadata == second.metadata
        np.testing.assert_array_equal(first.epochs, second.epochs)
        np.testing.assert_array_equal(first.position_km, second.position_km)
        np.testing.assert_array_equal(first.velocity_km_s, second.velocity_km_s)
        assert [c.lower_triangle for c in first.covariances] == [
            c.lower_triangle for c in second.covariances
        ]


@pytest.mark.parametrize("name", sorted(INVALID))
def test_malformed_files_are_rejected_naming_line_and_field(
    shared: Callable[[str], Path], name: str
) -> None:
    with pytest.raises(FormatError) as caught:
        _read(shared, f"oem/orekit/invalid/{name}")
    first = caught.value.errors[0]
    assert (first.line, first.field) == INVALID[name]
    assert name in str(caught.value)


def test_nasa_iss_xml_states_and_metadata(shared: Callable[[str], Path]) -> None:
    oem = _read(shared, "oem/nasa-iss/ISS.OEM_J2K_EPH_2025-02-26.xml")
    (segment,) = oem.segments
    assert len(segment) == 5413
    assert segment.metadata.ref_frame == "EME2000"
    assert segment.metadata.time_system == "UTC"
    assert segment.epochs[0] == np.datetime64("2025-02-26T12:00:00", "ns")
    assert segment.epochs[-1] == np.datetime64("2025-03-13T12:00:00", "ns")
    steps = np.diff(segment.epochs)
    # 4-minute steps, denser near the end of the span (the Crew-10 docking).
    assert np.all(steps > np.timedelta64(0, "s"))
    assert np.median(steps) == np.timedelta64(240, "s")
    np.testing.assert_array_equal(
        segment.position_km[0], [236.607189722756, -5167.4525798095301, 4405.8223442860099]
    )
    assert any("MASS=454339.00" in comment for comment in segment.data_comments)


def test_covariance_blocks_and_accelerations(shared: Callable[[str], Path]) -> None:
    oem = _read(shared, "oem/orekit/OEMExample1.txt")
    first, second = oem.segments[2].covariances
    assert (first.ref_frame, second.ref_frame) == ("RTN", "EME2000")
    assert first.matrix[1, 0] == first.matrix[0, 1] == 4.6189273e-04
    assert first.matrix[5, 5] == 6.2244443e-10
    xml = _read(shared, "odm-bluebook-examples/oem_g14.xml").segments[0]
    assert xml.acceleration_km_s2 is not None
    assert xml.acceleration_km_s2[0].tolist() == [0.008, 0.001, -0.159]
    assert xml.covariances[0].ref_frame == "ITRF1997"
    assert xml.covariances[0].matrix[5, 3] == 0.435  # CZ_DOT_X_DOT


def test_nanosecond_epochs_survive(shared: Callable[[str], Path]) -> None:
    segment = _read(shared, "oem/orekit/OEMExample5.txt").segments[0]
    assert segment.epochs[0] == np.datetime64("2017-04-11T22:31:43.121856000", "ns")
    kvn = (
        "CCSDS_OEM_VERS = 3.0\nCREATION_DATE = 2024-01-01T00:00:00\nORIGINATOR = X\n"
        "META_START\nOBJECT_NAME = A\nOBJECT_ID = 2024-001A\nCENTER_NAME = EARTH\n"
        "REF_FRAME = GCRF\nTIME_SYSTEM = UTC\nSTART_TIME = 2024-001T00:00:00.123456789Z\n"
        "STOP_TIME = 2024-001T00:01:00\nMETA_STOP\n"
        "2024-001T00:00:00.123456789 7000 0 0 0 7.5 0\n"
    )
    oem = read_oem(kvn)
    expected = np.datetime64("2024-01-01T00:00:00.123456789", "ns")
    assert oem.segments[0].epochs[0] == oem.segments[0].metadata.start_time == expected
    assert read_oem(format_oem_kvn(oem)).segments[0].epochs[0] == expected


def test_missing_mandatory_metadata_is_reported_at_meta_start() -> None:
    kvn = (
        "CCSDS_OEM_VERS = 2.0\nCREATION_DATE = 2024-01-01T00:00:00\nORIGINATOR = X\n"
        "META_START\nOBJECT_NAME = A\nCENTER_NAME = EARTH\nREF_FRAME = GCRF\n"
        "TIME_SYSTEM = UTC\nSTART_TIME = 2024-01-01T00:00:00\nSTOP_TIME = 2024-01-01T00:01:00\n"
        "META_STOP\n2024-01-01T00:00:00 7000 0 0 0 7.5 0\n"
    )
    with pytest.raises(FormatError) as caught:
        read_oem(kvn, source="t.oem")
    assert [(e.line, e.field) for e in caught.value.errors] == [(4, "OBJECT_ID")]
