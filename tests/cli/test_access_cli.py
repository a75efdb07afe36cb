"""`accord agreement|key|user ...` and `accord partner claim|station import`, end to end."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

from accord.catalog import import_element_sets
from accord.store import ApiKeyRepository, create_engine, transaction
from tests.cli._store_cli import store_cli
from tests.store._factory import element_set

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "agreements"


@pytest.fixture
def accord(tmp_path: Path, database_url: str) -> Callable[..., Result]:
    return store_cli(tmp_path, database_url)


def test_agreement_lifecycle(accord: Callable[..., Result], tmp_path: Path) -> None:
    path = EXAMPLE / "leo-data-exchange.yaml"
    assert (
        "valid esa-jaxa-leo-exchange version 1" in accord("agreement", "validate", str(path)).output
    )
    broken = tmp_path / "broken.yaml"
    broken.write_text(path.read_text().replace("version: 1", "version: 0"))
    assert "problem" in accord("agreement", "validate", str(broken), expect=1).output
    for name in ("ESA", "JAXA"):
        accord("partner", "add", name, "--kind", "space_agency")
    accord("agreement", "propose", str(path), "--partner", "esa")
    accord("agreement", "sign", "esa-jaxa-leo-exchange", "--partner", "ESA", "--version", "1")
    assert (
        "fully signed" in accord("agreement", "sign", "esa-jaxa-leo-exchange", "-p", "jaxa").output
    )
    assert "in_force" in accord("agreement", "list").output
    accord("agreement", "suspend", "esa-jaxa-leo-exchange", "-p", "jaxa", "--reason", "review")
    shown = accord("agreement", "show", "esa-jaxa-leo-exchange").output
    assert "status now: suspended" in shown and "suspended by jaxa: review" in shown
    accord("agreement", "terminate", "esa-jaxa-leo-exchange", "-p", "esa", "--reason", "end")
    assert (
        "terminated"
        in accord("agreement", "sign", "esa-jaxa-leo-exchange", "-p", "esa", expect=1).output
    )


def test_keys_users_claims_and_stations(
    accord: Callable[..., Result], tmp_path: Path, database_url: str
) -> None:
    accord("partner", "add", "European Space Agency", "--kind", "space_agency", "--handle", "esa")
    created = accord("key", "create", "--partner", "esa", "--scope", "read", "--expires-days", "30")
    token = created.stdout.strip().splitlines()[-1]
    prefix = re.fullmatch(r"acc_([0-9a-f]{12})_.{43}", token)
    assert prefix
    engine = create_engine(database_url)
    with transaction(engine) as session:
        assert ApiKeyRepository(session).verify(token).key_prefix == prefix.group(1)
    listed = accord("key", "list", "--partner", "European Space Agency").output
    assert prefix.group(1) in listed and "read" in listed
    accord("key", "revoke", prefix.group(1))
    accord("key", "revoke", prefix.group(1), expect=1)

    password = tmp_path / "password"
    password.write_text("a long enough passphrase\n")
    accord(
        "user", "add", "ops", "-p", "esa", "--role", "operator", "--password-file", str(password)
    )

    import_element_sets(
        engine, [element_set(25544)], source_name="t", partner="European Space Agency"
    )
    engine.dispose()
    assert "claims NORAD id 25544" in accord("partner", "claim", "esa", "25544").output
    assert "not in the catalog" in accord("partner", "claim", "esa", "99999", expect=1).output

    stations = tmp_path / "stations.geojson"
    stations.write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": '
        '{"type": "Point", "coordinates": [15.41, 78.23]}, "properties": {"name": "Svalbard"}}]}'
    )
    assert (
        "Registered 1 stations"
        in accord("partner", "station", "import", str(stations), "--partner", "esa").output
    )
