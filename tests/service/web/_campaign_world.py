"""The console test world's campaign data (seeded after tests/service/web/_world.py).

Agreement `console-eo-pool` (esa 0.6, jaxa 0.4; nasa is no party) in force from `SIGNED`;
esa pools its claimed 39634 and 40697 and jaxa its 41240 as SAR imagers (45 degrees off
nadir, so the ISS-like test orbits see the areas by day and night); esa pools a station at
Redu. esa's operator submits `SEEDED_AREA` (a 60 km circle around Rome) and `SECOND_AREA`
(Lisbon, 40 km) for one day from `EPOCH`, validates and plans them (HiGHS, at
`PLANNED_AT`): two tasks, one per owner, whose coverage map and timeline the request page
shows. Console users `esa-campaigner` and `jaxa-campaigner` (operator role: may submit and
plan); the analysts of _world.py see but may not submit.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.engine import Engine

from accord.access import (
    add_console_user,
    principal_for_partner,
    propose_agreement,
    register_station,
    sign_agreement,
)
from accord.agreements import PrincipalRole, load_agreement
from accord.campaign_ops import (
    add_pool_satellite,
    add_pool_station,
    commit_share,
    plan_campaign,
    submit_request,
    validate_request,
)
from accord.campaigns import EoSensor
from accord.store import PartnerRepository, transaction
from tests.access._world import EPOCH, SIGNED

__all__ = [
    "OPERATORS",
    "PLANNED_AT",
    "POOLED",
    "SEEDED_AREA",
    "SEEDED_AREA_NAME",
    "WINDOW_END",
    "seed",
]

#: The pool agreement's id (esa and jaxa are parties; the console's agreement lists show it).
POOL_AGREEMENT_ID = "console-eo-pool"
POOL_AGREEMENT = """
format: accord.agreement/v1
id: console-eo-pool
version: 1
title: Console test Earth-observation pool
parties:
  - {partner: esa, name: European Space Agency}
  - {partner: jaxa, name: Japan Aerospace Exploration Agency}
effective_from: 2026-01-01
clauses:
  - id: shares
    allocation_shares:
      pools:
        eo_imaging: {esa: 0.6, jaxa: 0.4}
"""
#: Pooled satellites (claimed in tests/access/_world.py) and their owners.
POOLED = {39634: "esa", 40697: "esa", 41240: "jaxa"}
SENSOR = EoSensor("sar", max_off_nadir_deg=45.0, swath_km=100.0, resolution_m=5.0)
SEEDED_AREA_NAME = "rome-flood"
SEEDED_AREA = {
    "type": "Feature",
    "geometry": {"type": "Point", "coordinates": [12.5, 41.9]},
    "properties": {"radius_km": 60.0, "name": SEEDED_AREA_NAME},
}
SECOND_AREA = {
    "type": "Feature",
    "geometry": {"type": "Point", "coordinates": [-9.14, 38.72]},
    "properties": {"radius_km": 40.0, "name": "lisbon-fire"},
}
WINDOW_END = EPOCH + timedelta(days=1)
PLANNED_AT = EPOCH - timedelta(hours=1)
#: Console users who may submit and plan (operator role), with _world.py's password.
OPERATORS = {"esa": "esa-campaigner", "jaxa": "jaxa-campaigner"}


def seed(engine: Engine) -> None:
    """Add the campaign data the console's campaign pages show."""
    from tests.service.web._world import PASSWORD  # _world imports this module

    with transaction(engine, write_lock=True) as session:
        partners = PartnerRepository(session)
        esa, jaxa = partners.get_by_handle("esa"), partners.get_by_handle("jaxa")
        document = load_agreement(POOL_AGREEMENT, source="console test")
        propose_agreement(session, document, by=esa, at=SIGNED)
        sign_agreement(session, document.id, by=esa, at=SIGNED)
        sign_agreement(session, document.id, by=jaxa, at=SIGNED)
        by_handle = {"esa": esa, "jaxa": jaxa}
        operators = {
            handle: principal_for_partner(partner, [PrincipalRole.OPERATOR])
            for handle, partner in by_handle.items()
        }
        for norad_id, owner in POOLED.items():
            add_pool_satellite(session, operators[owner], norad_id, SENSOR, at=SIGNED)
        register_station(
            session, esa, station_id="esa:redu", name="Redu", latitude_deg=50.0,
            longitude_deg=5.15, altitude_m=380.0, min_elevation_deg=5.0,
        )  # fmt: skip
        add_pool_station(session, operators["esa"], "esa:redu", at=SIGNED)
        for handle in by_handle:
            commit_share(session, operators[handle], "console-eo-pool", at=SIGNED)
        for handle, username in OPERATORS.items():
            add_console_user(session, username, by_handle[handle], "operator", PASSWORD)
        for area, priority in ((SEEDED_AREA, 3.0), (SECOND_AREA, 2.0)):
            request = submit_request(
                session, operators["esa"], area, window_start=EPOCH, window_end=WINDOW_END,
                delivery_deadline=WINDOW_END + timedelta(hours=12), priority=priority,
                sensor_kinds=("sar",), at=PLANNED_AT,
            )  # fmt: skip
            validate_request(session, operators["esa"], request.id, at=PLANNED_AT)
        plan_campaign(session, operators["esa"], at=PLANNED_AT)
