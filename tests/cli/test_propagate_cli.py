"""`accord propagate` output: a table that fits 80 columns uncut, CSV when piped or asked."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from accord.cli import app

STATIONS = "catalogs/celestrak-groups-2026-05-30/stations.tle"
#: The ISS and the Chinese space station (CSS, Tianhe), both in the stations group.
OBJECTS = ("25544", "48274")
SPAN = ("--start", "2026-05-30T00:00:00Z", "--minutes", "20", "--step", "10")


@pytest.fixture
def accord(tmp_path: Path, shared: Callable[[str], Path]) -> Callable[..., Result]:
    """The CLI on an 80-column terminal, with the stations group imported."""
    env = {
        "ACCORD_VAR_DIR": str(tmp_path / "var"),
        "ACCORD_DATABASE_URL": "",
        "ACCORD_SEED_DEMO": "false",
        "COLUMNS": "80",
    }
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        result = runner.invoke(app, list(args), env=env, terminal_width=80)
        assert result.exit_code == 0, result.output
        return result

    invoke("partner", "add", "ESA", "--kind", "space_agency")
    invoke("catalog", "import", "-p", "ESA", str(shared(STATIONS)))
    return invoke


def test_piped_output_is_csv_and_the_80_column_table_shows_the_same_values_uncut(
    accord: Callable[..., Result],
) -> None:
    piped = accord("propagate", *OBJECTS, *SPAN).output  # CliRunner's stdout is no terminal
    rows = list(csv.DictReader(io.StringIO(piped)))
    assert len(rows) == 6 and rows[0]["norad_id"] == "25544"
    assert rows == list(
        csv.DictReader(io.StringIO(accord("propagate", *OBJECTS, *SPAN, "--format", "csv").output))
    )

    table = accord("propagate", *OBJECTS, *SPAN, "--format", "table").output
    lines = table.splitlines()
    assert max(map(len, lines)) <= 80 and "…" not in table
    assert "25544: TEME (km, km/s)" in table and "48274: TEME (km, km/s)" in table
    # Every number of the CSV (1e-6 km, 1e-9 km/s) appears whole in its object's table.
    sections = {
        norad_id: table.split(f"{norad_id}: TEME")[1].split(": TEME")[0].splitlines()
        for norad_id in OBJECTS
    }
    for row in rows:
        section = sections[row["norad_id"]]
        start = next(i for i, line in enumerate(section) if row["time_utc"] in line)
        position, velocity = section[start].split(), section[start + 1].split()
        assert position[-3:] == [row["x_km"], row["y_km"], row["z_km"]]
        assert velocity[-3:] == [row["vx_km_s"], row["vy_km_s"], row["vz_km_s"]]


def test_geodetic_table_fits_80_columns(accord: Callable[..., Result]) -> None:
    table = accord("propagate", "25544", *SPAN, "--frame", "geodetic", "-o", "table").output
    rows = list(
        csv.DictReader(
            io.StringIO(accord("propagate", "25544", *SPAN, "--frame", "geodetic").output)
        )
    )
    lines = table.splitlines()
    assert max(map(len, lines)) <= 80 and "…" not in table
    for row in rows:
        line = next(line for line in lines if row["time_utc"] in line)
        assert line.split()[1:] == [row["latitude_deg"], row["longitude_deg"], row["height_km"]]
