"""The first-start demo: a coalition and a catalog, from CelesTrak or generated offline."""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from accord.access import AgreementRepository
from accord.catalog import CatalogSyncError
from accord.demo import (
    CELESTRAK_PARTNER,
    DEMO_COALITION,
    SYNTHETIC_PARTNER,
    seed_demo,
    seed_demo_if_empty,
)
from accord.settings import Settings
from accord.store import (
    AssetRepository,
    CatalogRepository,
    PartnerRepository,
    SourceKind,
    UserRepository,
    transaction,
)
from tests._celestrak_server import CelestrakLikeServer

#: Rows of the shared CelesTrak "active" CSV the local server answers GROUP=active with.
ACTIVE_ROWS = 16_400


def _closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens: connections are refused, as offline."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/NORAD/elements/gp.php"


def _settings(tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {"var_dir": tmp_path / "var", "demo_synthetic_objects": 200}
    values.update(overrides)
    return Settings.model_validate(values)


def test_synthetic_demo_registers_the_coalition_and_a_labelled_catalog(
    engine: Engine, tmp_path: Path
) -> None:
    outcome = seed_demo(engine, _settings(tmp_path, demo_catalog="synthetic"))
    assert outcome.catalog_source == "synthetic" and outcome.object_count == 200
    assert "SYNTHETIC" in outcome.summary
    with transaction(engine) as session:
        names = {p.name for p in PartnerRepository(session).all()}
        batch = CatalogRepository(session).batch(outcome.batch_id)
        first = CatalogRepository(session).latest(limit=1).items[0]
    assert names == {p.name for p in DEMO_COALITION} | {SYNTHETIC_PARTNER.name}
    assert batch is not None and batch.is_synthetic and batch.partner_name == SYNTHETIC_PARTNER.name
    assert first.is_synthetic and (first.element_set.object_name or "").startswith("SYNTHETIC ")


def test_online_demo_imports_celestraks_active_group(
    engine: Engine, tmp_path: Path, celestrak_server: CelestrakLikeServer
) -> None:
    settings = _settings(
        tmp_path, demo_catalog="celestrak", celestrak_gp_url=celestrak_server.base_url
    )
    outcome = seed_demo(engine, settings)
    assert outcome.catalog_source == "celestrak" and outcome.fallback_reason is None
    assert outcome.object_count == ACTIVE_ROWS
    query = celestrak_server.requests[0].query
    assert query == {"GROUP": ["active"], "FORMAT": ["csv"]}
    with transaction(engine) as session:
        batch = CatalogRepository(session).batch(outcome.batch_id)
    assert batch is not None
    assert (
        batch.source_kind is SourceKind.CELESTRAK and batch.partner_name == CELESTRAK_PARTNER.name
    )
    assert batch.source_name.startswith(celestrak_server.base_url)


def test_auto_falls_back_to_synthetic_when_celestrak_is_unreachable(
    engine: Engine, tmp_path: Path
) -> None:
    settings = _settings(tmp_path, demo_catalog="auto", celestrak_gp_url=_closed_port_url())
    outcome = seed_demo(engine, settings)
    assert outcome.catalog_source == "synthetic"
    assert outcome.fallback_reason is not None and "no network access" in outcome.fallback_reason


def test_celestrak_only_demo_fails_loudly_and_writes_nothing_when_unreachable(
    engine: Engine, tmp_path: Path
) -> None:
    settings = _settings(tmp_path, demo_catalog="celestrak", celestrak_gp_url=_closed_port_url())
    with pytest.raises(CatalogSyncError, match="no network access"):
        seed_demo(engine, settings)
    with transaction(engine) as session:
        assert PartnerRepository(session).all() == []
        assert CatalogRepository(session).object_count() == 0


def test_demo_is_seeded_only_into_an_empty_catalog(engine: Engine, tmp_path: Path) -> None:
    settings = _settings(tmp_path, demo_catalog="synthetic")
    assert seed_demo_if_empty(engine, settings) is not None
    assert seed_demo_if_empty(engine, settings) is None
    with transaction(engine) as session:
        assert CatalogRepository(session).object_count() == 200


def test_demo_coalition_signs_in_claims_satellites_and_has_an_agreement_in_force(
    engine: Engine, tmp_path: Path
) -> None:
    settings = _settings(tmp_path, demo_catalog="synthetic")
    outcome = seed_demo(engine, settings)
    credentials = outcome.credentials_file
    assert credentials is not None and credentials.stat().st_mode & 0o777 == 0o600
    rows = [line.split("\t") for line in credentials.read_text().splitlines()[1:]]
    assert {row[0] for row in rows} == set(outcome.users)
    with transaction(engine) as session:
        users = UserRepository(session)
        for username, password, _handle, _role in rows:
            assert users.authenticate(username, password).username == username
        partners = {p.handle: p for p in PartnerRepository(session).all()}
        claims = AssetRepository(session).claims_of(partners["aurora"])
        record = AgreementRepository(session).get("demo-coalition")
    assert len(claims) == 12
    assert record.status_at(datetime.now(UTC)).value == "in_force"
