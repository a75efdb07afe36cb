"""Format detection, decoding and file-level errors of `read_catalog`; the package surface."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

import accord.formats
from accord.formats import CatalogFormat, FormatError, RecordError, read_catalog

ISS_3LE = (
    "0 ISS (ZARYA)\n"
    "1 25544U 98067A   26202.18553447  .00005896  00000+0  11479-3 0  9991\n"
    "2 25544  51.6316 131.8443 0006849 320.6461  39.4029 15.49071756577020\n"
)
REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("relative", "detected"),
    [
        ("catalogs/celestrak-groups-2026-05-30/stations.tle", CatalogFormat.TLE),
        ("omm/other/tle_celestrak_iss_25544.txt", CatalogFormat.TLE),
        ("omm/python-sgp4_sample_omm.csv", CatalogFormat.GP_CSV),
        ("omm/python-sgp4_sample_omm.json", CatalogFormat.GP_JSON),
        ("omm/python-sgp4_sample_omm.xml", CatalogFormat.OMM_XML),
        ("omm/orekit/OMMExample3.txt", CatalogFormat.OMM_KVN),
        ("omm/orekit/OMMExample4.xml", CatalogFormat.OMM_XML),
    ],
)
def test_format_is_detected_from_content(
    shared: Callable[[str], Path], relative: str, detected: CatalogFormat
) -> None:
    path = shared(relative)
    assert accord.formats.detect_catalog_format(path.read_text(), path.name) is detected


def test_two_line_tle_without_names_is_detected() -> None:
    reading = read_catalog("\n".join(ISS_3LE.splitlines()[1:]), source="two.tle")
    assert reading.format is CatalogFormat.TLE
    assert reading.element_sets[0].element_set.object_name is None


def test_utf8_bom_and_crlf() -> None:
    data = ("\ufeff" + ISS_3LE.replace("\n", "\r\n")).encode("utf-8")
    reading = read_catalog(data, source="bom.tle")
    assert reading.errors == []
    assert reading.element_sets[0].element_set.object_name == "ISS (ZARYA)"


def test_not_utf8_is_a_file_error() -> None:
    with pytest.raises(FormatError) as caught:
        read_catalog(ISS_3LE.encode("utf-8") + b"0 CAF\xe9\n", source="latin1.tle")
    (error,) = caught.value.errors
    assert (error.source, error.line) == ("latin1.tle", 4)
    assert "0xe9" in error.problem


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "is empty"),
        ("   \n\n", "is empty"),
        ("hello world\nthis is not a catalog\n", "starts with 'hello world'"),
        ("<html><body/></html>", "root element <html>"),
    ],
)
def test_undetectable_input_raises_naming_source_and_expected(text: str, problem: str) -> None:
    with pytest.raises(FormatError) as caught:
        read_catalog(text, source="mystery.dat")
    (error,) = caught.value.errors
    assert error.source == "mystery.dat" and problem in error.problem
    assert error.expected is not None and "CCSDS OMM KVN" in error.expected


def test_malformed_xml_raises_with_line() -> None:
    with pytest.raises(FormatError) as caught:
        read_catalog("<omm>\n<header>\n</omm>\n", source="broken.xml")
    (error,) = caught.value.errors
    assert (error.source, error.line) == ("broken.xml", 3)
    assert "not well-formed XML" in error.problem


def test_entity_expansion_is_refused() -> None:
    billion_laughs = (
        '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>\n'
        "<omm><header>&lol2;</header></omm>"
    )
    with pytest.raises(FormatError, match="entity-expansion"):
        read_catalog(billion_laughs, source="lolz.xml")


def test_explicit_format_must_match_the_root_element(shared: Callable[[str], Path]) -> None:
    path = shared("omm/python-sgp4_sample_omm.xml")
    with pytest.raises(FormatError) as caught:
        read_catalog(path.read_bytes(), source=path.name, format=CatalogFormat.GP_XML)
    assert caught.value.errors[0].field == "ndm"


def test_explicit_format_skips_detection() -> None:
    reading = read_catalog("", source="empty.tle", format=CatalogFormat.TLE)
    assert (reading.element_sets, reading.errors) == ([], [])


# --- Package surface and documentation ----------------------------------------------------


def test_all_is_honest() -> None:
    public = {
        name
        for name, value in vars(accord.formats).items()
        if not name.startswith("_") and not isinstance(value, type(accord))
    }
    assert set(accord.formats.__all__) == public


def test_docs_list_every_format_and_show_a_real_error() -> None:
    docs = (REPO / "docs" / "formats.md").read_text(encoding="utf-8")
    for catalog_format in CatalogFormat:
        assert f"`{catalog_format.value}`" in docs, catalog_format
    # The example in the docs is what the reader really says for that input.
    example = re.search(r"```text\n(?P<input>.*?)```\n.*?```text\n(?P<error>.*?)\n```", docs, re.S)
    assert example is not None
    reading = read_catalog(example["input"], source="catalog.tle")
    assert [str(error) for error in reading.errors] == [example["error"]]
    assert isinstance(reading.errors[0], RecordError)


def test_unquoted_gp_csv_led_by_ccsds_omm_vers_is_csv_not_kvn() -> None:
    # Space-Track's GP CSV puts CCSDS_OMM_VERS first; without quotes it must still read as CSV.
    header = "CCSDS_OMM_VERS,OBJECT_NAME,NORAD_CAT_ID,EPOCH"
    row = "3.0,VANGUARD 1,5,2024-10-29T12:18:43.492896"
    detect = accord.formats.detect_catalog_format
    assert detect(f"{header}\n{row}\n", "gp.csv") is CatalogFormat.GP_CSV
    assert detect("CCSDS_OMM_VERS = 3.0\n", "x.kvn") is CatalogFormat.OMM_KVN
