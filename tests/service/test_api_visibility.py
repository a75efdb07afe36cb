"""What each partner sees through /api/v1, with docs/examples/agreements/leo-data-exchange.yaml
in force between esa and jaxa (tests/access/_world.py), and agreements proposed over HTTP.

Owners: 25544, 39634, 40697 esa's; 41240 jaxa's; 30000 nasa's; 20000 public (CelesTrak).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.access._world import ESA_OBJECTS, JAXA_OBJECTS, NASA_OBJECT, PUBLIC_OBJECT, example
from tests.service._api import World, running_world

ALL = sorted((*ESA_OBJECTS, *JAXA_OBJECTS, NASA_OBJECT, PUBLIC_OBJECT))


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with running_world(tmp_path_factory.mktemp("visibility")) as running:
        yield running


def catalog_ids(world: World, handle: str, **params: Any) -> tuple[list[int], int]:
    response = world.client.get("/api/v1/catalog", headers=world.as_partner(handle), params=params)
    assert response.status_code == 200, response.text
    page = response.json()
    return [item["norad_id"] for item in page["items"]], page["total"]


@pytest.mark.parametrize(
    ("handle", "expected"),
    [
        ("esa", sorted((*ESA_OBJECTS, *JAXA_OBJECTS, PUBLIC_OBJECT))),
        ("jaxa", sorted((*ESA_OBJECTS, *JAXA_OBJECTS, PUBLIC_OBJECT))),
        ("nasa", sorted((NASA_OBJECT, PUBLIC_OBJECT))),
    ],
)
def test_each_partner_sees_exactly_what_the_clauses_grant(
    world: World, handle: str, expected: list[int]
) -> None:
    ids, total = catalog_ids(world, handle)
    assert ids == expected and total == len(expected)


def test_counts_and_pages_exclude_invisible_objects(world: World) -> None:
    ids, total = catalog_ids(world, "nasa", limit=1, offset=1)
    assert total == 2 and ids == [NASA_OBJECT]  # 2nd of [20000, 30000]
    ids, total = catalog_ids(world, "nasa", norad_id=[25544, 30000])
    assert ids == [30000] and total == 1


def test_invisible_and_absent_objects_are_the_same_404(world: World) -> None:
    nasa = world.as_partner("nasa")
    hidden = world.client.get("/api/v1/catalog/25544", headers=nasa)
    absent = world.client.get("/api/v1/catalog/99999", headers=nasa)
    assert hidden.status_code == absent.status_code == 404
    assert hidden.json()["detail"].replace("25544", "N") == absent.json()["detail"].replace(
        "99999", "N"
    )
    assert (
        world.client.get("/api/v1/catalog/25544", headers=world.as_partner("jaxa")).status_code
        == 200
    )


def test_detail_carries_the_granting_clause_and_history(world: World) -> None:
    detail = world.client.get("/api/v1/catalog/25544", headers=world.as_partner("jaxa")).json()
    assert detail["owner"] == "esa" and detail["mean_elements"] is not None
    assert detail["state"] is None
    assert detail["release"]["clauses"] == ["esa-jaxa-leo-exchange/v1/esa-elsets-to-jaxa"]
    assert detail["release"]["redistribution_allowed"] is False
    assert [h["norad_id"] for h in detail["history"]] == [25544]
    own = world.client.get("/api/v1/catalog/25544", headers=world.as_partner("esa")).json()
    assert own["release"]["clauses"] == [] and own["release"]["redistribution_allowed"]


def test_agreements_are_visible_to_their_parties_only(world: World) -> None:
    for handle, count in (("esa", 1), ("jaxa", 1), ("nasa", 0)):
        page = world.client.get("/api/v1/agreements", headers=world.as_partner(handle)).json()
        assert page["total"] == count
    path = "/api/v1/agreements/esa-jaxa-leo-exchange"
    assert world.client.get(path, headers=world.as_partner("nasa")).status_code == 404
    detail = world.client.get(path, headers=world.as_partner("jaxa")).json()
    assert detail["status"] == "in_force" and detail["parties"] == ["esa", "jaxa"]
    versions = world.client.get(f"{path}/versions", headers=world.as_partner("esa")).json()
    assert versions["total"] == 1
    assert {s["party"] for s in versions["items"][0]["signatures"]} == {"esa", "jaxa"}


def test_the_schema_is_published(world: World) -> None:
    schema = world.client.get("/api/v1/agreements/schema", headers=world.as_partner("nasa"))
    assert schema.status_code == 200
    assert schema.json()["$schema"].startswith("https://json-schema.org/")


def test_directory_lists_partners_and_claims(world: World) -> None:
    partners = world.client.get("/api/v1/partners", headers=world.as_partner("nasa")).json()
    assert [p["handle"] for p in partners["items"]] == ["celestrak", "esa", "jaxa", "nasa"]
    claims = world.client.get(
        "/api/v1/assets/claims", headers=world.as_partner("nasa"), params={"partner": "jaxa"}
    ).json()
    assert [(c["norad_id"], c["status"]) for c in claims["items"]] == [(41240, "claimed")]
    missing = world.client.get("/api/v1/partners/nobody", headers=world.as_partner("esa"))
    assert missing.status_code == 404


# --- agreements over HTTP: propose, validation, sign, degradation, embargo, suspension ---

DEGRADED = """
format: accord.agreement/v1
id: esa-nasa-coarse
version: 1
title: ESA shares coarse element sets with NASA
parties:
  - {partner: esa, name: ESA}
  - {partner: nasa, name: NASA}
effective_from: 2026-01-01
clauses:
  - id: esa-coarse-to-nasa
    data_sharing:
      grantor: esa
      grantees: [nasa]
      data_classes: [catalog_element_sets]
      assets: {norad_ids: [25544]}
      degradation: {position_precision_km: 10}
  - id: esa-embargoed-to-nasa
    data_sharing:
      grantor: esa
      grantees: [nasa]
      data_classes: [catalog_element_sets]
      assets: {norad_ids: [39634]}
      embargo_hours: 87600
"""


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[World]:
    with running_world(tmp_path) as running:
        yield running


def yaml_post(world: World, path: str, handle: str, text: str) -> object:
    return world.client.post(
        path,
        content=text.encode(),
        headers={**world.as_partner(handle), "Content-Type": "application/yaml"},
    )


def test_an_invalid_document_lists_every_problem(fresh: World) -> None:
    broken = DEGRADED.replace("version: 1", "version: zero").replace(
        "grantees: [nasa]\n      data_classes: [catalog_element_sets]\n      assets: {norad_ids: "
        "[25544]}",
        "grantees: [nasa]\n      data_classes: [rocket_plans]\n      assets: {norad_ids: [25544]}",
    )
    response = yaml_post(fresh, "/api/v1/agreements", "esa", broken)
    assert response.status_code == 422  # type: ignore[attr-defined]
    problem = response.json()  # type: ignore[attr-defined]
    locations = {e["location"] for e in problem["errors"]}
    assert "version" in locations and any("data_classes" in loc for loc in locations)


def test_degradation_and_embargo_apply_once_both_parties_sign(fresh: World) -> None:
    created = yaml_post(fresh, "/api/v1/agreements", "esa", DEGRADED)
    assert created.status_code == 201, created.text  # type: ignore[attr-defined]
    assert created.json()["status"] == "draft"  # type: ignore[attr-defined]
    assert catalog_ids(fresh, "nasa")[0] == [PUBLIC_OBJECT, NASA_OBJECT]
    for handle in ("esa", "nasa"):
        signed = fresh.client.post(
            "/api/v1/agreements/esa-nasa-coarse/sign", json={}, headers=fresh.as_partner(handle)
        )
        assert signed.status_code == 200, signed.text
    assert signed.json()["status"] == "in_force"
    ids, total = catalog_ids(fresh, "nasa")
    assert ids == [PUBLIC_OBJECT, 25544, NASA_OBJECT] and total == 3  # 39634 still embargoed
    item = fresh.client.get("/api/v1/catalog/25544", headers=fresh.as_partner("nasa")).json()
    assert item["mean_elements"] is None and item["state"]["frame"] == "TEME"
    assert item["release"]["position_precision_km"] == 10
    assert all(abs(x / 10 - round(x / 10)) < 1e-9 for x in item["state"]["position_km"])
    embargoed = fresh.client.get("/api/v1/catalog/39634", headers=fresh.as_partner("nasa"))
    assert embargoed.status_code == 404
    # a party that is not an admin may read the agreement but not change it: 403
    reader = fresh.client.post(
        "/api/v1/agreements/esa-nasa-coarse/suspend",
        json={"reason": "review"},
        headers={"X-API-Key": _reader_key(fresh)},
    )
    assert reader.status_code == 403
    suspended = fresh.client.post(
        "/api/v1/agreements/esa-nasa-coarse/suspend",
        json={"reason": "review"},
        headers=fresh.as_partner("nasa"),
    )
    assert suspended.status_code == 200 and suspended.json()["status"] == "suspended"
    assert catalog_ids(fresh, "nasa")[0] == [PUBLIC_OBJECT, NASA_OBJECT]
    # a non-party does not learn the agreement exists
    jaxa = fresh.client.post(
        "/api/v1/agreements/esa-nasa-coarse/terminate",
        json={"reason": "x"},
        headers=fresh.as_partner("jaxa"),
    )
    assert jaxa.status_code == 404


def _reader_key(world: World) -> str:
    from tests.service._api import issue_key

    return issue_key(world.engine, "nasa", ("read",))


def test_the_example_documents_are_accepted_as_json_too(fresh: World) -> None:
    import json

    import yaml

    document = yaml.safe_load(example("leo-data-exchange.yaml"))
    document = json.loads(json.dumps(document, default=str))
    document["id"] = "esa-jaxa-leo-exchange-2"
    response = fresh.client.post(
        "/api/v1/agreements", json=document, headers=fresh.as_partner("jaxa")
    )
    assert response.status_code == 201, response.text
    assert response.json()["awaiting_signatures"] == ["esa", "jaxa"]
