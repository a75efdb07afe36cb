"""`accord partner update|claims|unclaim`, `accord partner station add|list|update|retire`,
on both backends: each change logged, bad input refused with the field named."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

from accord.audit import AuditAction
from accord.catalog import import_element_sets
from accord.store import AssetRepository, create_engine, transaction
from tests.cli._store_cli import logged_actions, store_cli
from tests.store._factory import element_set


@pytest.fixture
def accord(tmp_path: Path, database_url: str) -> Callable[..., Result]:
    return store_cli(tmp_path, database_url)


def test_partner_update_changes_name_and_country_and_refuses_bad_codes(
    accord: Callable[..., Result], database_url: str
) -> None:
    accord("partner", "add", "ESA", "--kind", "space_agency", "--handle", "esa")
    out = accord("partner", "update", "esa", "--country", "XA", "--name", "ESA (demo)").output
    assert "Updated esa: country_code, name." in out
    assert "esa: ESA (demo) (space_agency, country XA)" in accord("partner", "show", "esa").output
    bad = accord("partner", "update", "esa", "--country", "ZY", expect=1).output
    assert "country code 'ZY' is not an assigned ISO 3166-1 code" in bad
    fixed = accord("partner", "update", "esa", "--kind", "data_provider", expect=1).output
    assert "kind cannot change from 'space_agency' to 'data_provider'" in fixed
    assert "Updated esa: country_code." in accord("partner", "update", "esa", "--no-country").output
    assert "nothing changed" in accord("partner", "update", "esa", "--no-country").output
    assert logged_actions(database_url).count(AuditAction.PARTNER_UPDATED) == 2


def test_claims_list_and_unclaim(accord: Callable[..., Result], database_url: str) -> None:
    accord("partner", "add", "ESA", "--kind", "space_agency", "--handle", "esa")
    accord("partner", "add", "JAXA", "--kind", "space_agency", "--handle", "jaxa")
    accord("partner", "add", "CelesTrak", "--kind", "data_provider")
    engine = create_engine(database_url)
    # Public data (a data provider's): every partner can see, and so claim, the object.
    import_element_sets(engine, [element_set(25544)], source_name="t", partner="CelesTrak")
    engine.dispose()
    accord("partner", "claim", "esa", "25544")
    accord("partner", "claim", "jaxa", "25544")
    rows = [line for line in accord("partner", "claims").output.splitlines() if "25544" in line]
    assert len(rows) == 2 and all("contested" in row and "yes" in row for row in rows)
    out = accord("partner", "unclaim", "esa", "25544").output
    assert "esa withdrew its claim on NORAD id 25544; 1 active claim(s) left." in out
    listed = accord("partner", "claims", "jaxa").output
    rows = [line for line in listed.splitlines() if "25544" in line]
    assert len(rows) == 1 and "claimed" in rows[0] and "contested" not in rows[0]
    again = accord("partner", "unclaim", "esa", "25544", expect=1).output
    assert "holds no active claim on NORAD id 25544" in again
    assert logged_actions(database_url)[-1] is AuditAction.ASSET_WITHDRAWN


def test_station_add_list_update_retire(accord: Callable[..., Result], database_url: str) -> None:
    accord("partner", "add", "ESA", "--kind", "space_agency", "--handle", "esa")
    accord("partner", "add", "NASA", "--kind", "space_agency", "--handle", "nasa")
    added = accord(
        "partner", "station", "add", "--partner", "esa", "--name", "Kiruna",
        "--latitude-deg", "67.857", "--longitude-deg", "20.964", "--altitude-m", "402",
    ).output  # fmt: skip
    assert "Registered station esa:kiruna of esa." in added
    foreign = accord(
        "partner", "station", "add", "--partner", "nasa", "--name", "Usuda",
        "--station-id", "jaxa:usuda", "--latitude-deg", "36.13", "--longitude-deg", "138.36",
        expect=1,
    ).output  # fmt: skip
    assert "starts with 'nasa:'" in foreign and "nasa:usuda" in foreign
    out_of_range = accord(
        "partner", "station", "update", "esa:kiruna", "--min-elevation-deg", "95", expect=1
    ).output
    assert "min_elevation_deg 95.0 is not in -90..90" in out_of_range
    updated = accord(
        "partner", "station", "update", "esa:kiruna", "--min-elevation-deg", "10",
        "--max-range-km", "2500",
    ).output  # fmt: skip
    assert "Updated esa:kiruna: max_range_km, min_elevation_deg." in updated
    listed = accord("partner", "station", "list", "esa").output
    assert "esa:kiruna" in listed and "2500" in listed and "active" in listed
    assert "Retired esa:kiruna" in accord("partner", "station", "retire", "esa:kiruna").output
    assert "esa:kiruna" in accord("partner", "station", "list", "--status", "retired").output
    assert "No stations" in accord("partner", "station", "list", "--status", "active").output
    engine = create_engine(database_url)
    with transaction(engine) as session:
        row = AssetRepository(session).station("esa:kiruna")
        assert row is not None and row.retired_at is not None and row.min_elevation_deg == 10.0
    engine.dispose()
    assert logged_actions(database_url)[-3:] == [
        AuditAction.ASSET_REGISTERED,
        AuditAction.STATION_UPDATED,
        AuditAction.STATION_RETIRED,
    ]
