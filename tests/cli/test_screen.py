"""`accord screen` writes CDM files that read back, or stores them; `accord events list`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from accord.cli import app
from accord.conjunctions import screen_catalog
from accord.formats import ElementSet, format_3le, read_catalog, read_cdm

T0 = datetime(2024, 11, 1, tzinfo=UTC)
#: TCAs written with microseconds; the file and the direct run use identical elements.
TCA_TOLERANCE_S = 1e-6
MISS_TOLERANCE_M = 1e-3


def _circular(norad_id: int, inclination_deg: float) -> ElementSet:
    return ElementSet(
        norad_id=norad_id,
        epoch=T0,
        mean_motion_rev_per_day=15.2,
        eccentricity=0.0001,
        inclination_deg=inclination_deg,
        raan_deg=0.0,
        arg_of_pericenter_deg=0.0,
        mean_anomaly_deg=0.0,
        bstar_per_earth_radius=0.0,
        object_name=f"OBJECT {norad_id}",
        object_id="2024-001A",
    )


@pytest.fixture
def catalog_file(tmp_path: Path) -> Path:
    """A 3LE file of two objects whose orbits cross at the node at T0."""
    path = tmp_path / "crossing.3le"
    path.write_text(format_3le([_circular(90001, 50.0), _circular(90002, 90.0)]))
    return path


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        "ACCORD_DATABASE_URL": f"sqlite:///{tmp_path / 'accord.db'}",
        "ACCORD_SEED_DEMO": "false",
        "ACCORD_ALERT_MISS_KM": "5",
    }


def _arguments(catalog_file: Path, *extra: str) -> list[str]:
    start = (T0 - timedelta(minutes=30)).isoformat().replace("+00:00", "Z")
    return ["screen", "--catalog", str(catalog_file), "--start", start, "--days", "0.0417",
            "--threshold-km", "20", *extra]  # fmt: skip


@pytest.mark.parametrize("file_format", ["kvn", "xml", "json"])
def test_screen_writes_one_cdm_file_per_conjunction_that_reads_back(
    catalog_file: Path, tmp_path: Path, env: dict[str, str], file_format: str
) -> None:
    out = tmp_path / "cdms"
    extra = ["--out", str(out)] + ([] if file_format == "kvn" else ["--format", file_format])
    result = CliRunner().invoke(app, _arguments(catalog_file, *extra), env=env)
    assert result.exit_code == 0, result.output
    assert "1 conjunctions" in result.output
    files = sorted(out.iterdir())
    assert [f.suffix for f in files] == [f".{file_format}"]
    cdm = read_cdm(files[0].read_bytes(), source=files[0].name)
    # The same element sets screened directly give the same encounter.
    element_sets = [
        item.element_set
        for item in read_catalog(catalog_file.read_bytes(), source="x").element_sets
    ]
    (expected,) = screen_catalog(
        element_sets,
        start=T0 - timedelta(minutes=30),
        duration=timedelta(days=0.0417),
        threshold_km=20.0,
    ).conjunctions
    assert abs((cdm.relative.tca - expected.tca).total_seconds()) <= TCA_TOLERANCE_S
    assert cdm.relative.miss_distance_m == pytest.approx(
        expected.miss_km * 1e3, abs=MISS_TOLERANCE_M
    )
    assert cdm.object1.metadata.object_designator == "90001"
    assert cdm.relative.collision_probability_method == "ALFANO-2005-MAX"
    assert files[0].stem == cdm.header.message_id


def test_screen_without_out_stores_and_events_list_shows_the_alert(
    catalog_file: Path, env: dict[str, str]
) -> None:
    runner = CliRunner()
    for _ in range(2):
        stored = runner.invoke(app, _arguments(catalog_file), env=env)
        assert stored.exit_code == 0, stored.output
        assert "1 conjunctions and CDMs" in stored.output and "crossing.3le" in stored.output
    listed = runner.invoke(app, ["events", "list", "--all"], env={**env, "COLUMNS": "200"})
    assert listed.exit_code == 0, listed.output
    # One event (two CDMs, one per screening) at the `watch` level (miss under 5 km).
    assert listed.output.count("90001") == 1 and "watch" in listed.output
    assert listed.output.count("4.239") == 3  # latest miss and both history entries
    open_only = runner.invoke(app, ["events", "list"], env=env)
    assert open_only.exit_code == 0 and "no open conjunction events" in open_only.output


def test_screen_refuses_a_start_without_a_zone(catalog_file: Path, env: dict[str, str]) -> None:
    arguments = ["screen", "--catalog", str(catalog_file), "--start", "2024-11-01T00:00:00"]
    result = CliRunner().invoke(app, arguments, env=env)
    assert result.exit_code == 2 and "no time zone" in result.output


def test_screen_on_a_local_dask_cluster_stores_the_same_encounter(
    catalog_file: Path, env: dict[str, str]
) -> None:
    result = CliRunner().invoke(app, _arguments(catalog_file, "--workers", "1"), env=env)
    assert result.exit_code == 0, result.output
    assert "1 conjunctions and CDMs" in result.output


def test_screen_refuses_both_scheduler_and_workers(catalog_file: Path, env: dict[str, str]) -> None:
    arguments = _arguments(catalog_file, "--scheduler", "tcp://127.0.0.1:9", "--workers", "2")
    result = CliRunner().invoke(app, arguments, env=env)
    assert result.exit_code == 2
    assert "--workers" in result.output


def test_screenings_list_shows_the_local_operator_and_the_partner_of_as(
    catalog_file: Path, env: dict[str, str]
) -> None:
    runner = CliRunner()
    added = runner.invoke(app, ["partner", "add", "ESA", "--kind", "space_agency"], env=env)
    assert added.exit_code == 0, added.output
    unknown = runner.invoke(app, _arguments(catalog_file, "--as", "nobody"), env=env)
    assert unknown.exit_code == 2 and "no partner named 'nobody'" in unknown.output
    for extra in ((), ("--as", "esa")):
        stored = runner.invoke(app, _arguments(catalog_file, *extra), env=env)
        assert stored.exit_code == 0, stored.output
    assert "submitted by local operator for esa" in stored.output
    listed = runner.invoke(app, ["screenings", "list"], env={**env, "COLUMNS": "200"})
    assert listed.exit_code == 0, listed.output
    rows = [line for line in listed.output.splitlines() if "local operator" in line]
    # Newest first: the screening for esa, then the one for no partner.
    assert len(rows) == 2
    assert "local operator for esa" in rows[0] and "for esa" not in rows[1]
