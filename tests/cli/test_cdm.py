"""`accord cdm` and `accord pc` on the real CDMs of the shared data."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from accord.cli import app
from accord.formats import FormatError


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_pc_of_an_alfano_case_matches_caras_expected_value(
    runner: CliRunner, shared: Callable[[str], Path]
) -> None:
    path = shared("cdm/nasa-cara/SampleCDMs/AlfanoTestCase01.cdm")
    result = runner.invoke(app, ["pc", str(path)])
    assert result.exit_code == 0, result.output
    # CARA's Pc2D_Foster unit test expects 0.146749549 for case 1 (alfano_expected_pc.csv),
    # within 1e-3 relative.
    printed = float(result.output.split("Pc = ")[1].split()[0])
    assert printed == pytest.approx(0.146749549, rel=1e-3)
    assert "FOSTER-1992" in result.output


def test_pc_asks_for_a_radius_when_the_cdm_has_none(
    runner: CliRunner, shared: Callable[[str], Path]
) -> None:
    path = shared("cdm/ccsds508_example_section4.kvn")
    refused = runner.invoke(app, ["pc", str(path)])
    assert refused.exit_code == 2 and "--hbr-m" in refused.output
    given = runner.invoke(app, ["pc", str(path), "--hbr-m", "20"])
    assert given.exit_code == 0 and "the CDM states 4.835000e-05 (FOSTER-1992)" in given.output


def test_validate_accepts_a_valid_cdm_and_rejects_a_malformed_one(
    runner: CliRunner, shared: Callable[[str], Path]
) -> None:
    valid = runner.invoke(app, ["cdm", "validate", str(shared("cdm/orekit/CDMExample1.txt"))])
    assert valid.exit_code == 0 and "valid CDM" in valid.output
    broken = shared("cdm/orekit/invalid/CDM-missing-TCA.txt")
    result = runner.invoke(app, ["cdm", "validate", str(broken)])
    assert result.exit_code == 1 and isinstance(result.exception, FormatError)
    assert "CDM-missing-TCA.txt, line 5, field TCA" in str(result.exception)


def test_show_prints_the_encounter_and_both_objects(
    runner: CliRunner, shared: Callable[[str], Path]
) -> None:
    path = shared("cdm/ccsds508_example_section4.xml")
    result = runner.invoke(app, ["cdm", "show", str(path)], env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    for text in ("2010-03-13T22:37:52.618", "715.0", "SATELLITE A", "FENGYUN 1C DEB"):
        assert text in result.output
