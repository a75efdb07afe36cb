"""POST /api/v1/partners: only the deployment's platform admins admit partners, and each
admission is one transaction with its `partner.admitted` entry (docs/api.md)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from accord.audit import AuditAction, AuditLog, parse_entry
from accord.service import create_app
from accord.store import PartnerKind, PartnerRepository, transaction
from tests.service._api import World, issue_key, settings_for


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp_path: Path = tmp_path_factory.mktemp("partner-admission-api")
    app = create_app(settings_for(tmp_path, rate_limit_per_minute=0))
    with TestClient(app) as client:
        engine: Engine = app.state.engine
        with transaction(engine) as session:
            partners = PartnerRepository(session)
            partners.create("Accord", kind=PartnerKind.SYSTEM, handle="accord")
            partners.create("ESA", kind=PartnerKind.SPACE_AGENCY, handle="esa")
        keys = {
            "platform": issue_key(engine, "accord", ("read", "write", "admin")),
            "esa": issue_key(engine, "esa", ("read", "write", "admin")),
        }
        yield World(client, engine, keys)


def _entries(engine: Engine) -> list[bytes]:
    with transaction(engine) as session:
        return [e.entry for e in AuditLog(session).entries(0, 10_000)]


def test_a_platform_admin_admits_a_partner_with_its_entry(world: World) -> None:
    before = len(_entries(world.engine))
    created = world.client.post(
        "/api/v1/partners",
        json={"name": "Korea AeroSpace Administration", "kind": "space_agency",
              "country_code": "KR", "handle": "kasa"},
        headers=world.as_partner("platform"),
    )  # fmt: skip
    assert created.status_code == 201, created.text
    assert created.json()["handle"] == "kasa"
    entries = _entries(world.engine)
    assert len(entries) == before + 1
    entry = parse_entry(entries[-1])
    with transaction(world.engine) as session:
        partners = PartnerRepository(session)
        admin_id = str(partners.get_by_handle("accord").id)
        new_id = str(partners.get_by_handle("kasa").id)
    assert entry.action is AuditAction.PARTNER_ADMITTED
    assert entry.actor.partner_id == admin_id
    assert [(s.kind, s.id) for s in entry.subjects] == [("partner", new_id)]
    assert dict(entry.details or {}) == {"kind": "space_agency"}


def test_a_member_admin_cannot_admit_and_nothing_is_written(world: World) -> None:
    before = len(_entries(world.engine))
    refused = world.client.post(
        "/api/v1/partners",
        json={"name": "Shadow Agency", "kind": "space_agency", "handle": "shadow"},
        headers=world.as_partner("esa"),
    )
    assert refused.status_code == 403, refused.text
    assert len(_entries(world.engine)) == before
    with transaction(world.engine) as session:
        assert PartnerRepository(session).find_by_name("Shadow Agency") is None


def test_a_bad_country_code_is_refused_with_nothing_written(world: World) -> None:
    before = len(_entries(world.engine))
    refused = world.client.post(
        "/api/v1/partners",
        json={"name": "Nowhere Agency", "kind": "space_agency", "country_code": "QQ1"},
        headers=world.as_partner("platform"),
    )
    assert refused.status_code == 422, refused.text
    assert len(_entries(world.engine)) == before
