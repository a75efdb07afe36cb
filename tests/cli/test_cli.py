"""The `accord` command against a real SQLite store in a temporary folder."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from accord.cli import app

ESA = "European Space Agency"
#: ISS element set (CelesTrak, 2026-05-30) used by several tests; read from the shared data.
STATIONS = "catalogs/celestrak-groups-2026-05-30/stations.tle"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """Environment of a fresh installation: its own var dir, no demo seeding, no network."""
    return {
        "ACCORD_VAR_DIR": str(tmp_path / "var"),
        "ACCORD_DATABASE_URL": "",
        "ACCORD_SEED_DEMO": "false",
        "ACCORD_DEMO_CATALOG": "synthetic",
        "ACCORD_DEMO_SYNTHETIC_OBJECTS": "300",
        "COLUMNS": "200",
    }


@pytest.fixture
def accord(env: dict[str, str]) -> Callable[..., Result]:
    runner = CliRunner()

    def invoke(*args: str, expect: int = 0) -> Result:
        result = runner.invoke(app, list(args), env=env, terminal_width=200)
        assert result.exit_code == expect, result.output
        return result

    return invoke


def _output(result: Result) -> str:
    return result.output


def test_help_lists_every_command(accord: Callable[..., Result]) -> None:
    text = _output(accord("--help"))
    for command in ("catalog", "partner", "propagate", "serve", "demo"):
        assert command in text


def test_import_list_show_and_propagate_a_real_file(
    accord: Callable[..., Result], shared: Callable[[str], Path], tmp_path: Path
) -> None:
    stations = shared(STATIONS)
    accord("partner", "add", ESA, "--kind", "space_agency", "--country", "FR")
    report_path = tmp_path / "report.json"
    imported = _output(
        accord("catalog", "import", "-p", ESA, str(stations), "--report", str(report_path))
    )
    assert "25 records: 25 stored, 0 rejected" in imported
    report = json.loads(report_path.read_text())
    assert report[0]["stored"] is True and report[0]["accepted"] == 25

    listed = _output(accord("catalog", "list", "-s", "ZARYA"))
    assert "25544" in listed and "1998-067A" in listed and ESA in listed

    shown = _output(accord("catalog", "show", "25544"))
    assert "ISS (ZARYA)" in shown and "submitted by" in shown
    assert "1 25544U 98067A" in shown  # the TLE form

    table = _output(
        accord(
            "propagate",
            "25544",
            "--start",
            "2026-05-30T00:00:00Z",
            "--minutes",
            "20",
            "--step",
            "10",
            "-o",
            "csv",
        )
    )
    rows = list(csv.DictReader(io.StringIO(table)))
    assert [row["time_utc"] for row in rows] == [
        "2026-05-30T00:00:00.000Z",
        "2026-05-30T00:10:00.000Z",
        "2026-05-30T00:20:00.000Z",
    ]
    radius_km = [sum(float(row[f"{axis}_km"]) ** 2 for axis in "xyz") ** 0.5 for row in rows]
    assert all(6_700 < r < 6_900 for r in radius_km)  # the ISS at about 420 km altitude

    geodetic = _output(
        accord(
            "propagate",
            "25544",
            "--start",
            "2026-05-30T00:00:00Z",
            "--minutes",
            "0",
            "--frame",
            "geodetic",
            "-o",
            "csv",
        )
    )
    height_km = float(list(csv.DictReader(io.StringIO(geodetic)))[0]["height_km"])
    assert 380 < height_km < 460


def test_reimporting_the_same_file_reports_duplicates_not_new_records(
    accord: Callable[..., Result], shared: Callable[[str], Path]
) -> None:
    stations = str(shared(STATIONS))
    accord("partner", "add", ESA, "--kind", "space_agency")
    accord("catalog", "import", "-p", ESA, stations)
    again = _output(accord("catalog", "import", "-p", ESA, stations))
    assert "0 stored" in again and "25 already in the catalog" in again


def test_bad_file_is_rejected_whole_and_every_bad_record_reported(
    accord: Callable[..., Result], tmp_path: Path, shared: Callable[[str], Path]
) -> None:
    good = shared(STATIONS).read_text().splitlines()
    # Break the checksum of the second record's line 1 and the fourth record's line 2.
    good[4] = good[4][:68] + str((int(good[4][68]) + 1) % 10)
    good[11] = good[11][:68] + str((int(good[11][68]) + 1) % 10)
    damaged = tmp_path / "damaged.tle"
    damaged.write_text("\n".join(good) + "\n")
    accord("partner", "add", ESA, "--kind", "space_agency")

    rejected = _output(accord("catalog", "import", "-p", ESA, str(damaged), expect=1))
    assert "rejected, nothing stored: 2 of 25 records invalid" in rejected
    assert "damaged.tle, record 2, line 5, field line 1 checksum" in rejected
    assert "record 4, line 12, field line 2 checksum" in rejected
    assert "No objects found" in _output(accord("catalog", "list"))

    partial = _output(
        accord("catalog", "import", "-p", ESA, str(damaged), "--mode", "store-valid", expect=3)
    )
    assert "25 records: 23 stored, 2 rejected" in partial
    assert "Objects 1-20 of 23" in _output(accord("catalog", "list"))


def test_unknown_partner_is_named_with_the_fix(
    accord: Callable[..., Result], shared: Callable[[str], Path]
) -> None:
    result = accord("catalog", "import", "-p", "Nobody", str(shared(STATIONS)), expect=1)
    assert isinstance(result.exception, LookupError)
    assert "accord partner add" in str(result.exception)


def test_propagate_refuses_unknown_objects_and_naive_times(accord: Callable[..., Result]) -> None:
    unknown = _output(accord("propagate", "25544", expect=2))
    assert "not in the catalog: 25544" in unknown
    naive = _output(accord("propagate", "25544", "--start", "2026-05-30T00:00:00", expect=2))
    assert "no time zone" in naive


def test_demo_seeds_a_coalition_and_a_synthetic_catalog(accord: Callable[..., Result]) -> None:
    seeded = _output(accord("demo"))
    assert "300 objects from a SYNTHETIC generated population" in seeded
    partners = _output(accord("partner", "list"))
    assert "Aurora Space Agency (demo)" in partners
    listed = _output(accord("catalog", "list", "--limit", "3"))
    # 300 generated objects and the one the demo places on a near-crossing orbit.
    assert "SYNTHETIC" in listed and "Objects 1-3 of 301" in listed


def _run_accord(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """The installed entry point in a subprocess, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-c", "from accord.cli import main; main()", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_errors_print_one_readable_line_not_a_traceback(
    env: dict[str, str], tmp_path: Path
) -> None:
    garbage = tmp_path / "notes.txt"
    garbage.write_text("this is not a catalog\n")
    run = _run_accord(env, "catalog", "import", "-p", ESA, str(garbage))
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    lines = run.stderr.strip().splitlines()
    assert lines[0].startswith("error: ") and "notes.txt" in lines[0]


def test_list_as_a_partner_shows_only_what_its_agreements_grant(
    accord: Callable[..., Result],
) -> None:
    accord("demo")
    everything = _output(accord("catalog", "list", "--limit", "1"))
    assert "of 301" in everything  # 300 generated and the placed near-crossing one
    # Delta reads Aurora's own sets of its claimed satellites coarsened to 5 km and never
    # Borealis' or Cygnus' own sets (12 claims each): of those satellites it lists the older
    # public sets, the newest it may see (issue #4). Only Borealis' placed satellite, which
    # has no public set, is absent: 301 - 1 objects.
    delta = _output(accord("catalog", "list", "--as", "delta", "--limit", "50"))
    assert "of 300 visible to delta" in delta
    assert "state vector, 5 km" in delta and "mean elements" in delta
    borealis = _output(accord("catalog", "list", "--as", "borealis", "--limit", "1"))
    assert "of 301 visible to borealis" in borealis  # its own placed satellite too
