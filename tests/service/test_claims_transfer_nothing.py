"""A claim transfers no data (docs/access.md, "Ownership"), through the HTTP app.

Regression for the hijack a reviewer reproduced: nasa submits element sets of an object
and never claims it; esa claims it; esa then read nasa's elements and history through
/api/v1/catalog and Space-Track gp_history while nasa got 404 on its own data. Also: a
claim on a public object hides it from nobody, and claiming an object the caller cannot
see answers exactly as claiming an absent one (no existence oracle).

World: tests/access/_world.py (esa, jaxa, nasa; leo-data-exchange between esa and jaxa),
plus nasa's object `HIDDEN` (nasa's data only) and `SHARED_HISTORY`, whose older element
set is CelesTrak's (public) and whose current one is nasa's.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from accord.catalog import import_element_sets
from accord.store import AssetRepository, PartnerRepository, SourceKind, transaction
from tests.access._world import EPOCH, NASA_OBJECT, PUBLIC_OBJECT
from tests.service._api import World, running_world
from tests.store._factory import element_set

HIDDEN = NASA_OBJECT  # submitted by nasa only
SHARED_HISTORY = 30001  # CelesTrak's older element set, nasa's current one
PUBLIC_EPOCH = EPOCH - timedelta(days=2)
ABSENT = 99999


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    path: Path = tmp_path_factory.mktemp("claims")
    with running_world(path) as running:
        import_element_sets(
            running.engine,
            [element_set(SHARED_HISTORY, epoch=PUBLIC_EPOCH, mean_motion_rev_per_day=15.4)],
            source_name="celestrak.json",
            partner="CelesTrak",
            source_kind=SourceKind.CELESTRAK,
            submitted_at=PUBLIC_EPOCH,
        )
        import_element_sets(
            running.engine,
            [element_set(SHARED_HISTORY, epoch=EPOCH)],
            source_name="nasa.json",
            partner="NASA",
            source_kind=SourceKind.API,
            submitted_at=EPOCH,
        )
        yield running


def _claim(world: World, handle: str, norad_id: int) -> Any:
    return world.client.post(
        "/api/v1/assets/claims", headers=world.as_partner(handle), json={"norad_id": norad_id}
    )


def _gp(world: World, handle: str, klass: str, norad_id: int) -> list[dict[str, Any]]:
    response = world.client.get(
        f"/basicspacedata/query/class/{klass}/NORAD_CAT_ID/{norad_id}/format/json",
        headers={"X-API-Key": world.keys[handle]},
    )
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()
    return rows


def _listed(world: World, handle: str) -> set[int]:
    page = world.client.get(
        "/api/v1/catalog", headers=world.as_partner(handle), params={"limit": 1000}
    ).json()
    assert page["total"] == len(page["items"])
    return {item["norad_id"] for item in page["items"]}


def _force_claim(world: World, handle: str, norad_id: int) -> None:
    """A claim recorded in the store directly, as the old claim check (existence only) let
    anyone make: the rule must hold even for claims that exist already."""
    with transaction(world.engine, write_lock=True) as session:
        partner = PartnerRepository(session).get_by_handle(handle)
        AssetRepository(session).claim(partner, norad_id)


def test_claiming_an_invisible_object_answers_as_claiming_an_absent_one(world: World) -> None:
    hidden, absent = _claim(world, "esa", HIDDEN), _claim(world, "esa", ABSENT)
    assert hidden.status_code == absent.status_code == 422
    assert hidden.json().keys() == absent.json().keys()
    assert hidden.json()["detail"].replace(str(HIDDEN), "N") == absent.json()["detail"].replace(
        str(ABSENT), "N"
    )
    claims = world.client.get("/api/v1/assets/claims", headers=world.as_partner("esa")).json()
    assert HIDDEN not in {c["norad_id"] for c in claims["items"]}


def test_a_claim_on_another_members_object_reveals_none_of_its_data(world: World) -> None:
    _force_claim(world, "esa", HIDDEN)
    esa, nasa = world.as_partner("esa"), world.as_partner("nasa")
    # esa: not listed, 404 on detail (history included), no Space-Track row
    assert HIDDEN not in _listed(world, "esa")
    hidden = world.client.get(f"/api/v1/catalog/{HIDDEN}", headers=esa)
    absent = world.client.get(f"/api/v1/catalog/{ABSENT}", headers=esa)
    assert hidden.status_code == absent.status_code == 404
    assert _gp(world, "esa", "gp", HIDDEN) == []
    assert _gp(world, "esa", "gp_history", HIDDEN) == []
    # nasa still owns and sees its own, in full
    assert HIDDEN in _listed(world, "nasa")
    own = world.client.get(f"/api/v1/catalog/{HIDDEN}", headers=nasa)
    assert own.status_code == 200 and own.json()["owner"] == "nasa"
    assert own.json()["mean_elements"] is not None
    assert len(_gp(world, "nasa", "gp_history", HIDDEN)) == 1


def test_a_claim_through_public_history_gets_only_the_public_element_set(world: World) -> None:
    response = _claim(world, "esa", SHARED_HISTORY)  # esa may see CelesTrak's older set
    assert response.status_code == 201, response.text
    esa = world.as_partner("esa")
    # The newest element set is nasa's: esa lists and reads the newest one it may see, the
    # public one, and never nasa's.
    assert SHARED_HISTORY in _listed(world, "esa")
    detail = world.client.get(f"/api/v1/catalog/{SHARED_HISTORY}", headers=esa)
    assert detail.status_code == 200
    assert (detail.json()["owner"], detail.json()["submitter"]) == (None, "CelesTrak")
    assert [h["submitter"] for h in detail.json()["history"]] == ["CelesTrak"]
    current = _gp(world, "esa", "gp", SHARED_HISTORY)
    assert [row["EPOCH"][:10] for row in current] == [PUBLIC_EPOCH.date().isoformat()]
    history = _gp(world, "esa", "gp_history", SHARED_HISTORY)
    assert [row["EPOCH"][:10] for row in history] == [PUBLIC_EPOCH.date().isoformat()]
    # nasa: its current set and the public one, as before the claim
    assert SHARED_HISTORY in _listed(world, "nasa")
    detail = world.client.get(f"/api/v1/catalog/{SHARED_HISTORY}", headers=world.as_partner("nasa"))
    assert detail.status_code == 200 and detail.json()["owner"] == "nasa"
    assert [h["submitter"] for h in detail.json()["history"]] == ["NASA", "CelesTrak"]
    assert len(_gp(world, "nasa", "gp_history", SHARED_HISTORY)) == 2


def test_claiming_a_public_object_hides_it_from_nobody(world: World) -> None:
    assert _claim(world, "esa", PUBLIC_OBJECT).status_code == 201
    contested = _claim(world, "jaxa", PUBLIC_OBJECT)
    assert contested.status_code == 201 and contested.json()["contested"] is True
    for handle in ("esa", "jaxa", "nasa"):
        assert PUBLIC_OBJECT in _listed(world, handle), handle
        detail = world.client.get(
            f"/api/v1/catalog/{PUBLIC_OBJECT}", headers=world.as_partner(handle)
        )
        assert detail.status_code == 200 and detail.json()["owner"] is None, handle
        assert detail.json()["mean_elements"] is not None
        assert len(_gp(world, handle, "gp", PUBLIC_OBJECT)) == 1, handle
