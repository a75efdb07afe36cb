"""Satellite claims checked against the catalog and contested, stations and their import."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from accord.access import claim_satellite, import_stations, withdraw_claim
from accord.catalog import import_element_sets
from accord.store import (
    AssetError,
    AssetRepository,
    AuditEntryRow,
    ClaimStatus,
    PartnerKind,
    PartnerRepository,
    StationKind,
    UnknownObjectError,
    transaction,
)
from tests.store._factory import element_set


@pytest.fixture
def coalition(engine: Engine) -> Engine:
    with transaction(engine) as session:
        partners = PartnerRepository(session)
        partners.create("ESA", kind=PartnerKind.SPACE_AGENCY)
        partners.create("JAXA", kind=PartnerKind.SPACE_AGENCY)
    import_element_sets(engine, [element_set(25544)], source_name="t", partner="ESA")
    return engine


def _actions(engine: Engine) -> list[str]:
    with transaction(engine) as session:
        return list(session.scalars(sa.select(AuditEntryRow.action).order_by(AuditEntryRow.seq)))


def test_claim_of_unknown_object_is_refused(coalition: Engine) -> None:
    with transaction(coalition, write_lock=True) as session:
        esa = PartnerRepository(session).get_by_handle("esa")
        with pytest.raises(UnknownObjectError, match="NORAD id 99999 is not in the catalog"):
            claim_satellite(session, esa, 99999)
    assert _actions(coalition).count("asset.claimed") == 0


def test_second_claim_contests_and_both_are_kept(coalition: Engine) -> None:
    # jaxa may claim only an object it can see: a public element set of 25544 (ESA's own
    # stays ESA's; docs/access.md, "Ownership").
    with transaction(coalition) as session:
        PartnerRepository(session).create("CelesTrak", kind=PartnerKind.DATA_PROVIDER)
    import_element_sets(
        coalition, [element_set(25544, hours=-1.0)], source_name="gp", partner="CelesTrak"
    )
    with transaction(coalition, write_lock=True) as session:
        partners = PartnerRepository(session)
        esa, jaxa = partners.get_by_handle("esa"), partners.get_by_handle("jaxa")
        assert not claim_satellite(session, esa, 25544).contested
        with pytest.raises(AssetError, match="already claims"):
            claim_satellite(session, esa, 25544)
        outcome = claim_satellite(session, jaxa, 25544)
        assert outcome.contested
        assets = AssetRepository(session)
        claims = assets.active_claims(25544)
        assert [(c.partner_id, c.status) for c in claims] == [
            (esa.id, ClaimStatus.CONTESTED),
            (jaxa.id, ClaimStatus.CONTESTED),
        ]
        assert assets.owners([25544]) == {25544: esa.id}  # the first claimant keeps ownership
        remaining = withdraw_claim(session, esa, 25544)
        assert [(c.partner_id, c.status) for c in remaining] == [(jaxa.id, ClaimStatus.CLAIMED)]
        assert assets.owners() == {25544: jaxa.id}
    assert _actions(coalition)[-3:] == ["asset.claimed", "asset.contested", "asset.withdrawn"]


def test_station_import_from_geojson(coalition: Engine, shared: Callable[[str], Path]) -> None:
    path = shared("ground-stations/vallado_ssn_sensors.geojson")
    with transaction(coalition, write_lock=True) as session:
        esa = PartnerRepository(session).get_by_handle("esa")
        rows = import_stations(session, esa, path.read_bytes(), source=path.name)
        assert len(rows) == 21 and {r.kind for r in rows} == {StationKind.SENSOR}
        socorro = AssetRepository(session).station("esa:socorro")
        assert socorro is not None
        assert (socorro.latitude_deg, socorro.longitude_deg, socorro.altitude_m) == (
            33.82,
            -106.66,
            1510.2,
        )
        assert socorro.min_elevation_deg == 20.0
        with pytest.raises(AssetError, match="already registered"):
            import_stations(session, esa, path.read_bytes(), source=path.name)
    assert _actions(coalition).count("asset.registered") == 21
