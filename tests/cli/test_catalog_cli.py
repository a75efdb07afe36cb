"""`accord catalog` import, show and sync through the CLI against a real SQLite store."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner, Result

from accord.audit import AuditAction
from accord.cli import app
from accord.store import AuditEntryRow, CatalogRepository, create_engine, transaction
from tests._celestrak_server import CelestrakLikeServer

#: 25 element sets of CelesTrak's stations group (2026-05-30), ISS first.
STATIONS = "catalogs/celestrak-groups-2026-05-30/stations.tle"
ALPHA, BETA = "Alpha Space", "Beta Orbital"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A fresh installation: its own var dir, no demo seeding, no network."""
    return {
        "ACCORD_VAR_DIR": str(tmp_path / "var"),
        "ACCORD_DATABASE_URL": "",
        "ACCORD_SEED_DEMO": "false",
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


def test_two_partners_submitting_one_file_each_keep_their_own_rows(
    accord: Callable[..., Result], shared: Callable[[str], Path]
) -> None:
    stations = str(shared(STATIONS))
    for name in (ALPHA, BETA):
        accord("partner", "add", name, "--kind", "operator")
    accord("catalog", "import", "-p", ALPHA, stations)
    beta = accord("catalog", "import", "-p", BETA, stations).output
    assert "25 records: 25 stored, 0 rejected, 0 already in the catalog" in beta
    again = accord("catalog", "import", "-p", BETA, stations).output
    assert "0 stored, 0 rejected, 25 already in the catalog from this partner" in again

    shown = accord("catalog", "show", "25544").output
    assert f"submitted by                 │ {BETA}" in shown  # the later submission is current
    assert f"identical set also from      │ {ALPHA}" in shown
    history = shown[shown.index("History (2 element sets") :]
    beta_row, alpha_row = (line for line in history.splitlines() if "│ file" in line)
    # The last column ("same as") points Beta's row at Alpha's identical batch 1.
    assert BETA in beta_row and beta_row.rstrip("│ ").endswith("batch 1")
    assert ALPHA in alpha_row and "batch 1" not in alpha_row.split("│")[-2]


def _damaged_stations(shared: Callable[[str], Path], folder: Path) -> Path:
    """The stations group with the line-1 checksum of its second record broken."""
    lines = shared(STATIONS).read_text().splitlines()
    lines[4] = lines[4][:68] + str((int(lines[4][68]) + 1) % 10)
    damaged = folder / "damaged.tle"
    damaged.write_text("\n".join(lines) + "\n")
    return damaged


def test_store_valid_exits_3_when_records_were_rejected_but_the_rest_stored(
    accord: Callable[..., Result], shared: Callable[[str], Path], tmp_path: Path
) -> None:
    accord("partner", "add", ALPHA, "--kind", "operator")
    damaged = str(_damaged_stations(shared, tmp_path))
    partial = accord("catalog", "import", "-p", ALPHA, "--mode", "store-valid", damaged, expect=3)
    assert "25 records: 24 stored, 1 rejected" in partial.output
    # A clean file in store-valid mode is a plain success...
    accord("partner", "add", BETA, "--kind", "operator")
    accord("catalog", "import", "-p", BETA, "--mode", "store-valid", str(shared(STATIONS)))
    # ...and a file not stored at all outranks a partial one: 1.
    garbage = tmp_path / "notes.txt"
    garbage.write_text("not a catalog\n")
    accord(
        "catalog", "import", "-p", BETA, "--mode", "store-valid", damaged, str(garbage), expect=1
    )


def test_sync_imports_once_and_skips_the_same_bytes_from_the_same_source(
    accord: Callable[..., Result],
    env: dict[str, str],
    celestrak_server: CelestrakLikeServer,
    tmp_path: Path,
) -> None:
    env["ACCORD_CELESTRAK_GP_URL"] = celestrak_server.base_url
    first = accord("catalog", "sync").output
    assert "Fetched from CelesTrak" in first and "0 already in the catalog" in first
    again = accord("catalog", "sync").output  # inside the 2-hour window: from the cache
    assert "Fetched from cache" in again
    assert "unchanged since batch 1" in again and "nothing imported" in again
    assert len(celestrak_server.requests) == 1
    engine = create_engine(f"sqlite:///{tmp_path / 'var' / 'accord.db'}")
    try:
        with transaction(engine) as session:
            assert CatalogRepository(session).freshness().last_batch_id == 1
            logged = session.scalars(
                sa.select(AuditEntryRow.action).where(
                    AuditEntryRow.action == AuditAction.CATALOG_BATCH_ACCEPTED.value
                )
            ).all()
    finally:
        engine.dispose()
    assert len(logged) == 1  # no second batch of duplicates, no second audit entry
