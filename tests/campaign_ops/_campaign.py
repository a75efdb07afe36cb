"""The worked campaign's world, shared by the workflow and API tests.

Catalog (resource.tle), partners esa/usgs/cp/outsider, agreement `eo-pool` (shares esa 0.6,
usgs 0.4, cp 0) in force from 2026-01-01, the Sentinels pooled by ESA and the Landsats by
USGS, Svalbard pooled for downlinks, both shares committed (docs/campaigns.md).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from accord.access import (
    Principal,
    claim_satellite,
    principal_for_partner,
    propose_agreement,
    register_station,
    sign_agreement,
)
from accord.agreements import PrincipalRole, load_agreement
from accord.campaign_ops import add_pool_satellite, add_pool_station, commit_share
from accord.campaigns import EoSensor
from accord.catalog import import_catalog
from accord.formats import read_catalog
from accord.store import PartnerKind, PartnerRepository, transaction

RESOURCE_TLE = "catalogs/celestrak-groups-2026-05-30/resource.tle"
START = datetime(2026, 5, 30, tzinfo=UTC)
END = START + timedelta(days=2)
DEADLINE = END + timedelta(hours=12)
AT = START - timedelta(days=1)  # every step happens the day before the window opens
SAR = EoSensor("sar", max_off_nadir_deg=40.0, swath_km=80.0, resolution_m=5.0)
OPTICAL = EoSensor("optical", max_off_nadir_deg=30.0, swath_km=100.0, resolution_m=10.0)
CITIES = {"rome": (12.5, 41.9, 3.0), "lisbon": (-9.14, 38.72, 2.0), "athens": (23.73, 37.98, 1.0)}
AGREEMENT = """
format: accord.agreement/v1
id: eo-pool
version: 1
title: Earth-observation pool
parties:
  - {partner: esa, name: European Space Agency}
  - {partner: usgs, name: United States Geological Survey}
  - {partner: cp, name: Civil Protection}
effective_from: 2026-01-01
clauses:
  - id: shares
    allocation_shares:
      pools:
        eo_imaging: {esa: 0.6, usgs: 0.4, cp: 0.0}
"""


def principal(
    session: Session, handle: str, role: PrincipalRole = PrincipalRole.OPERATOR
) -> Principal:
    return principal_for_partner(PartnerRepository(session).get_by_handle(handle), [role])


def setup_campaign(engine: Engine, shared: Callable[[str], Path]) -> dict[int, str]:
    """Catalog, partners, agreement, claims, pooled satellites and station, commitments."""
    data = shared(RESOURCE_TLE).read_bytes()
    imagers = [
        r.element_set
        for r in read_catalog(data, source=RESOURCE_TLE).element_sets
        if (r.element_set.object_name or "").startswith(("SENTINEL", "LANDSAT"))
    ]
    with transaction(engine, write_lock=True) as session:
        partners = PartnerRepository(session)
        partners.create("CelesTrak", kind=PartnerKind.DATA_PROVIDER)
        esa = partners.create("ESA", kind=PartnerKind.SPACE_AGENCY, handle="esa")
        usgs = partners.create("USGS", kind=PartnerKind.SPACE_AGENCY, handle="usgs")
        cp = partners.create("Civil Protection", kind=PartnerKind.STATE, handle="cp")
        partners.create("Outsider", kind=PartnerKind.OPERATOR, handle="outsider")
    import_catalog(engine, data, source_name="resource.tle", partner="CelesTrak")
    owners = {}
    with transaction(engine, write_lock=True) as session:
        esa, usgs, cp = (PartnerRepository(session).get_by_handle(h) for h in ("esa", "usgs", "cp"))
        document = load_agreement(AGREEMENT, source="test")
        propose_agreement(session, document, by=esa, at=AT - timedelta(days=10))
        for party in (esa, usgs, cp):
            sign_agreement(session, "eo-pool", by=party, at=AT - timedelta(days=9))
        for element_set in imagers:
            sentinel = (element_set.object_name or "").startswith("SENTINEL")
            owner = esa if sentinel else usgs
            handle = "esa" if sentinel else "usgs"
            claim_satellite(session, owner, element_set.norad_id, at=AT - timedelta(days=8))
            sensor = SAR if "SENTINEL-1" in (element_set.object_name or "") else OPTICAL
            add_pool_satellite(
                session, principal(session, handle), element_set.norad_id, sensor, at=AT
            )
            owners[element_set.norad_id] = handle
        register_station(
            session, esa, station_id="esa:svalbard", name="Svalbard",
            latitude_deg=78.23, longitude_deg=15.39, altitude_m=500.0, min_elevation_deg=5.0,
        )  # fmt: skip
        add_pool_station(session, principal(session, "esa"), "esa:svalbard", at=AT)
        commit_share(session, principal(session, "esa"), "eo-pool", share=0.6, at=AT)
        commit_share(session, principal(session, "usgs"), "eo-pool", at=AT)
    return owners
