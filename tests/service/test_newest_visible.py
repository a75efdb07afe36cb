"""Each partner sees, per object, the newest element set it may see (issue #4), over HTTP.

Two defects of listing "the current set, if visible" (the newest overall), checked through
the REST catalog (list, total, detail) and Space-Track `gp`:

(a) a member's newer element set of a public object hid the object from every partner not
    granted that member's data, although the older public set is still there;
(b) under an embargoed clause, a grantee saw a set once its embargo passed, and lost the
    object again for the embargo's length as soon as the grantor submitted a newer set.

World: tests/access/_world.py (esa, jaxa, nasa, CelesTrak; leo-data-exchange between esa
and jaxa), plus an agreement in which nasa grants esa its catalog element sets after a 6 h
embargo; `NEWER_THAN_PUBLIC` has CelesTrak's older set and nasa's newer one;
`EMBARGOED_NEWER` has nasa's older set (released to esa long ago) and nasa's newer set
submitted a minute before the test runs (embargoed for esa for 6 h from the wall clock the
app decides at; nothing waits on it).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from accord.access import propose_agreement, sign_agreement
from accord.agreements import load_agreement
from accord.catalog import import_element_sets
from accord.store import PartnerRepository, SourceKind, transaction
from tests.access._world import EPOCH, SIGNED
from tests.service._api import World, running_world
from tests.store._factory import element_set

NEWER_THAN_PUBLIC = 30101  # CelesTrak's older set, nasa's newer one (nasa grants jaxa nothing)
EMBARGOED_NEWER = 30102  # nasa's older set (released to esa), nasa's newer one (embargoed)
PUBLIC_EPOCH = EPOCH - timedelta(days=2)
EMBARGO_HOURS = 6

NASA_TO_ESA = {
    "format": "accord.agreement/v1",
    "id": "nasa-esa-embargoed",
    "version": 1,
    "title": "nasa shares element sets with esa after an embargo",
    "parties": [{"partner": "nasa", "name": "NASA"}, {"partner": "esa", "name": "ESA"}],
    "effective_from": "2026-01-01",
    "clauses": [
        {
            "id": "nasa-elsets-to-esa",
            "data_sharing": {
                "grantor": "nasa",
                "grantees": ["esa"],
                "data_classes": ["catalog_element_sets"],
                "assets": "all_claimed",
                "embargo_hours": EMBARGO_HOURS,
            },
        }
    ],
}


def _submit(world: World, submitter: str, norad_id: int, epoch: datetime) -> None:
    """One element set of `norad_id` at `epoch`, submitted at its epoch."""
    import_element_sets(
        world.engine,
        [element_set(norad_id, epoch=epoch)],
        source_name=f"{submitter}-{norad_id}-{epoch:%Y%m%dT%H%M}.json",
        partner=submitter,
        source_kind=SourceKind.CELESTRAK if submitter == "CelesTrak" else SourceKind.API,
        submitted_at=epoch,
    )


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    path: Path = tmp_path_factory.mktemp("newest")
    with running_world(path) as running:
        _submit(running, "CelesTrak", NEWER_THAN_PUBLIC, PUBLIC_EPOCH)
        _submit(running, "NASA", NEWER_THAN_PUBLIC, EPOCH)
        _submit(running, "NASA", EMBARGOED_NEWER, EPOCH)
        with transaction(running.engine, write_lock=True) as session:
            partners = PartnerRepository(session)
            nasa, esa = partners.get_by_handle("nasa"), partners.get_by_handle("esa")
            document = load_agreement(json.dumps(NASA_TO_ESA), source="test")
            propose_agreement(session, document, by=nasa, at=SIGNED)
            sign_agreement(session, document.id, by=nasa, at=SIGNED)
            sign_agreement(session, document.id, by=esa, at=SIGNED)
        # nasa's newer set, submitted now: its embargo for esa ends 6 h from now.
        _submit(running, "NASA", EMBARGOED_NEWER, datetime.now(UTC) - timedelta(minutes=1))
        yield running


def _listing(world: World, handle: str) -> dict[int, dict[str, Any]]:
    page = world.client.get(
        "/api/v1/catalog", headers=world.as_partner(handle), params={"limit": 1000}
    ).json()
    assert page["total"] == len(page["items"])
    return {item["norad_id"]: item for item in page["items"]}


def _detail(world: World, handle: str, norad_id: int) -> Any:
    return world.client.get(f"/api/v1/catalog/{norad_id}", headers=world.as_partner(handle))


def _gp(world: World, handle: str, query: str) -> list[dict[str, Any]]:
    response = world.client.get(
        f"/basicspacedata/query/class/gp/{query}/format/json",
        headers={"X-API-Key": world.keys[handle]},
    )
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()
    return rows


def _day(timestamp: str) -> str:
    return timestamp[:10]


def test_a_members_newer_set_leaves_the_public_one_to_the_others(world: World) -> None:
    # jaxa is granted nothing of nasa's: it keeps CelesTrak's older, public set
    listed = _listing(world, "jaxa")[NEWER_THAN_PUBLIC]
    assert (listed["owner"], listed["submitter"]) == (None, "CelesTrak")
    assert _day(listed["epoch"]) == PUBLIC_EPOCH.date().isoformat()
    detail = _detail(world, "jaxa", NEWER_THAN_PUBLIC)
    assert detail.status_code == 200
    assert detail.json()["epoch"] == listed["epoch"]
    assert detail.json()["owner"] is None
    assert [h["submitter"] for h in detail.json()["history"]] == ["CelesTrak"]
    rows = _gp(world, "jaxa", f"NORAD_CAT_ID/{NEWER_THAN_PUBLIC}")
    assert [_day(row["EPOCH"]) for row in rows] == [PUBLIC_EPOCH.date().isoformat()]
    # nasa, the submitter, and esa, granted nasa's sets (embargo long over), see the newer one
    for handle in ("nasa", "esa"):
        newer = _listing(world, handle)[NEWER_THAN_PUBLIC]
        assert newer["owner"] == "nasa" and _day(newer["epoch"]) == EPOCH.date().isoformat()
        assert _detail(world, handle, NEWER_THAN_PUBLIC).json()["epoch"] == newer["epoch"]
        rows = _gp(world, handle, f"NORAD_CAT_ID/{NEWER_THAN_PUBLIC}")
        assert [_day(row["EPOCH"]) for row in rows] == [EPOCH.date().isoformat()], handle


def test_an_embargoed_newer_set_withdraws_no_released_older_one(world: World) -> None:
    listed = _listing(world, "esa")[EMBARGOED_NEWER]
    assert listed["owner"] == "nasa"
    assert _day(listed["epoch"]) == EPOCH.date().isoformat()  # the older, released set
    detail = _detail(world, "esa", EMBARGOED_NEWER)
    assert detail.status_code == 200
    assert detail.json()["epoch"] == listed["epoch"]
    assert len(detail.json()["history"]) == 1  # the newer one is still embargoed
    rows = _gp(world, "esa", f"NORAD_CAT_ID/{EMBARGOED_NEWER}")
    assert [_day(row["EPOCH"]) for row in rows] == [EPOCH.date().isoformat()]
    # Predicates apply to the set the caller sees, never to the embargoed newer one.
    recent = _gp(world, "esa", f"NORAD_CAT_ID/{EMBARGOED_NEWER}/EPOCH/%3Enow-1")
    assert recent == []
    cut = _gp(world, "esa", f"NORAD_CAT_ID/{EMBARGOED_NEWER}/orderby/EPOCH%20desc/limit/1")
    assert [_day(row["EPOCH"]) for row in cut] == [EPOCH.date().isoformat()]
    # nasa sees its newest; jaxa, granted nothing of nasa's, sees none of it (404, no row)
    newest = _detail(world, "nasa", EMBARGOED_NEWER).json()
    assert len(newest["history"]) == 2 and newest["epoch"] > listed["epoch"]
    assert len(_gp(world, "nasa", f"NORAD_CAT_ID/{EMBARGOED_NEWER}/EPOCH/%3Enow-1")) == 1
    assert EMBARGOED_NEWER not in _listing(world, "jaxa")
    assert _detail(world, "jaxa", EMBARGOED_NEWER).status_code == 404
    assert _gp(world, "jaxa", f"NORAD_CAT_ID/{EMBARGOED_NEWER}") == []


def test_counts_follow_the_objects_listed(world: World) -> None:
    for handle in ("esa", "jaxa", "nasa"):
        listed = _listing(world, handle)
        rows = _gp(world, handle, "orderby/NORAD_CAT_ID")
        assert sorted(int(row["NORAD_CAT_ID"]) for row in rows) == sorted(listed), handle
