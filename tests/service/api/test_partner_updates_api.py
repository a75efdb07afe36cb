"""PATCH /api/v1/partners/{handle}, PATCH and DELETE /api/v1/assets/stations/{station_id}.

Who may change what (docs/api.md, "Partners and assets"): the partner's own admins its name
and country code, a platform admin any partner and its kind, the partner's writers its own
stations; another partner's station is a 404, a missing role a 403, bad input a 422, and a
refused request writes nothing (no row changed, no audit entry).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from accord.audit import AuditAction, AuditLog, parse_entry
from accord.service import create_app
from accord.store import PartnerKind, PartnerRepository, transaction
from tests.service._api import World, bearer, issue_key, settings_for

STATIONS = "/api/v1/assets/stations"
KIRUNA = {"name": "Kiruna", "latitude_deg": 67.857, "longitude_deg": 20.964, "altitude_m": 402.0}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """Three member partners and the deployment's system partner; no catalog or agreement
    is needed: the directory and one's own assets are governed by the base rules."""
    tmp_path: Path = tmp_path_factory.mktemp("partner-updates-api")
    app = create_app(settings_for(tmp_path, rate_limit_per_minute=0))
    with TestClient(app) as client:
        engine: Engine = app.state.engine
        with transaction(engine) as session:
            partners = PartnerRepository(session)
            partners.create("Accord", kind=PartnerKind.SYSTEM, handle="accord")
            for name in ("ESA", "JAXA", "NASA"):
                partners.create(name, kind=PartnerKind.SPACE_AGENCY, handle=name.lower())
        keys = {
            h: issue_key(engine, h, ("read", "write", "admin")) for h in ("esa", "jaxa", "nasa")
        }
        keys["platform"] = issue_key(engine, "accord", ("read", "write", "admin"))
        keys["esa-read"] = issue_key(engine, "esa", ("read",))
        keys["esa-write"] = issue_key(engine, "esa", ("read", "write"))
        yield World(client, engine, keys)


def _log(engine: Engine) -> list[bytes]:
    with transaction(engine) as session:
        return [e.entry for e in AuditLog(session).entries(0, 10_000)]


def _partner_id(engine: Engine, handle: str) -> str:
    with transaction(engine) as session:
        return str(PartnerRepository(session).get_by_handle(handle).id)


def _station(world: World, handle: str, **fields: object) -> dict[str, object]:
    created = world.client.post(
        STATIONS, json={**KIRUNA, **fields}, headers=world.as_partner(handle)
    )
    assert created.status_code == 201, created.text
    return dict(created.json())


# --- partners -------------------------------------------------------------------------------


def test_a_partners_admin_changes_its_name_and_country_logged(world: World) -> None:
    client, esa = world.client, world.as_partner("esa")
    changed = client.patch("/api/v1/partners/esa", json={"country_code": "FRA"}, headers=esa)
    assert changed.status_code == 200, changed.text
    assert changed.json()["country_code"] == "FRA" and changed.json()["handle"] == "esa"
    entry = parse_entry(_log(world.engine)[-1])
    assert entry.action is AuditAction.PARTNER_UPDATED
    assert entry.actor.partner_id == _partner_id(world.engine, "esa")
    assert [(s.kind, s.id) for s in entry.subjects] == [
        ("partner", _partner_id(world.engine, "esa"))
    ]
    assert entry.details == {"changed": ["country_code"], "country_code": "FRA"}
    cleared = client.patch("/api/v1/partners/esa", json={"country_code": None}, headers=esa)
    assert cleared.json()["country_code"] is None
    # The demo's user-assigned codes are valid ISO 3166-1.
    assert (
        client.patch("/api/v1/partners/esa", json={"country_code": "XA"}, headers=esa).json()[
            "country_code"
        ]
        == "XA"
    )
    # Nothing to change writes nothing.
    entries = len(_log(world.engine))
    assert client.patch("/api/v1/partners/esa", json={"country_code": "XA"}, headers=esa).is_success
    assert len(_log(world.engine)) == entries


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"country_code": "AB"}, "not an assigned ISO 3166-1 code"),  # format ok, unassigned
        ({"country_code": "fr"}, "body.country_code"),
        ({"country_code": "EU"}, "not an assigned ISO 3166-1 code"),  # reserved, not a country
        ({"handle": "esa2"}, "body.handle"),  # a handle never changes
        ({"name": ""}, "body.name"),
        ({"kind": "planet"}, "body.kind"),
    ],
)
def test_bad_partner_input_is_a_422_naming_the_field_and_nothing_is_written(
    world: World, body: dict[str, object], field: str
) -> None:
    entries = len(_log(world.engine))
    before = world.client.get("/api/v1/partners/esa", headers=world.as_partner("esa")).json()
    answer = world.client.patch("/api/v1/partners/esa", json=body, headers=world.as_partner("esa"))
    assert answer.status_code == 422
    assert field in answer.text
    assert len(_log(world.engine)) == entries
    after = world.client.get("/api/v1/partners/esa", headers=world.as_partner("esa")).json()
    assert after == before


def test_a_taken_name_is_a_422_from_the_store(world: World) -> None:
    answer = world.client.patch(
        "/api/v1/partners/esa", json={"name": "JAXA"}, headers=world.as_partner("esa")
    )
    assert answer.status_code == 422 and "taken by partner 'jaxa'" in answer.json()["detail"]


def test_who_may_change_a_partner(world: World) -> None:
    client = world.client
    entries = len(_log(world.engine))
    other = client.patch(
        "/api/v1/partners/esa", json={"name": "X"}, headers=world.as_partner("jaxa")
    )
    assert other.status_code == 403 and "needs an admin of 'esa'" in other.json()["detail"]
    writer = bearer(world.keys["esa-write"])
    assert (
        client.patch("/api/v1/partners/esa", json={"name": "X"}, headers=writer).status_code == 403
    )
    kind = client.patch(
        "/api/v1/partners/esa", json={"kind": "operator"}, headers=world.as_partner("esa")
    )
    assert kind.status_code == 403 and "platform admins" in kind.json()["detail"]
    unknown = client.patch("/api/v1/partners/nobody", json={}, headers=world.as_partner("esa"))
    assert unknown.status_code == 404
    assert len(_log(world.engine)) == entries


def test_a_platform_admin_changes_any_partners_kind_among_member_kinds(world: World) -> None:
    client, platform = world.client, bearer(world.keys["platform"])
    changed = client.patch("/api/v1/partners/nasa", json={"kind": "state"}, headers=platform)
    assert changed.status_code == 200 and changed.json()["kind"] == "state"
    entry = parse_entry(_log(world.engine)[-1])
    assert entry.actor.partner_id == _partner_id(world.engine, "accord")
    assert entry.details == {"changed": ["kind"], "kind": "state"}
    client.patch("/api/v1/partners/nasa", json={"kind": "space_agency"}, headers=platform)
    # data_provider and system are fixed at admission: they decide who owns catalog data.
    refused = client.patch(
        "/api/v1/partners/nasa", json={"kind": "data_provider"}, headers=platform
    )
    assert refused.status_code == 422 and "cannot change" in refused.json()["detail"]


# --- stations -------------------------------------------------------------------------------


def test_station_ids_carry_the_partners_own_prefix(world: World) -> None:
    entries = len(_log(world.engine))
    foreign = world.client.post(
        STATIONS, json={**KIRUNA, "station_id": "jaxa:usuda"}, headers=world.as_partner("nasa")
    )
    assert foreign.status_code == 422
    assert "starts with 'nasa:'" in foreign.json()["detail"]
    assert len(_log(world.engine)) == entries
    derived = _station(world, "nasa", name="Goldstone DSS-14")
    assert derived["station_id"] == "nasa:goldstone-dss-14" and derived["status"] == "active"


def test_the_owner_changes_and_reactivates_its_station_logged(world: World) -> None:
    client, esa = world.client, world.as_partner("esa")
    station = _station(world, "esa", station_id="esa:kiruna-1")
    path = f"{STATIONS}/esa:kiruna-1"
    changed = client.patch(
        path, json={"min_elevation_deg": 10.0, "max_range_km": 3000.0}, headers=esa
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["min_elevation_deg"], changed.json()["max_range_km"]) == (10.0, 3000.0)
    assert changed.json()["latitude_deg"] == station["latitude_deg"]
    entry = parse_entry(_log(world.engine)[-1])
    assert entry.action is AuditAction.STATION_UPDATED
    assert [(s.kind, s.id) for s in entry.subjects] == [("station", "esa:kiruna-1")]
    assert entry.details == {"changed": ["max_range_km", "min_elevation_deg"]}
    unlimited = client.patch(path, json={"max_range_km": None}, headers=esa)
    assert unlimited.json()["max_range_km"] is None

    retired = client.patch(path, json={"status": "retired"}, headers=esa)
    assert retired.json()["status"] == "retired" and retired.json()["retired_at"]
    assert parse_entry(_log(world.engine)[-1]).action is AuditAction.STATION_RETIRED
    frozen = client.patch(path, json={"altitude_m": 500.0}, headers=esa)
    assert frozen.status_code == 422 and "reactivate it" in frozen.json()["detail"]
    back = client.patch(path, json={"status": "active", "altitude_m": 500.0}, headers=esa)
    assert back.json()["status"] == "active" and back.json()["altitude_m"] == 500.0
    assert parse_entry(_log(world.engine)[-1]).details == {
        "changed": ["altitude_m", "status"],
        "status": "active",
    }


def test_delete_retires_the_station_and_keeps_it_listed_as_retired(world: World) -> None:
    client, esa = world.client, world.as_partner("esa")
    _station(world, "esa", station_id="esa:redu-old", name="Redu (old)")
    assert client.delete(f"{STATIONS}/esa:redu-old", headers=esa).status_code == 204
    entry = parse_entry(_log(world.engine)[-1])
    assert entry.action is AuditAction.STATION_RETIRED
    assert entry.details == {"kind": "ground_station", "pools": []}
    retired = client.get(f"{STATIONS}?status=retired&limit=1000", headers=esa).json()["items"]
    assert "esa:redu-old" in [s["station_id"] for s in retired]
    active = client.get(f"{STATIONS}?status=active&limit=1000", headers=esa).json()["items"]
    assert "esa:redu-old" not in [s["station_id"] for s in active]
    again = client.delete(f"{STATIONS}/esa:redu-old", headers=esa)
    assert again.status_code == 422 and "already retired" in again.json()["detail"]
    # The id stays taken: audit entries and agreements name it.
    reused = client.post(STATIONS, json={**KIRUNA, "station_id": "esa:redu-old"}, headers=esa)
    assert reused.status_code == 422 and "never reused" in reused.json()["detail"]


def test_another_partners_station_is_404_a_read_key_403_bad_input_422(world: World) -> None:
    client = world.client
    _station(world, "esa", station_id="esa:malindi")
    path = f"{STATIONS}/esa:malindi"
    entries = len(_log(world.engine))
    jaxa = world.as_partner("jaxa")
    hidden = client.patch(path, json={"altitude_m": 1.0}, headers=jaxa)
    absent = client.patch(f"{STATIONS}/esa:nowhere", json={"altitude_m": 1.0}, headers=jaxa)
    assert hidden.status_code == absent.status_code == 404
    assert client.delete(path, headers=jaxa).status_code == 404
    read_only = bearer(world.keys["esa-read"])
    refused = client.patch(path, json={"altitude_m": 1.0}, headers=read_only)
    assert refused.status_code == 403 and "write scope" in refused.json()["detail"]
    assert client.delete(path, headers=read_only).status_code == 403
    esa = world.as_partner("esa")
    for body, field in (
        ({"latitude_deg": 91.0}, "body.latitude_deg"),
        ({"latitude_deg": None}, "body.latitude_deg"),
        ({"station_id": "esa:x"}, "body.station_id"),
        ({"kind": "sensor"}, "body.kind"),
        ({"status": "gone"}, "body.status"),
    ):
        bad = client.patch(path, json=body, headers=esa)
        assert bad.status_code == 422 and field in bad.text, (body, bad.text)
    assert len(_log(world.engine)) == entries
    listed = client.get(f"{STATIONS}?limit=1000", headers=esa).json()["items"]
    malindi = next(s for s in listed if s["station_id"] == "esa:malindi")
    assert (malindi["latitude_deg"], malindi["altitude_m"]) == (KIRUNA["latitude_deg"], 402.0)
