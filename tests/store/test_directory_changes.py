"""Partners and stations changed through the audited workflows, on both backends."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from accord.access import register_station, retire_station, update_partner, update_station
from accord.store import (
    AssetError,
    AssetRepository,
    AuditEntryRow,
    PartnerError,
    PartnerKind,
    PartnerRepository,
    StationStatus,
    station_status,
    transaction,
)


@pytest.fixture
def coalition(engine: Engine) -> Engine:
    with transaction(engine) as session:
        partners = PartnerRepository(session)
        partners.create("ESA", kind=PartnerKind.SPACE_AGENCY, country_code="FR")
        partners.create("NASA", kind=PartnerKind.SPACE_AGENCY, country_code="US")
        partners.create("CelesTrak", kind=PartnerKind.DATA_PROVIDER)
    return engine


def _actions(engine: Engine) -> list[str]:
    with transaction(engine) as session:
        return list(session.scalars(sa.select(AuditEntryRow.action).order_by(AuditEntryRow.seq)))


def test_update_partner_changes_fields_and_keeps_the_handle(coalition: Engine) -> None:
    with transaction(coalition, write_lock=True) as session:
        esa = PartnerRepository(session).get_by_handle("esa")
        changed = update_partner(
            session, esa, name="European Space Agency", kind=PartnerKind.INTERNATIONAL_ORGANISATION,
            clear_country_code=True,
        )  # fmt: skip
        assert changed == ["country_code", "kind", "name"]
    with transaction(coalition) as session:
        esa = PartnerRepository(session).get_by_handle("esa")
        assert (esa.name, esa.kind, esa.country_code) == (
            "European Space Agency",
            "international_organisation",
            None,
        )
    assert _actions(coalition) == ["partner.updated"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": "NASA"}, "name 'NASA' is taken by partner 'nasa'"),
        ({"name": " "}, "name ' ' must be the body's official name"),
        ({"country_code": "fra"}, "only in upper case: give 'FRA'"),
        ({"country_code": "EU"}, "not an assigned ISO 3166-1 code"),
        ({"kind": PartnerKind.SYSTEM}, "kind cannot change from 'space_agency' to 'system'"),
    ],
)
def test_update_partner_refuses_bad_values_and_writes_nothing(
    coalition: Engine, changes: dict[str, object], message: str
) -> None:
    with pytest.raises(PartnerError, match=message):
        with transaction(coalition, write_lock=True) as session:
            update_partner(session, PartnerRepository(session).get_by_handle("esa"), **changes)  # type: ignore[arg-type]
    assert _actions(coalition) == []


def test_a_data_providers_kind_is_fixed(coalition: Engine) -> None:
    with transaction(coalition, write_lock=True) as session:
        celestrak = PartnerRepository(session).get_by_handle("celestrak")
        with pytest.raises(PartnerError, match="fixed at admission"):
            update_partner(session, celestrak, kind=PartnerKind.OPERATOR)


def test_station_ids_need_the_partners_prefix(coalition: Engine) -> None:
    with transaction(coalition, write_lock=True) as session:
        nasa = PartnerRepository(session).get_by_handle("nasa")
        for foreign in ("jaxa:usuda", "usuda", "nasa:", "nasa-usuda"):
            with pytest.raises(AssetError, match="starts with 'nasa:'"):
                register_station(
                    session, nasa, station_id=foreign, name="Usuda", latitude_deg=36.13,
                    longitude_deg=138.36,
                )  # fmt: skip
        row = register_station(
            session, nasa, name="Sodankylä (SGS)", latitude_deg=67.4, longitude_deg=26.6
        )
        assert row.station_id == "nasa:sodankyl-sgs"  # ASCII only: the id pattern's letters
    assert _actions(coalition) == ["asset.registered"]


def test_update_and_retire_a_station(coalition: Engine) -> None:
    with transaction(coalition, write_lock=True) as session:
        esa = PartnerRepository(session).get_by_handle("esa")
        nasa = PartnerRepository(session).get_by_handle("nasa")
        register_station(session, esa, name="Redu", latitude_deg=50.0, longitude_deg=5.15)
        assert update_station(session, esa, "esa:redu", altitude_m=380.0, max_range_km=2000.0) == [
            "altitude_m",
            "max_range_km",
        ]
        assert update_station(session, esa, "esa:redu", altitude_m=380.0) == []  # no change
        with pytest.raises(AssetError, match="has no station 'esa:redu'"):
            update_station(session, nasa, "esa:redu", altitude_m=1.0)
        with pytest.raises(AssetError, match="altitude_m 380000.0 is not in -500..100000"):
            update_station(session, esa, "esa:redu", altitude_m=380_000.0)  # km for m
        with pytest.raises(AssetError, match="latitude_deg cannot be removed"):
            update_station(session, esa, "esa:redu", latitude_deg=None)
        with pytest.raises(AssetError, match="kind cannot be changed"):
            update_station(session, esa, "esa:redu", kind="sensor")
        row = retire_station(session, esa, "esa:redu")
        assert station_status(row) is StationStatus.RETIRED
        with pytest.raises(AssetError, match="already retired"):
            retire_station(session, esa, "esa:redu")
        with pytest.raises(AssetError, match="reactivate it"):
            update_station(session, esa, "esa:redu", altitude_m=1.0)
        assert update_station(session, esa, "esa:redu", status=StationStatus.ACTIVE) == ["status"]
        assets = AssetRepository(session)
        assert [r.station_id for r in assets.stations(status=StationStatus.ACTIVE)] == ["esa:redu"]
        assert assets.stations(status=StationStatus.RETIRED) == []
    assert _actions(coalition) == [
        "asset.registered",
        "station.updated",
        "station.retired",
        "station.updated",
    ]
